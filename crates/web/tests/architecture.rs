//! The web crate's rule, checked on its sources: each folder of `src/` is a room that may
//! use only the rooms below it (the table here is the map at the top of `src/lib.rs`), no
//! files import each other around a circle, and the page cache names no route.
//!
//! "Use" is every path that names an item of the crate: `use crate::…` and `use super::…`
//! lines (groups included) and inline paths (`crate::mail::outbox::queue_reset(…)`). A path
//! is resolved to the file that defines what it names, through the modules it walks and the
//! re-exports (`pub use`, `pub(crate) use`) it meets. Test modules (`#[cfg(test)] mod …`)
//! are left out: a test may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each room and the rooms it may use. `lib.rs` and `router.rs`, at the top, may use any.
const RULE: &[(&str, &[&str])] = &[
    ("jobs", &["mail", "render", "http", "theme"]),
    ("admin", &["site", "mail", "render", "http", "theme"]),
    ("api", &["site", "mail", "render", "http", "theme"]),
    ("site", &["mail", "render", "http", "theme"]),
    ("mail", &["render", "http", "theme"]),
    ("render", &["http", "theme"]),
    ("http", &["theme"]),
    ("theme", &[]),
];

#[test]
fn no_room_uses_one_above_it_and_no_files_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&src, RULE);
    assert!(
        problems.is_empty(),
        "the web crate's rule is broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_page_cache_names_no_route() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = route_literals(&src.join("http/cache"));
    assert!(
        problems.is_empty(),
        "the page cache must read each route's declaration, not know paths:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_folder_is_on_the_map_and_in_the_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let map = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let opening: String = map
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            RULE.iter().any(|(room, _)| *room == name),
            "src/{name}/ is in no row of RULE in tests/architecture.rs: add it there, and to the map in src/lib.rs"
        );
        assert!(
            opening.contains(&format!("`{name}/`")),
            "src/{name}/ is not on the map at the top of src/lib.rs"
        );
    }
}

// ----- the checker -----

/// One source file: its module path and what its code holds once comments, strings and
/// test modules are taken out.
struct Source {
    /// Relative to `src/`, with `/`.
    file: String,
    module: Vec<String>,
    code: String,
    /// Where each line of `code` starts, to tell a use's line.
    line_starts: Vec<usize>,
}

impl Source {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }
}

fn room_of(file: &str) -> &str {
    match file.split_once('/') {
        Some((room, _)) => room,
        None => "",
    }
}

/// Every problem with the rule in the tree at `src`, as sentences naming file and line.
fn check(src: &Path, rule: &[(&str, &[&str])]) -> Vec<String> {
    let sources = read_tree(src);
    let by_module: BTreeMap<Vec<String>, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.module.clone(), i))
        .collect();
    let mut problems = Vec::new();
    // file → file it uses → (line, path) of one such use
    let mut edges: BTreeMap<usize, BTreeMap<usize, (usize, String)>> = BTreeMap::new();
    for (i, source) in sources.iter().enumerate() {
        for (offset, path) in paths_in(&source.code) {
            let Some(target) = resolve(&sources, &by_module, &source.module, &path, 0) else {
                continue;
            };
            if target == i {
                continue;
            }
            let line = source.line_of(offset);
            let shown = path.join("::");
            edges
                .entry(i)
                .or_default()
                .entry(target)
                .or_insert((line, shown.clone()));
            let (from, to) = (room_of(&source.file), room_of(&sources[target].file));
            if from == to {
                continue;
            }
            let why = if from.is_empty() {
                None
            } else if to.is_empty() {
                Some(format!(
                    "{} is the crate's root, above every room",
                    sources[target].file
                ))
            } else {
                match rule.iter().find(|(room, _)| *room == from) {
                    None => Some(format!("{from}/ is in no row of the rule")),
                    Some((_, may)) if !may.contains(&to) => {
                        Some(format!("{from}/ may not use {to}/"))
                    }
                    Some(_) => None,
                }
            };
            if let Some(why) = why {
                problems.push(format!(
                    "{}:{line} uses {shown} ({}: {why})",
                    source.file, sources[target].file
                ));
            }
        }
    }
    for cycle in cycles(sources.len(), &edges) {
        let mut steps = Vec::new();
        for (k, &from) in cycle.iter().enumerate() {
            let to = cycle[(k + 1) % cycle.len()];
            if let Some((line, path)) = edges.get(&from).and_then(|e| e.get(&to)) {
                steps.push(format!(
                    "{}:{line} uses {path} ({})",
                    sources[from].file, sources[to].file
                ));
            }
        }
        problems.push(format!(
            "these files import each other around a circle: {}",
            steps.join("; ")
        ));
    }
    problems
}

