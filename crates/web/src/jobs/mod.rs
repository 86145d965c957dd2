//! Background work of a serving node: the page cache's follower of the change log, the
//! writer of read counts, and the newsletter sender's site side with the daily digest's
//! clock (run by `midad_mail`'s sender on the node that leads it).

pub(crate) mod digest;
pub(crate) mod page_cache;
pub(crate) mod reads;

use crate::http::App;
use std::sync::Arc;

impl App {
    /// Starts what keeps the site current while it serves: the page-cache invalidator that
    /// follows the change log, and the writer of read counts.
    pub fn spawn_background(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        vec![
            tokio::spawn(page_cache::follow(self.clone())),
            tokio::spawn(reads::flush_loop(self.clone())),
        ]
    }
}
