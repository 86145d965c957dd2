//! Operations: migrate, check, backup, restore.

use crate::{Failure, Outcome, config::Config, open_store};
use std::path::Path;

pub async fn migrate(config: &Config) -> Outcome {
    // Opening applies pending migrations.
    let store = open_store(config).await?;
    println!("database {} is up to date", store.display_url());
    store.close().await;
    Ok(())
}

/// Says what is wrong, without fixing anything: exit 1 when something is.
pub async fn check(config: &Config) -> Outcome {
    let mut problems = Vec::new();
    println!("configuration: ok");
    let url = config.database_url();
    if url.starts_with("sqlite:") && !config.server.data_dir.is_dir() {
        problems.push(format!(
            "the data folder {} does not exist (midad serve creates it)",
            config.server.data_dir.display()
        ));
    }
    match midad_store::Store::connect(&url).await {
        Err(e) => problems.push(format!(
            "cannot connect to the database {}: {e}",
            midad_store::redact(&url)
        )),
        Ok(store) => {
            println!(
                "database: {} ({})",
                store.display_url(),
                store.backend().as_str()
            );
            match store.pending_migrations().await {
                Ok(pending) if pending.is_empty() => println!("migrations: up to date"),
                Ok(pending) => problems.push(format!(
                    "{} migrations are not applied yet ({}); run: midad migrate",
                    pending.len(),
                    pending.join(", ")
                )),
                Err(e) => problems.push(format!("cannot read the migrations: {e}")),
            }
            if problems.is_empty() {
                match store.integrity_check().await {
                    Ok(found) if found.is_empty() => println!("integrity: ok"),
                    Ok(found) => {
                        problems.extend(found.into_iter().map(|p| format!("integrity: {p}")))
                    }
                    Err(e) => problems.push(format!("integrity check failed: {e}")),
                }
                match store.all_media().await {
                    Ok(media) => {
                        let missing: Vec<_> = media
                            .iter()
                            .filter(|m| !config.media_dir().join(&m.path).is_file())
                            .map(|m| m.path.clone())
                            .collect();
                        if missing.is_empty() {
                            println!("media: {} files present", media.len());
                        } else {
                            problems.push(format!(
                                "{} media files are missing from {}: {}",
                                missing.len(),
                                config.media_dir().display(),
                                missing
                                    .iter()
                                    .take(5)
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                    }
                    Err(e) => problems.push(format!("cannot list media: {e}")),
                }
            }
            store.close().await;
        }
    }
    // The mail server answers (and takes the credentials), when one is set.
    match midad_mail::Transport::from_url(&config.mail.smtp_url) {
        Err(e) => problems.push(format!("mail.smtp_url: {e}")),
        Ok(midad_mail::Transport::Log) => {
            println!("mail: no SMTP server set (mail.smtp_url): messages go to the log")
        }
        Ok(transport) => match transport.check().await {
            Ok(()) => println!("mail: the SMTP server answers"),
            Err(e) => problems.push(format!("mail: {e}")),
        },
    }
    if problems.is_empty() {
        println!("everything looks right");
        Ok(())
    } else {
        Err(Failure::Refused(
            problems
                .into_iter()
                .map(|p| format!("problem: {p}"))
                .collect(),
        ))
    }
}

pub async fn backup(config: &Config, file: &Path) -> Outcome {
    // Only connect: a backup must not wait for a running import's write lock, and must not
    // change the schema of the site it copies.
    let url = config.database_url();
    let store = midad_store::Store::connect(&url).await.map_err(|e| {
        Failure::Failed(anyhow::anyhow!(
            "cannot open the database {}: {e}",
            midad_store::redact(&url)
        ))
    })?;
    let pending = store.pending_migrations().await?;
    if !pending.is_empty() {
        store.close().await;
        return Err(Failure::Refused(vec![format!(
            "the database is not migrated ({}); run midad migrate first",
            pending.join(", ")
        )]));
    }
    let result = midad_store::backup_to(&store, &config.media_dir(), file).await;
    store.close().await;
    let report = result.map_err(|e| match e {
        midad_store::StoreError::Io(io) if io.kind() == std::io::ErrorKind::AlreadyExists => {
            Failure::Refused(vec![io.to_string()])
        }
        other => Failure::Failed(other.into()),
    })?;
    println!(
        "backed up {} rows and {} media files to {}",
        report.rows,
        report.files,
        file.display()
    );
    Ok(())
}

pub async fn restore(config: &Config, file: &Path) -> Outcome {
    if !file.is_file() {
        return Err(Failure::Refused(vec![format!(
            "{}: no such backup file",
            file.display()
        )]));
    }
    let store = open_store(config).await?;
    let result = midad_store::restore_from(file, &store, &config.media_dir()).await;
    store.close().await;
    let report = result.map_err(|e| Failure::Refused(vec![format!("cannot restore: {e}")]))?;
    println!(
        "restored {} rows and {} media files from {}",
        report.rows,
        report.files,
        file.display()
    );
    Ok(())
}

/// Rebuilds the search index from the database, with a progress bar. Run it with the site
/// stopped, or let a running site rebuild by itself after deleting its index folder.
pub async fn reindex(config: &Config) -> Outcome {
    let store = open_store(config).await?;
    let dir = config.server.data_dir.join("search");
    let (index, _) = midad_search::SearchIndex::open(&dir).map_err(|e| {
        Failure::Failed(anyhow::anyhow!(
            "cannot open the search index {}: {e}",
            dir.display()
        ))
    })?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} articles indexed ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let n = midad_search::rebuild(&index, &store, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(|e| Failure::Failed(e.into()))?;
    bar.finish_and_clear();
    store.close().await;
    println!("search index rebuilt: {n} published articles");
    Ok(())
}