/// String literals of the files under `dir` that look like a route path.
fn route_literals(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let (_, literals) = strip(&text);
        for (line, lit) in literals {
            let route = lit == "/"
                || lit
                    .strip_prefix('/')
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(|c| c.is_alphabetic() || c == '{');
            if route {
                problems.push(format!("{}:{line} names \"{lit}\"", file.display()));
            }
        }
    }
    problems
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn read_tree(src: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    collect_files(src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let (code, _) = strip(&text);
            let line_starts = std::iter::once(0)
                .chain(code.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            Source {
                file: rel,
                module,
                code,
                line_starts,
            }
        })
        .collect()
}

/// The code with comments and literals blanked (newlines kept, so offsets keep their
/// line) and test modules removed; and the string literals outside test modules.
fn strip(text: &str) -> (String, Vec<(usize, String)>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut literals = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let start_line = line;
            let mut lit = String::new();
            for _ in i..=j {
                out.push(' ');
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    line += 1;
                }
                lit.push(chars[j]);
                out.push(blank(chars[j]));
                j += 1;
            }
            literals.push((start_line, lit));
            i = j;
        } else if c == '"' {
            let start_line = line;
            let mut lit = String::new();
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                    if let Some(&e) = chars.get(i) {
                        lit.push('\\');
                        lit.push(e);
                    }
                }
                if let Some(&ch) = chars.get(i) {
                    if ch == '\n' {
                        line += 1;
                    }
                    if chars[i - 1] != '\\' || lit.is_empty() {
                        lit.push(ch);
                    }
                    out.push(blank(ch));
                }
                i += 1;
            }
            out.push(' ');
            i += 1;
            literals.push((start_line, lit));
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{…}'), or a lifetime ('a), left as it is.
            let close = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            if c == '\n' {
                line += 1;
            }
            out.push(c);
            i += 1;
        }
    }
    let (code, removed) = without_test_modules(&out);
    let literals = literals
        .into_iter()
        .filter(|(l, _)| !removed.iter().any(|(a, b)| a <= l && l <= b))
        .collect();
    (code, literals)
}

