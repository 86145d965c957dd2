//! The file names inside `_wp_attachment_metadata`, which WordPress stores as a
//! PHP-serialized array. Only the little of PHP's format that this value uses is read;
//! anything else (objects, references) makes the helper give up rather than guess.

/// The files WordPress made for one image upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentFiles {
    /// The attachment's file relative to the uploads folder (`2026/03/x.jpg`).
    pub file: String,
    /// The resized copies, by size name (`medium`, `thumbnail`, …). The file names have
    /// no folder: they live beside `file`.
    pub sizes: Vec<(String, String)>,
    /// Since WordPress 5.3, the untouched upload when `file` is a `-scaled` copy.
    pub original_image: Option<String>,
}

impl AttachmentFiles {
    /// The folder of `file` with a trailing slash (`2026/03/`), or empty.
    pub fn folder(&self) -> &str {
        self.file
            .rfind('/')
            .map_or("", |slash| &self.file[..=slash])
    }

    /// Every file of the upload relative to the uploads folder: the main file, the
    /// original if there is one, then the sizes.
    pub fn paths(&self) -> Vec<String> {
        let folder = self.folder();
        let mut paths = vec![self.file.clone()];
        paths.extend(
            self.original_image
                .iter()
                .map(|name| format!("{folder}{name}")),
        );
        paths.extend(self.sizes.iter().map(|(_, name)| format!("{folder}{name}")));
        paths
    }
}

/// Reads `file`, `original_image` and the `sizes` file names from the value of
/// `_wp_attachment_metadata`. `None` if the value is not a PHP-serialized array with a
/// `file` (for example when an export was re-encoded and the byte lengths no longer fit).
pub fn attachment_files(meta_value: &str) -> Option<AttachmentFiles> {
    let mut parser = Parser {
        input: meta_value.as_bytes(),
        pos: 0,
    };
    let Value::Array(entries) = parser.value(0)? else {
        return None;
    };
    let mut files = AttachmentFiles::default();
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("file", Value::Text(file)) => files.file = file,
            ("original_image", Value::Text(name)) => files.original_image = Some(name),
            ("sizes", Value::Array(sizes)) => files.sizes = size_files(sizes),
            _ => {}
        }
    }
    (!files.file.is_empty()).then_some(files)
}

fn size_files(sizes: Vec<(String, Value)>) -> Vec<(String, String)> {
    sizes
        .into_iter()
        .filter_map(|(size, value)| {
            let Value::Array(fields) = value else {
                return None;
            };
            fields.into_iter().find_map(|(key, value)| match value {
                Value::Text(file) if key == "file" => Some((size.clone(), file)),
                _ => None,
            })
        })
        .collect()
}

enum Value {
    Text(String),
    Array(Vec<(String, Value)>),
    Other,
}

/// Arrays in attachment metadata nest three deep; ten is generous and keeps a crafted
/// value from exhausting the stack.
const MAX_NESTING: usize = 10;

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_NESTING {
            return None;
        }
        let kind = *self.input.get(self.pos)?;
        if kind == b'N' {
            self.expect(b"N;")?;
            return Some(Value::Other);
        }
        self.pos += 1;
        self.expect(b":")?;
        match kind {
            b's' => self.string().map(Value::Text),
            b'i' | b'd' | b'b' => {
                self.until(b';')?;
                Some(Value::Other)
            }
            b'a' => self.array(depth),
            _ => None,
        }
    }

    /// `s:LENGTH:"BYTES";` (after `s:`); LENGTH counts bytes, not characters.
    fn string(&mut self) -> Option<String> {
        let length: usize = self.until(b':')?.parse().ok()?;
        self.expect(b"\"")?;
        let end = self.pos.checked_add(length)?;
        let bytes = self.input.get(self.pos..end)?;
        self.pos = end;
        self.expect(b"\";")?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    /// `a:COUNT:{KEY;VALUE;…}` (after `a:`); keys are integers or strings.
    fn array(&mut self, depth: usize) -> Option<Value> {
        let count: usize = self.until(b':')?.parse().ok()?;
        self.expect(b"{")?;
        let mut entries = Vec::new();
        for _ in 0..count {
            let key = match self.value(depth + 1)? {
                Value::Text(key) => key,
                _ => String::new(),
            };
            let value = self.value(depth + 1)?;
            entries.push((key, value));
        }
        self.expect(b"}")?;
        Some(Value::Array(entries))
    }

    /// The text up to `end`, consuming `end` too.
    fn until(&mut self, end: u8) -> Option<&str> {
        let rest = self.input.get(self.pos..)?;
        let length = rest.iter().position(|&b| b == end)?;
        let text = std::str::from_utf8(&rest[..length]).ok()?;
        self.pos += length + 1;
        Some(text)
    }

    fn expect(&mut self, literal: &[u8]) -> Option<()> {
        let rest = self.input.get(self.pos..)?;
        rest.starts_with(literal).then(|| self.pos += literal.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = r#"a:6:{s:5:"width";i:800;s:6:"height";i:500;s:4:"file";s:22:"2025/01/inline-007.jpg";s:8:"filesize";i:21023;s:5:"sizes";a:2:{s:6:"medium";a:5:{s:4:"file";s:22:"inline-007-300x188.jpg";s:5:"width";i:300;s:6:"height";i:188;s:9:"mime-type";s:10:"image/jpeg";s:8:"filesize";i:7302;}s:9:"thumbnail";a:5:{s:4:"file";s:22:"inline-007-150x150.jpg";s:5:"width";i:150;s:6:"height";i:150;s:9:"mime-type";s:10:"image/jpeg";s:8:"filesize";i:3849;}}s:10:"image_meta";a:1:{s:8:"keywords";a:0:{}}}"#;

    #[test]
    fn reads_the_files_of_an_upload() {
        let files = attachment_files(META).unwrap();
        assert_eq!(files.file, "2025/01/inline-007.jpg");
        assert_eq!(
            files.sizes,
            vec![
                ("medium".into(), "inline-007-300x188.jpg".into()),
                ("thumbnail".into(), "inline-007-150x150.jpg".into()),
            ]
        );
        assert_eq!(
            files.paths(),
            vec![
                "2025/01/inline-007.jpg",
                "2025/01/inline-007-300x188.jpg",
                "2025/01/inline-007-150x150.jpg"
            ]
        );
    }

    #[test]
    fn counts_bytes_of_arabic_names() {
        let name = "2026/08/مؤتمر-صحفي.jpg";
        let meta = format!(r#"a:1:{{s:4:"file";s:{}:"{name}";}}"#, name.len());
        assert_eq!(attachment_files(&meta).unwrap().file, name);
    }

    #[test]
    fn gives_up_on_damaged_values() {
        assert_eq!(attachment_files(""), None);
        assert_eq!(attachment_files(r#"a:1:{s:4:"file";s:99:"short";}"#), None);
        assert_eq!(attachment_files(r#"O:8:"stdClass":0:{}"#), None);
        let deep = "a:1:{i:0;".repeat(50);
        assert_eq!(attachment_files(&deep), None);
    }
}
