//! Running a Node script of `tests/browser` (Playwright driving Debian's headless Chromium)
//! against a running Midad: what both browser tests share.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/browser` in the workspace.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/browser")
        .canonicalize()
        .expect("tests/browser")
}

/// Where screenshots go: beside the other test artifacts of the target folder.
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// What is missing to run the browser checks, each with the command that installs it.
fn missing_tools(scripts: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(node, Ok(s) if s.success()) {
        missing.push(
            "Node.js (`node` on PATH, version 20 or later): apt-get install -y nodejs npm".into(),
        );
    }
    if !scripts
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push(format!(
            "the script's packages in {}/node_modules: run `npm ci --prefix tests/browser` \
             from the workspace root (it downloads no browser)",
            scripts.display()
        ));
    }
    if !Path::new(CHROMIUM).is_file() {
        missing.push(format!(
            "Chromium at {CHROMIUM}: run `apt-get install -y chromium chromium-driver` as root"
        ));
    }
    missing
}

/// Fails, saying what to install, when the browser tools are missing: a browser test never
/// passes by skipping.
pub fn require_tools() {
    let missing = missing_tools(&scripts_dir());
    assert!(
        missing.is_empty(),
        "the browser test cannot run; install what is missing (.ci/run does both):\n  - {}",
        missing.join("\n  - ")
    );
}

/// Runs `node tests/browser/{script} args…`, prints what it printed, and fails with its
/// output when it fails or runs past `limit`.
pub fn run_script(script: &str, args: &[&str], limit: Duration) {
    let scripts = scripts_dir();
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(scripts.join(script))
        .args(args)
        .current_dir(&scripts)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .env_remove("MIDAD_XSS_ONLY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start node tests/browser/{script}: {e}"));
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let out_reader = read_all(Box::new(child.stdout.take().expect("stdout")));
    let err_reader = read_all(Box::new(child.stderr.take().expect("stderr")));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    println!("{out}");
    println!(
        "tests/browser/{script} took {} s",
        started.elapsed().as_secs()
    );
    if !err.trim().is_empty() {
        eprintln!("{err}");
    }
    match status {
        None => panic!(
            "tests/browser/{script} did not finish within {} s\n{out}\n{err}",
            limit.as_secs()
        ),
        Some(status) => assert!(
            status.success(),
            "tests/browser/{script} failed ({status}); screenshots in {}\n{out}\n{err}",
            artifacts_dir().display()
        ),
    }
}
