//! `midad newsletter`: the digest by hand, and where the newsletter stands.

use crate::{Failure, Outcome, config::Config, open_store};
use clap::Subcommand;
use midad_mail::queue::{Sender, SenderConfig};
use midad_mail::transport::Transport;
use midad_store::{Store, SubscriberStatus};
use midad_web::{App, DigestOutcome, SiteComposer, WebConfig};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum NewsletterCommand {
    /// Queue the daily digest now (what was published since the last one) and send it;
    /// with a site running, the site sends it.
    Digest {
        /// Now, rather than at the configured time (required: the scheduled digest is sent
        /// by `midad serve`).
        #[arg(long)]
        now: bool,
    },
    /// Subscribers by status, messages waiting, and the latest sends.
    Status,
    /// Add confirmed subscribers from a CSV file (`email[,digest][,alerts]` a line), such
    /// as an export of the service the newsroom leaves. Every refused line is printed;
    /// nothing is added unless all lines are good (or with --skip-bad).
    Import {
        file: std::path::PathBuf,
        /// Add the good lines even when some are refused.
        #[arg(long)]
        skip_bad: bool,
    },
}

/// The sender of a site: its SMTP transport, pace and concurrency from `[mail]`.
pub fn sender(
    config: &Config,
    store: &Store,
    app: &Arc<App>,
) -> Result<Sender<SiteComposer>, Failure> {
    let transport = Transport::from_url(&config.mail.smtp_url)
        .map_err(|e| Failure::Usage(format!("mail.smtp_url: {e}")))?;
    let dkim = dkim(config)?;
    if matches!(transport, Transport::Log) {
        tracing::warn!(
            "no mail server is set up (mail.smtp_url): messages are written to the log instead"
        );
    }
    Ok(Sender::new(
        store.clone(),
        transport,
        Arc::new(SiteComposer::new(app.clone())),
        SenderConfig {
            rate_per_second: config.mail.rate_per_second,
            concurrency: config.mail.concurrency.clamp(1, 256) as usize,
            dkim,
            ..Default::default()
        },
    ))
}

/// The DKIM signer `[mail]` describes, if it describes one.
fn dkim(config: &Config) -> Result<Option<midad_mail::Dkim>, Failure> {
    let m = &config.mail;
    let given = [&m.dkim_selector, &m.dkim_domain, &m.dkim_key_file]
        .iter()
        .filter(|v| !v.trim().is_empty())
        .count();
    match given {
        0 => Ok(None),
        3 => {
            let pem = std::fs::read_to_string(&m.dkim_key_file).map_err(|e| {
                Failure::Usage(format!("mail.dkim_key_file: cannot read {}: {e}", m.dkim_key_file))
            })?;
            midad_mail::Dkim::new(m.dkim_selector.trim(), m.dkim_domain.trim(), &pem)
                .map(Some)
                .map_err(|e| Failure::Usage(format!("mail.dkim_*: {e}")))
        }
        _ => Err(Failure::Usage(
            "mail.dkim_selector, mail.dkim_domain and mail.dkim_key_file go together: give all three or none".into(),
        )),
    }
}

fn app_for(config: &Config, store: &Store) -> Result<Arc<App>, Failure> {
    let bound: std::net::SocketAddr = config
        .server
        .listen
        .parse()
        .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 8080)));
    let web = WebConfig {
        base_url: config.base_url(bound),
        media_dir: config.media_dir(),
        theme_dir: config.server.theme_dir.clone(),
        site_overrides: config.site_overrides(),
        cache_bytes: 0,
        mail: config.mail_settings(),
        sitemap_urls: 0,
    };
    App::new(store.clone(), web, None).map_err(|e| Failure::Failed(e.into()))
}

pub async fn command(config: &Config, command: NewsletterCommand) -> Outcome {
    let store = open_store(config).await?;
    let result = match command {
        NewsletterCommand::Digest { now } => {
            if !now {
                Err(Failure::Usage(
                    "midad newsletter digest: say --now (the scheduled digest is sent by midad serve at site.digest_time)".into(),
                ))
            } else {
                digest_now(config, &store).await
            }
        }
        NewsletterCommand::Status => status(&store).await,
        NewsletterCommand::Import { file, skip_bad } => {
            import(config, &store, &file, skip_bad).await
        }
    };
    store.close().await;
    result
}