/// The code with every `#[cfg(test)] mod … { … }` blanked, and the lines they spanned.
fn without_test_modules(code: &str) -> (String, Vec<(usize, usize)>) {
    let mut out: Vec<char> = code.chars().collect();
    let mut spans = Vec::new();
    let text: String = out.iter().collect();
    let mut search = 0;
    while let Some(found) = text[search..].find("#[cfg(test)]") {
        let at = search + found;
        search = at + 1;
        let after = &text[at + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        if !trimmed.starts_with("mod ") {
            continue;
        }
        let Some(open) = after.find('{') else {
            continue;
        };
        let open = at + "#[cfg(test)]".len() + open;
        let mut depth = 0;
        let mut end = open;
        for (k, ch) in text[open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let first = text[..at].matches('\n').count() + 1;
        let last = text[..end].matches('\n').count() + 1;
        spans.push((first, last));
        let start_char = text[..at].chars().count();
        let end_char = text[..=end].chars().count();
        for ch in &mut out[start_char..end_char] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
    }
    (out.into_iter().collect(), spans)
}

/// Every crate path in the code, with its offset: `use` trees flattened, then inline
/// paths starting with `crate::`, `super::` or `self::`.
fn paths_in(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut uses: Vec<(usize, usize)> = Vec::new();
    // `use` statements
    let mut k = 0;
    while let Some(pos) = code[k..].find("use ") {
        let at = k + pos;
        k = at + 4;
        if at > 0 && is_ident(bytes[at - 1]) {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            continue;
        };
        let tree = &code[at + 4..at + end];
        let mut flat = Vec::new();
        flatten(tree, Vec::new(), &mut flat);
        for p in flat {
            if matches!(
                p.first().map(String::as_str),
                Some("crate" | "super" | "self")
            ) {
                found.push((at, p));
            }
        }
        uses.push((at, at + end));
    }
    // inline paths
    for start in ["crate::", "super::", "self::"] {
        let mut k = 0;
        while let Some(pos) = code[k..].find(start) {
            let at = k + pos;
            k = at + start.len();
            if at > 0 && (is_ident(bytes[at - 1]) || bytes[at - 1] == b':') {
                continue;
            }
            if uses.iter().any(|(a, b)| *a <= at && at <= *b) {
                continue;
            }
            let mut segments = vec![start.trim_end_matches(':').to_string()];
            let mut j = at + start.len();
            loop {
                let s = j;
                while j < bytes.len() && is_ident(bytes[j]) {
                    j += 1;
                }
                if s == j {
                    break;
                }
                segments.push(code[s..j].to_string());
                if code[j..].starts_with("::") && !code[j + 2..].starts_with('<') {
                    j += 2;
                } else {
                    break;
                }
            }
            found.push((at, segments));
        }
    }
    found
}

/// The paths a `use` tree names: `a::{b, c::{d, self}}` → `a::b`, `a::c::d`, `a::c`.
fn flatten(tree: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    let tree = tree.strip_prefix("::").unwrap_or(tree);
    if let Some(open) = tree.find('{') {
        let mut path = prefix.clone();
        path.extend(
            tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    flatten(&inner[start..i], path.clone(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        flatten(&inner[start..], path, out);
        return;
    }
    let tree = tree.split(" as ").next().unwrap_or("").trim();
    if tree.is_empty() {
        return;
    }
    let mut path = prefix;
    for seg in tree.split("::").map(str::trim) {
        if seg == "self" && !path.is_empty() {
            continue;
        }
        if seg != "*" {
            path.push(seg.to_string());
        }
    }
    out.push(path);
}

/// The file that defines what `path` (as written in module `from`) names.
fn resolve(
    sources: &[Source],
    by_module: &BTreeMap<Vec<String>, usize>,
    from: &[String],
    path: &[String],
    depth: usize,
) -> Option<usize> {
    if depth > 16 {
        return None;
    }
    let mut module: Vec<String> = from.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            module.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                module.pop()?;
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        _ => return None,
    }
    for (k, seg) in rest.iter().enumerate() {
        let mut deeper = module.clone();
        deeper.push(seg.clone());
        if by_module.contains_key(&deeper) {
            module = deeper;
            continue;
        }
        // `seg` is an item of `module`: its own, or one it re-exports.
        let file = *by_module.get(&module)?;
        if let Some(target) = reexport(&sources[file].code, seg) {
            let mut target = target;
            target.extend(rest[k + 1..].iter().cloned());
            return resolve(sources, by_module, &module, &target, depth + 1).or(Some(file));
        }
        return Some(file);
    }
    by_module.get(&module).copied()
}

/// The path a file's `pub use` / `pub(crate) use` gives to `name`, if it re-exports it.
fn reexport(code: &str, name: &str) -> Option<Vec<String>> {
    for (start, _) in code.match_indices("use ") {
        let before = code[..start].trim_end();
        if !(before.ends_with("pub") || before.ends_with("pub(crate)")) {
            continue;
        }
        let end = code[start..].find(';')? + start;
        let mut flat = Vec::new();
        flatten(&code[start + 4..end], Vec::new(), &mut flat);
        if let Some(p) = flat
            .into_iter()
            .find(|p| p.last().map(String::as_str) == Some(name))
        {
            let p = match p.first().map(String::as_str) {
                Some("crate" | "super" | "self") => p,
                _ => std::iter::once("self".to_string()).chain(p).collect(),
            };
            return Some(p);
        }
    }
    None
}

/// The circles of the graph (its strongly connected components of two files or more,
/// each as one cycle through it).
fn cycles(n: usize, edges: &BTreeMap<usize, BTreeMap<usize, (usize, String)>>) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<usize, BTreeMap<usize, (usize, String)>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let targets: Vec<usize> = self
                .edges
                .get(&v)
                .map(|e| e.keys().copied().collect())
                .unwrap_or_default();
            for w in targets {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    // One cycle through each component: walk from its first file along edges inside it.
    t.found
        .into_iter()
        .map(|component| {
            let inside: BTreeSet<usize> = component.iter().copied().collect();
            let start = *inside.iter().next().unwrap_or(&0);
            let mut path = vec![start];
            let mut seen = BTreeSet::from([start]);
            let mut at = start;
            loop {
                let next = edges.get(&at).and_then(|e| {
                    e.keys()
                        .copied()
                        .find(|w| *w == start && path.len() > 1)
                        .or_else(|| {
                            e.keys()
                                .copied()
                                .find(|w| inside.contains(w) && !seen.contains(w))
                        })
                });
                match next {
                    Some(w) if w == start => break,
                    Some(w) => {
                        path.push(w);
                        seen.insert(w);
                        at = w;
                    }
                    None => break,
                }
            }
            path
        })
        .collect()
}

#[cfg(test)]
mod checker {
    use super::*;

    /// A tree of source files in a folder of its own.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const SMALL_RULE: &[(&str, &[&str])] = &[("site", &["http"]), ("http", &[])];

    fn problems(files: &[(&str, &str)]) -> Vec<String> {
        let dir = tree(files);
        check(dir.path(), SMALL_RULE)
    }

    const LIB: &str = "mod http;\nmod site;\npub use http::app::App;\n";

    #[test]
    fn allowed_uses_pass() {
        let found = problems(&[
            ("lib.rs", LIB),
            (
                "http/mod.rs",
                "pub(crate) mod app;\npub(crate) mod error;\npub(crate) use error::WebError;\n",
            ),
            (
                "http/app.rs",
                "use super::error::WebError;\npub struct App;\n",
            ),
            ("http/error.rs", "pub enum WebError {}\n"),
            ("site/mod.rs", "pub(crate) mod pages;\n"),
            (
                "site/pages.rs",
                "use crate::http::{WebError, app::App};\nfn f() { crate::App::new(); }\n",
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn an_upward_use_line_a_group_and_an_inline_path_are_caught() {
        let found = problems(&[
            ("lib.rs", LIB),
            (
                "http/mod.rs",
                "pub(crate) mod app;\npub(crate) mod tools;\n",
            ),
            ("http/app.rs", "pub struct App;\n"),
            (
                "http/tools.rs",
                "use crate::site::{pages::{self, render}};\nfn f() {\n    let x = crate::site::pages::list(1);\n}\n",
            ),
            ("site/mod.rs", "pub(crate) mod pages;\n"),
            (
                "site/pages.rs",
                "pub fn render() {}\npub fn list(_: i32) {}\n",
            ),
        ]);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("http/tools.rs:1 uses crate::site::pages"));
        assert!(found[1].starts_with("http/tools.rs:1 uses crate::site::pages::render"));
        assert!(found[0].contains("http/ may not use site/"));
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("http/tools.rs:3 uses crate::site::pages::list"))
        );
    }

    #[test]
    fn a_use_of_the_crate_root_is_caught_unless_it_is_a_reexport() {
        let found = problems(&[
            (
                "lib.rs",
                "mod http;\npub use http::app::App;\npub fn helper() {}\n",
            ),
            ("http/mod.rs", "pub(crate) mod app;\n"),
            (
                "http/app.rs",
                "pub struct App;\nfn f() { crate::helper(); let _ = crate::App; }\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("uses crate::helper (lib.rs: lib.rs is the crate's root"));
    }

    #[test]
    fn circles_of_two_and_three_files_are_caught() {
        let found = problems(&[
            ("lib.rs", "mod http;\n"),
            ("http/mod.rs", "mod a;\nmod b;\nmod c;\nmod d;\nmod e;\n"),
            ("http/a.rs", "use super::b::B;\npub struct A;\n"),
            ("http/b.rs", "pub struct B;\nfn f() { super::a::A; }\n"),
            ("http/c.rs", "use super::d::D;\npub struct C;\n"),
            ("http/d.rs", "use super::e::E;\npub struct D;\n"),
            ("http/e.rs", "use super::c::C;\npub struct E;\n"),
        ]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found
                .iter()
                .any(|p| p.contains("http/a.rs:1 uses super::b::B")
                    && p.contains("http/b.rs:2 uses super::a::A"))
        );
        assert!(found.iter().any(|p| p.contains("http/c.rs")
            && p.contains("http/d.rs")
            && p.contains("http/e.rs")));
    }

    #[test]
    fn test_modules_comments_and_strings_do_not_count() {
        let found = problems(&[
            ("lib.rs", LIB),
            ("http/mod.rs", "pub(crate) mod app;\n"),
            (
                "http/app.rs",
                "pub struct App;\n// crate::site::pages::render()\nconst S: &str = \"crate::site::pages\";\n#[cfg(test)]\nmod tests {\n    use crate::site::pages::render;\n    fn t() { crate::site::pages::render(); }\n}\n",
            ),
            ("site/mod.rs", "pub(crate) mod pages;\n"),
            ("site/pages.rs", "pub fn render() {}\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn route_literals_are_found_outside_tests() {
        let dir = tree(&[(
            "cache/mod.rs",
            "const A: &str = \"text/html\";\nfn f(p: &str) -> bool { p == \"/section/\" || p == \"/\" }\n#[cfg(test)]\nmod tests { const T: &str = \"/admin\"; }\n",
        )]);
        let found = route_literals(&dir.path().join("cache"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].ends_with(":2 names \"/section/\""));
        assert!(found[1].ends_with(":2 names \"/\""));
    }
}
