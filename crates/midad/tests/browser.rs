//! The default theme in a real browser: starts `midad serve --demo` and runs
//! `tests/browser/run.mjs` (Playwright driving Debian's headless Chromium) against it. The
//! script checks the dark-mode toggle and its persistence without a flash, the site without
//! JavaScript, no horizontal scrolling at 360 px, no console errors or CSP violations, text
//! contrast, and saves screenshots.
//!
//! Needs Node.js, `npm ci --prefix tests/browser` and `/usr/bin/chromium`
//! (`apt-get install -y chromium chromium-driver`); `.ci/run` installs them. Without them
//! this test fails, saying what to install: it never passes by skipping.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const TIME_LIMIT: Duration = Duration::from_secs(600);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// What is missing to run the browser checks, each with the command that installs it.
fn missing_tools(browser_dir: &Path) -> Vec<String> {
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
    if !browser_dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push(format!(
            "the script's packages in {}/node_modules: run `npm ci --prefix tests/browser` \
             from the workspace root (it downloads no browser)",
            browser_dir.display()
        ));
    }
    if !Path::new(CHROMIUM).is_file() {
        missing.push(format!(
            "Chromium at {CHROMIUM}: run `apt-get install -y chromium chromium-driver` as root"
        ));
    }
    missing
}

#[test]
fn default_theme_works_in_headless_chromium() {
    let root = workspace_root();
    let browser_dir = root.join("tests/browser");
    let missing = missing_tools(&browser_dir);
    assert!(
        missing.is_empty(),
        "the browser test cannot run; install what is missing (.ci/run does both):\n  - {}",
        missing.join("\n  - ")
    );

    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts folder");
    println!("browser screenshots: {}", artifacts.display());

    let site = Site::new();
    let server = site.serve(&["--demo"]);
    let base = format!("http://{}", server.addr);

    let mut child = Command::new("node")
        .arg(browser_dir.join("run.mjs"))
        .arg(&base)
        .arg(&artifacts)
        .current_dir(&browser_dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node tests/browser/run.mjs");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    server.stop();

    println!("{out}");
    if !err.trim().is_empty() {
        eprintln!("{err}");
    }
    match status {
        None => panic!(
            "tests/browser/run.mjs did not finish within {} s\n{out}\n{err}",
            TIME_LIMIT.as_secs()
        ),
        Some(status) => assert!(
            status.success(),
            "tests/browser/run.mjs failed ({status}); screenshots in {}\n{out}\n{err}",
            artifacts.display()
        ),
    }
}