async fn digest_now(config: &Config, store: &Store) -> Outcome {
    let app = app_for(config, store)?;
    let started = std::time::Instant::now();
    let outcome = midad_web::queue_digest(&app, chrono::Utc::now())
        .await
        .map_err(|e| Failure::Failed(e.into()))?;
    let send_id = match outcome {
        DigestOutcome::NothingNew => {
            println!("nothing was published since the last digest: no digest sent");
            return Ok(());
        }
        DigestOutcome::NoAudience => {
            println!(
                "no confirmed subscriber of the digest (of these stories' sections): no digest sent"
            );
            return Ok(());
        }
        DigestOutcome::Queued { send_id, messages } => {
            println!(
                "digest {send_id} queued for {messages} subscribers in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            send_id
        }
    };
    // Deliver it here, unless a running site holds the sending.
    let mut sender = sender(config, store, &app)?;
    let sending = std::time::Instant::now();
    loop {
        let pass = sender.pass().await?;
        if !pass.leading {
            println!("the running site is sending it");
            return Ok(());
        }
        if pass.handled() == 0 {
            break;
        }
    }
    sender.release().await;
    let send = store.send(send_id).await?;
    if let Some(s) = send {
        let seconds = sending.elapsed().as_secs_f64();
        println!(
            "digest {send_id}: {} sent, {} waiting to be retried, {} failed, {} bounced, in {seconds:.1} s ({:.0} messages/s)",
            s.sent,
            s.queued,
            s.failed,
            s.bounced,
            s.sent as f64 / seconds.max(0.001)
        );
    }
    Ok(())
}

async fn status(store: &Store) -> Outcome {
    let counts = store.subscriber_counts().await?;
    let of = |s: SubscriberStatus| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    println!(
        "subscribers: {} confirmed, {} pending, {} unsubscribed, {} bouncing",
        of(SubscriberStatus::Confirmed),
        of(SubscriberStatus::Pending),
        of(SubscriberStatus::Unsubscribed),
        of(SubscriberStatus::Bouncing)
    );
    println!("messages waiting: {}", store.queue_backlog().await?);
    for s in store.sends(5).await? {
        println!(
            "{} {} #{} «{}»: {} sent, {} waiting, {} failed, {} bounced",
            s.created_at.format("%Y-%m-%d %H:%M UTC"),
            s.kind,
            s.id,
            s.subject,
            s.sent,
            s.queued,
            s.failed,
            s.bounced
        );
    }
    Ok(())
}

async fn import(config: &Config, store: &Store, file: &std::path::Path, skip_bad: bool) -> Outcome {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Failure::Refused(vec![format!(
            "{}: cannot read the file as UTF-8 text: {e}",
            file.display()
        )])
    })?;
    let parsed = midad_web::parse_subscribers(&text, &config.mail.blocked_domains);
    let refused: Vec<String> = parsed
        .refused
        .iter()
        .map(|(line, email, why, detail)| {
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            format!("{}:{line}: «{email}»: {why}{detail}", file.display())
        })
        .collect();
    if !refused.is_empty() && !skip_bad {
        let mut reasons = refused;
        reasons.push(format!(
            "{}: {} lines refused; nothing was imported (--skip-bad imports the others)",
            file.display(),
            reasons.len()
        ));
        return Err(Failure::Refused(reasons));
    }
    for r in &refused {
        eprintln!("skipped {r}");
    }
    let added = store
        .import_subscribers(
            &parsed.accepted,
            chrono::Utc::now(),
            midad_mail::token::random_nonce,
        )
        .await?;
    println!(
        "imported {}: {added} subscribers added, {} already known, {} lines skipped",
        file.display(),
        parsed.accepted.len() - added,
        refused.len()
    );
    Ok(())
}
