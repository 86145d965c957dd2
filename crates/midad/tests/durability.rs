//! Crashes and copies: a `kill -9` in the middle of an import leaves none or all of it, and
//! a backup taken while the site runs (and writes) restores to a consistent, identical site.

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
            "external_id": format!("{prefix}-{i}"),
        });
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

#[test]
fn kill_9_in_the_middle_of_an_import_leaves_none_of_it() {
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
    assert_eq!(
        count_articles(&site),
        0,
        "a killed import leaves nothing behind"
    );

    // The same import, run to the end, then holds all of it.
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_articles(&site), 12_000);
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

    for (backup, expected) in [(&backup1, &demo_export), (&backup2, &demo_export)] {
        let restored = Site::new();
        let out = restored.run(&["restore", backup.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            &export_text(&restored),
            expected,
            "restored from {}",
            backup.display()
        );
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
