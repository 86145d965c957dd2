//! A real SMTP server on loopback for the newsletter tests: `tests/smtp/sink.py` (aiosmtpd),
//! started per test, recording what it receives into a folder this module reads back.
//!
//! Needs `python3 -m pip install -r tests/smtp/requirements.txt`; see tests/smtp/README.md.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const PIP: &str = "python3 -m pip install -r tests/smtp/requirements.txt";
const POLL: Duration = Duration::from_millis(25);

/// The repository's root (this crate is `crates/midad`).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..").join("..");
    root.canonicalize().unwrap_or(root)
}

/// A running `tests/smtp/sink.py`, killed when dropped.
pub struct SmtpSink {
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// The folder it records into (the `--out` given to the sink).
    pub dir: PathBuf,
    child: Mutex<Child>,
    /// Held open: the sink exits when it closes, so it dies with the test process even when
    /// that process is killed before `Drop` runs.
    stdin: Option<ChildStdin>,
    /// Mails already read, by their file's number (the files never change once written).
    cache: Mutex<BTreeMap<u64, Mail>>,
}

/// One message as delivered to one recipient (a message sent to three recipients is three
/// `Mail`s).
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope recipient (`RCPT TO`).
    pub rcpt: String,
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// Decoded (RFC 2047); empty when the message has none.
    pub subject: String,
    /// The raw `Message-ID` header, angle brackets included; empty when the message has none.
    pub message_id: String,
    /// Every header in order, its value decoded (RFC 2047) and unfolded.
    pub headers: Vec<(String, String)>,
    /// The text/plain body decoded to a string (line ends as `\n`), if any.
    pub text: Option<String>,
    /// The text/html body decoded to a string (line ends as `\n`), if any.
    pub html: Option<String>,
    /// The whole message as received (CRLF line ends; invalid UTF-8 replaced).
    pub raw: String,
    /// The raw, unfolded `List-Unsubscribe` header, if any.
    pub list_unsubscribe: Option<String>,
    /// The raw, unfolded `List-Unsubscribe-Post` header, if any.
    pub list_unsubscribe_post: Option<String>,
    /// Every envelope recipient of the SMTP transaction this copy came in.
    pub envelope_rcpts: Vec<String>,
    /// When the sink received it, RFC 3339 UTC.
    pub received_at: String,
    /// Its number: arrival order across the sink's whole life in this folder.
    pub seq: u64,
}

/// One line of the sink's `log.jsonl`: one message accepted for one recipient. Written in
/// every mode, `--count-only` included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq: u64,
    pub rcpt: String,
    /// The raw `Message-ID` header, if the message had one.
    pub message_id: Option<String>,
    pub mail_from: String,
    pub received_at: String,
    pub size: u64,
}

/// One line of the sink's `rejected.jsonl`: a `RCPT TO` refused because of `--fail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub rcpt: String,
    pub code: u16,
    pub mail_from: String,
}

