// The PostgreSQL half of the store suite runs only when TEST_POSTGRES_URL names a server;
// without it those tests are compiled as ignored, so `cargo test` says they were skipped.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    if std::env::var("TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
    // The migrations are embedded at compile time: a new or changed file rebuilds the crate.
    println!("cargo::rerun-if-changed=migrations");
}
