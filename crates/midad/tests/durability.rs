//! Crashes and copies: a `kill -9` in the middle of an import leaves whole batches of it,
//! never half an article, and running it again completes it without a line twice; a backup
//! taken while the site runs (and writes) restores to a consistent, identical site.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::*;

/// Writes an import file of `n` articles, each with several paragraphs.
fn big_file(path: &Path, n: usize, prefix: &str) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let body: String = (0..6)
            .map(|p| format!("<p>الفقرة {p} من الخبر رقم {i}: نص تجريبي عن الاقتصاد والسياسة والرياضة في المنطقة.</p>"))
            .collect();
        let section = ["سياسة", "اقتصاد", "رياضة"][i % 3];
        let line = serde_json::json!({
            "title": format!("خبر تجريبي رقم {i} من {prefix}"),
            "section": section,
            "tags": [format!("وسم {}", i % 50)],
            "authors": [format!("كاتب {}", i % 7)],
            "source": "وكالات",
            "body_html": body,
            "published_at": "2024-11-16T09:30:00+03:00",
        });
        // One line in ten has no external id: only the recorded progress keeps a second
        // run from writing it twice.
        let mut line = line;
        if i % 10 != 0 {
            line["external_id"] = serde_json::json!(format!("{prefix}-{i}"));
        }
        writeln!(f, "{line}").unwrap();
    }
}

fn count_articles(site: &Site) -> usize {
    export_text(site).lines().count()
}

fn wal_size(site: &Site) -> u64 {
    std::fs::metadata(site.data_dir().join("midad.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// Waits until the import is writing its transaction (the WAL grows past 2 MB).
fn wait_for_writing(site: &Site, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while wal_size(site) < 2 * 1024 * 1024 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be interrupted; make the file larger"
        );
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Lines an import writes per transaction (`exchange::BATCH`).
const BATCH: usize = 500;

#[test]
fn kill_9_in_the_middle_of_an_import_leaves_whole_batches_and_a_rerun_completes_it() {
    let site = Site::new();
    assert!(site.run(&["migrate"]).status.success());
    let file = site.path("big.jsonl");
    big_file(&file, 12_000, "crash");
    let mut child = site
        .command(&["import", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_writing(&site, &mut child);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();

    let check = site.run(&["check"]);
    assert!(
        check.status.success(),
        "integrity after the crash: {}",
        stderr(&check)
    );
    let after_crash = count_articles(&site);
    assert!(after_crash < 12_000, "the import was interrupted");
    assert_eq!(after_crash % BATCH, 0, "whole batches only: {after_crash}");

    // The same import, run again, carries on where it stopped and holds all of it once.
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    if after_crash > 0 {
        assert!(
            stderr(&out).contains(&format!("stopped after line {after_crash}")),
            "{}",
            stderr(&out)
        );
    }
    let export = export_text(&site);
    assert_eq!(export.lines().count(), 12_000);
    let titles: std::collections::HashSet<String> = export
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["title"].to_string())
        .collect();
    assert_eq!(titles.len(), 12_000, "no line was written twice");
    // A third run finds nothing to do.
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        count_articles(&site),
        12_000 + 1_200,
        "lines without an external id are new each time"
    );
}

#[test]
fn backup_of_a_running_site_restores_identically() {
    let site = Site::new();
    let server = site.serve(&["--demo"]);
    let demo_export = export_text(&site);
    assert!(!demo_export.is_empty());

    // A backup of the site as it runs.
    let backup1 = site.path("one.backup");
    let out = site.run(&["backup", backup1.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A backup taken while an import is half-way through its transaction.
    let file = site.path("more.jsonl");
    big_file(&file, 8_000, "more");
    let mut import = site
        .command(&["import", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_writing(&site, &mut import);
    let backup2 = site.path("two.backup");
    let out = site.run(&["backup", backup2.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = import.wait().unwrap();
    assert!(status.success(), "the import finished");
    let full_export = export_text(&site);
    server.stop();

    for (backup, whole) in [(&backup1, true), (&backup2, false)] {
        let restored = Site::new();
        let out = restored.run(&["restore", backup.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = export_text(&restored);
        if whole {
            assert_eq!(text, demo_export, "restored from {}", backup.display());
        } else {
            // Taken during the import: the demo site and whole batches of the import, each
            // item exactly as it was in the end.
            let lines: Vec<&str> = text.lines().collect();
            let demo_lines = demo_export.lines().count();
            assert!(lines.len() >= demo_lines);
            assert_eq!((lines.len() - demo_lines) % BATCH, 0, "{}", lines.len());
            let all: std::collections::HashSet<&str> = full_export.lines().collect();
            for line in &lines {
                assert!(all.contains(line), "{line}");
            }
        }
        let check = restored.run(&["check"]);
        assert!(check.status.success(), "{}", stderr(&check));
        // The restored site serves the same home page content.
        let s = restored.serve(&[]);
        assert_eq!(s.get("/").status, 200);
        s.stop();
    }
    assert_eq!(
        full_export.lines().count(),
        demo_export.lines().count() + 8_000
    );

    // A backup never overwrites a file.
    let out = site.run(&["backup", backup1.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"));
}