impl SmtpSink {
    /// Starts `python3 tests/smtp/sink.py --port 0 --out DIR ARGS…` (`DIR` is created if
    /// missing) and waits up to 30 s until it listens. `args` are further sink options, e.g.
    /// `["--fail", "bounce@example.com=550", "--count-only"]`. The interpreter is
    /// `$MIDAD_TEST_PYTHON` if set, else `python3`.
    pub fn start(dir: &Path, args: &[&str]) -> SmtpSink {
        std::fs::create_dir_all(dir).expect("create the SMTP sink's folder");
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let root = repo_root();
        let script = root.join("tests").join("smtp").join("sink.py");
        let python = std::env::var("MIDAD_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let stderr_path = dir.join("sink.stderr");
        let stderr = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr_path)
            .expect("open the SMTP sink's stderr file");
        let mut child = match Command::new(&python)
            .current_dir(&root)
            .arg(&script)
            .arg("--port")
            .arg("0")
            .arg("--out")
            .arg(&dir)
            .arg("--exit-on-stdin-eof")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
        {
            Ok(child) => child,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                panic!("the SMTP sink needs `{python}` (Python 3) on PATH, with aiosmtpd: {PIP}")
            }
            Err(e) => panic!("spawn the SMTP sink ({python} {}): {e}", script.display()),
        };
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("the sink's stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Nothing more is expected; keep draining so the sink can never block on a pipe.
            for _ in lines {}
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => match line.strip_prefix("listening ") {
                    Some(addr) => break addr.trim().to_string(),
                    None => {
                        let _ = child.kill();
                        let _ = child.wait();
                        panic!(
                            "the SMTP sink printed {line:?} instead of `listening …`; stderr:\n{}",
                            read_lossy(&stderr_path)
                        );
                    }
                },
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(POLL),
            }
            if let Ok(Some(status)) = child.try_wait() {
                let err = read_lossy(&stderr_path);
                let hint = if status.code() == Some(3) || err.contains("aiosmtpd") {
                    format!("\naiosmtpd is missing: run `{PIP}` (from the repository root)")
                } else {
                    String::new()
                };
                panic!("the SMTP sink exited ({status}) before listening; stderr:\n{err}{hint}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the SMTP sink did not listen within 30 s; stderr:\n{}",
                    read_lossy(&stderr_path)
                );
            }
        };
        SmtpSink {
            addr,
            dir,
            child: Mutex::new(child),
            stdin,
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// `smtp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The port alone.
    pub fn port(&self) -> u16 {
        self.addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the sink's port")
    }

    /// Every message received so far (one per recipient), in arrival order. Empty under
    /// `--count-only`: use [`SmtpSink::deliveries`] there.
    pub fn messages(&self) -> Vec<Mail> {
        let mut numbered: Vec<(u64, PathBuf)> = std::fs::read_dir(&self.dir)
            .expect("read the SMTP sink's folder")
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let name = entry.file_name();
                let name = name.to_str()?;
                let digits = name.strip_suffix(".json")?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some((digits.parse().ok()?, entry.path()))
            })
            .collect();
        numbered.sort();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        numbered
            .into_iter()
            .map(|(n, path)| {
                cache
                    .entry(n)
                    .or_insert_with(|| {
                        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                            panic!("read {}: {e}", path.display());
                        });
                        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                            panic!("parse {}: {e}", path.display());
                        });
                        Mail::from_json(&value)
                    })
                    .clone()
            })
            .collect()
    }

    /// Polls until at least `n` messages arrived and returns them all; panics with what did
    /// arrive (and the sink's stderr) when `within` passes first, or if the sink dies.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.messages();
            if mails.len() >= n {
                return mails;
            }
            self.assert_alive();
            if Instant::now() > deadline {
                panic!(
                    "expected at least {n} messages at the SMTP sink within {within:?}, got {}:\n{}\n{}",
                    mails.len(),
                    summary(&mails),
                    self.stderr_note()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls until a message to `rcpt` (compared case-insensitively) arrived, and returns the
    /// first such one.
    pub fn wait_for_rcpt(&self, rcpt: &str, within: Duration) -> Mail {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.messages();
            if let Some(mail) = mails.iter().find(|m| m.rcpt.eq_ignore_ascii_case(rcpt)) {
                return mail.clone();
            }
            self.assert_alive();
            if Instant::now() > deadline {
                panic!(
                    "no message to {rcpt} at the SMTP sink within {within:?}; {} arrived:\n{}\n{}",
                    mails.len(),
                    summary(&mails),
                    self.stderr_note()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Every delivery so far, from `log.jsonl` (all modes), in arrival order. A last line cut
    /// off by a kill of the sink is skipped.
    pub fn deliveries(&self) -> Vec<Delivery> {
        read_jsonl(&self.dir.join("log.jsonl"))
            .iter()
            .map(|v| Delivery {
                seq: v["seq"].as_u64().unwrap_or(0),
                rcpt: str_of(&v["rcpt"]),
                message_id: v["message_id"].as_str().map(str::to_string),
                mail_from: str_of(&v["mail_from"]),
                received_at: str_of(&v["received_at"]),
                size: v["size"].as_u64().unwrap_or(0),
            })
            .collect()
    }

    /// Polls until at least `n` deliveries are in the log (the way to wait under
    /// `--count-only`), and returns them all.
    pub fn wait_for_deliveries(&self, n: usize, within: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + within;
        loop {
            let all = self.deliveries();
            if all.len() >= n {
                return all;
            }
            self.assert_alive();
            if Instant::now() > deadline {
                panic!(
                    "expected at least {n} deliveries at the SMTP sink within {within:?}, got {}\n{}",
                    all.len(),
                    self.stderr_note()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Recipient → how many copies it received (all modes; read from `log.jsonl`, so current
    /// up to the last 250 the sink sent).
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for d in self.deliveries() {
            *counts.entry(d.rcpt).or_insert(0) += 1;
        }
        counts
    }

    /// Message-ID → how many deliveries carried it (a message with no Message-ID counts under
    /// the empty string).
    pub fn message_id_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for d in self.deliveries() {
            *counts.entry(d.message_id.unwrap_or_default()).or_insert(0) += 1;
        }
        counts
    }

    /// Recipients that received more than one copy, with their counts.
    pub fn duplicates(&self) -> BTreeMap<String, usize> {
        self.counts().into_iter().filter(|(_, n)| *n > 1).collect()
    }

    /// The `RCPT TO`s refused because of `--fail`, in order.
    pub fn rejections(&self) -> Vec<Rejection> {
        read_jsonl(&self.dir.join("rejected.jsonl"))
            .iter()
            .map(|v| Rejection {
                rcpt: str_of(&v["rcpt"]),
                code: v["code"].as_u64().unwrap_or(0) as u16,
                mail_from: str_of(&v["mail_from"]),
            })
            .collect()
    }

    /// `counts.json` as the sink last wrote it (`--count-only` only: every 200 ms or so, and on
    /// SIGTERM). [`SmtpSink::counts`] is fresher; this is for checking the file itself.
    pub fn counts_file(&self) -> BTreeMap<String, usize> {
        let path = self.dir.join("counts.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
        value
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0) as usize))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What the sink wrote to stderr so far.
    pub fn stderr(&self) -> String {
        read_lossy(&self.dir.join("sink.stderr"))
    }

    /// SIGTERM, then wait up to 30 s: the sink writes its final `counts.json` and exits.
    pub fn stop(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the SMTP sink did not stop within 30 s of SIGTERM");
    }

    fn assert_alive(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the SMTP sink exited ({status}); stderr:\n{}",
                self.stderr()
            );
        }
    }

    fn stderr_note(&self) -> String {
        let err = self.stderr();
        if err.trim().is_empty() {
            String::new()
        } else {
            format!("sink stderr:\n{err}")
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Mail {
    fn from_json(v: &Value) -> Mail {
        let opt = |key: &str| v[key].as_str().map(str::to_string);
        Mail {
            rcpt: str_of(&v["rcpt"]),
            mail_from: str_of(&v["mail_from"]),
            subject: str_of(&v["subject"]),
            message_id: str_of(&v["message_id"]),
            headers: v["headers"]
                .as_array()
                .map(|hs| hs.iter().map(|h| (str_of(&h[0]), str_of(&h[1]))).collect())
                .unwrap_or_default(),
            text: opt("text"),
            html: opt("html"),
            raw: str_of(&v["raw"]),
            list_unsubscribe: opt("list_unsubscribe"),
            list_unsubscribe_post: opt("list_unsubscribe_post"),
            envelope_rcpts: v["envelope_rcpts"]
                .as_array()
                .map(|rs| rs.iter().map(str_of).collect())
                .unwrap_or_default(),
            received_at: str_of(&v["received_at"]),
            seq: v["seq"].as_u64().unwrap_or(0),
        }
    }

    /// The first header called `name` (case-insensitive), decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header called `name` (case-insensitive), decoded, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// How many headers are called `name` (case-insensitive).
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }

    /// The first URL starting with `prefix` in the text part, else in the HTML part (where
    /// `&amp;` is decoded), e.g. `link("http://127.0.0.1:8080/newsletter/confirm/")` → the
    /// whole confirmation URL. The URL ends at whitespace, a quote, `<`, `>` or a non-ASCII
    /// character; a trailing `.`, `,`, `;`, `:`, `!` or `?` (end of a sentence) is dropped.
    pub fn link(&self, prefix: &str) -> Option<String> {
        if let Some(url) = self.text.as_deref().and_then(|t| find_link(t, prefix)) {
            return Some(url);
        }
        let html = self.html.as_deref()?;
        find_link(html, prefix).map(|u| u.replace("&amp;", "&"))
    }

    /// Every distinct URL starting with `prefix` in the text and HTML parts, in order.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (body, is_html) in [(&self.text, false), (&self.html, true)] {
            let Some(body) = body.as_deref() else {
                continue;
            };
            let mut rest = body;
            while let Some(url) = find_link(rest, prefix) {
                let at = rest.find(&url).expect("found link") + url.len();
                let url = if is_html {
                    url.replace("&amp;", "&")
                } else {
                    url
                };
                if !out.contains(&url) {
                    out.push(url);
                }
                rest = &rest[at..];
            }
        }
        out
    }
}

fn find_link(body: &str, prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return None;
    }
    let start = body.find(prefix)?;
    let tail = &body[start..];
    let end = tail
        .char_indices()
        .find(|&(_, c)| {
            !c.is_ascii() || c.is_ascii_whitespace() || c.is_ascii_control() || "\"'<>`".contains(c)
        })
        .map(|(i, _)| i)
        .unwrap_or(tail.len());
    let mut url = &tail[..end];
    while url.len() > prefix.len() && url.ends_with(['.', ',', ';', ':', '!', '?']) {
        url = &url[..url.len() - 1];
    }
    // A `)` closing a parenthesis opened before the URL is not part of it.
    while url.len() > prefix.len()
        && url.ends_with(')')
        && url.matches(')').count() > url.matches('(').count()
    {
        url = &url[..url.len() - 1];
    }
    Some(url.to_string())
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn read_lossy(path: &Path) -> String {
    let mut raw = Vec::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_end(&mut raw);
    }
    String::from_utf8_lossy(&raw).into_owned()
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    let raw = match std::fs::read(path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == ErrorKind::NotFound => return Vec::new(),
        Err(e) => panic!("read {}: {e}", path.display()),
    };
    raw.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

fn summary(mails: &[Mail]) -> String {
    let mut out = String::new();
    for m in mails {
        out.push_str(&format!(
            "  #{} to {} from {}: {:?} {}\n",
            m.seq, m.rcpt, m.mail_from, m.subject, m.message_id
        ));
    }
    if out.is_empty() {
        out.push_str("  (nothing)\n");
    }
    out
}
