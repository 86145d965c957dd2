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

use std::time::Duration;
use support::*;

const TIME_LIMIT: Duration = Duration::from_secs(600);

#[test]
fn default_theme_works_in_headless_chromium() {
    browser::require_tools();
    let artifacts = browser::artifacts_dir();
    println!("browser screenshots: {}", artifacts.display());
    let site = Site::new();
    let server = site.serve(&["--demo"]);
    let base = format!("http://{}", server.addr);
    let artifacts = artifacts.to_string_lossy().into_owned();
    browser::run_script("run.mjs", &[&base, &artifacts], TIME_LIMIT);
    server.stop();
}
