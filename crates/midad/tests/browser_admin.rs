//! The back office in a real browser: creates an owner with `midad user add
//! --password-stdin`, starts `midad serve --demo` and runs `tests/browser/admin.mjs`
//! (Playwright driving Debian's headless Chromium) against it. The script signs in through
//! the form, uploads a JPEG, writes an Arabic article, schedules it for the next minute and
//! watches it go live with its formatting, link, photo, source and tags; writes with the
//! block editor's toolbar and keyboard, pastes from Google Docs and Word, checks mixed-line
//! direction and autosave; then sends a corpus
//! of XSS payloads through every text field of the editor and the media library and checks
//! that none runs or lands as markup on the public and back-office pages. Screenshots go
//! next to those of `browser.rs`.
//!
//! Needs Node.js, `npm ci --prefix tests/browser` and `/usr/bin/chromium`
//! (`apt-get install -y chromium chromium-driver`); `.ci/run` installs them. Without them
//! this test fails, saying what to install: it never passes by skipping.

mod support;

use std::time::Duration;
use support::*;

/// The script waits up to a minute and a half for the scheduled article; the XSS corpus
/// takes a few minutes more on a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(600);
const OWNER_EMAIL: &str = "owner@example.org";
const OWNER_NAME: &str = "مالكة الموقع";
const OWNER_PASSWORD: &str = "browser-owner-passphrase";

#[test]
fn back_office_works_in_headless_chromium() {
    browser::require_tools();
    let artifacts = browser::artifacts_dir();
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
    let artifacts = artifacts.to_string_lossy().into_owned();
    browser::run_script(
        "admin.mjs",
        &[&base, &artifacts, OWNER_EMAIL, OWNER_PASSWORD],
        TIME_LIMIT,
    );
    server.stop();
}
