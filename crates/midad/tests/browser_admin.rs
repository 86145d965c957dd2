//! The back office in a real browser: creates an owner with `midad user add
//! --password-stdin`, starts `midad serve --demo` and runs `tests/browser/admin.mjs`
//! (Playwright driving Debian's headless Chromium) against it. The script signs in through
//! the form, uploads a JPEG, writes an Arabic article, schedules it for the next minute and
//! watches it go live with its formatting, link, photo, source and tags, then sends a corpus
//! of XSS payloads through every text field of the editor and the media library and checks
//! that none runs or lands as markup on the public and back-office pages. Screenshots go
//! next to those of `browser.rs`.
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
/// The script waits up to a minute and a half for the scheduled article; the XSS corpus
/// takes a few minutes more on a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(600);
const OWNER_EMAIL: &str = "owner@example.org";
const OWNER_NAME: &str = "مالكة الموقع";
const OWNER_PASSWORD: &str = "browser-owner-passphrase";

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
fn back_office_works_in_headless_chromium() {
    let root = workspace_root();
    let browser_dir = root.join("tests/browser");
    let missing = missing_tools(&browser_dir);
    assert!(
        missing.is_empty(),
        "the back-office browser test cannot run; install what is missing (.ci/run does both):\n  - {}",
        missing.join("\n  - ")
    );

    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts folder");
    println!("back-office screenshots: {}", artifacts.display());

    let site = Site::new();
    let added = site.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            OWNER_EMAIL,
            "--name",
            OWNER_NAME,
            "--role",
            "owner",
            "--password-stdin",
        ],
        &format!("{OWNER_PASSWORD}\n"),
    );
    assert!(
        added.status.success(),
        "midad user add failed: {}{}",
        stdout(&added),
        stderr(&added)
    );
    let server = site.serve(&["--demo"]);
    let base = format!("http://{}", server.addr);

    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(browser_dir.join("admin.mjs"))
        .arg(&base)
        .arg(&artifacts)
        .arg(OWNER_EMAIL)
        .arg(OWNER_PASSWORD)
        .current_dir(&browser_dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .env_remove("MIDAD_XSS_ONLY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node tests/browser/admin.mjs");
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out_pipe.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err_pipe.read_to_string(&mut text);
        text
    });
    let deadline = started + TIME_LIMIT;
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
    println!(
        "tests/browser/admin.mjs took {} s",
        started.elapsed().as_secs()
    );
    if !err.trim().is_empty() {
        eprintln!("{err}");
    }
    match status {
        None => panic!(
            "tests/browser/admin.mjs did not finish within {} s\n{out}\n{err}",
            TIME_LIMIT.as_secs()
        ),
        Some(status) => assert!(
            status.success(),
            "tests/browser/admin.mjs failed ({status}); screenshots in {}\n{out}\n{err}",
            artifacts.display()
        ),
    }
}
