//! `midad serve`: opens the store, loads the demo when asked, and serves until SIGTERM or
//! Ctrl-C, letting requests in flight finish.

use crate::{Failure, Outcome, config::Config, demo, open_store};
use axum::serve::ListenerExt;
use midad_search::SearchIndex;
use midad_web::{App, WebConfig};
use std::sync::Arc;

pub async fn run(config: &Config, with_demo: bool) -> Outcome {
    let store = open_store(config).await?;
    let media_dir = config.media_dir();
    std::fs::create_dir_all(&media_dir)?;
    if with_demo && demo::load_if_empty(&store, &media_dir).await? {
        tracing::info!("demo content loaded");
    }
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", config.server.listen)))?;
    let addr = listener.local_addr()?;
    // Each answer is written whole: Nagle's algorithm would only delay its last segment.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let web = WebConfig {
        base_url: config.base_url(addr),
        media_dir,
        theme_dir: config.server.theme_dir.clone(),
        site_overrides: config.site_overrides(),
        cache_bytes: config.server.cache_mb.saturating_mul(1024 * 1024),
        mail: config.mail_settings(),
        sitemap_urls: 0,
    };
    let (search, follower) = open_search(config, &store);
    let app = App::new(store.clone(), web, search).map_err(|e| Failure::Failed(e.into()))?;
    let mut background = app.spawn_background();
    // Stopped with the others before the store closes, so it does not log a closed pool.
    background.extend(follower);
    background.push(tokio::spawn(midad_store::run_scheduler(store.clone())));
    let sender = crate::newsletter::sender(config, &store, &app)?;
    background.push(tokio::spawn(sender.run(app.mail_wake.clone())));
    println!("Midad is serving {} on http://{addr}", store.display_url());
    match app.setup_link().await {
        Ok(Some(link)) => {
            println!("No owner account yet. Open this link once to create it: {link}")
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot tell whether an owner account exists"),
    }
    let app_for_router = app.clone();
    tracing::info!(%addr, backend = store.backend().as_str(), "listening");
    axum::serve(
        listener,
        midad_web::router(app_for_router)
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shutting down");
    // Aborted, then awaited: a task running on another thread stops before the store
    // closes under it.
    for task in &background {
        task.abort();
    }
    for task in background {
        let _ = task.await;
    }
    if let Err(e) = app.reads.flush(&store).await {
        tracing::warn!(error = %e, "read counts of the last seconds were not written");
    }
    store.close().await;
    Ok(())
}

/// Opens the search index and starts following the change log. A missing or corrupt index
/// is rebuilt in the background while the site serves; an index that cannot be opened at
/// all leaves the site up without search.
fn open_search(
    config: &Config,
    store: &midad_store::Store,
) -> (
    Option<Arc<SearchIndex>>,
    Option<tokio::task::JoinHandle<()>>,
) {
    let dir = config.server.data_dir.join("search");
    match SearchIndex::open(&dir) {
        Ok((index, needs_rebuild)) => {
            let index = Arc::new(index);
            if needs_rebuild {
                tracing::info!("building the search index in the background");
            }
            let follower = tokio::spawn(midad_search::follow(
                index.clone(),
                store.clone(),
                needs_rebuild,
            ));
            (Some(index), Some(follower))
        }
        Err(e) => {
            tracing::error!(error = %e, dir = %dir.display(), "search is unavailable");
            (None, None)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
