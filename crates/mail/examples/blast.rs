//! How many messages per second `Transport::send` delivers to an SMTP server, with K sends
//! in flight at once: `blast SMTP_URL [MESSAGES [TASKS [BYTES]]]`.
//!
//! Point it at the test sink (`python3 tests/smtp/sink.py --port 0 --out DIR --count-only`)
//! and build it with `--release`; the figures are for comparing transports on one machine,
//! not a promise about any server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use midad_mail::{SendError, Transport};

const USAGE: &str = "usage: blast SMTP_URL [MESSAGES=5000 [TASKS=16 [BYTES=5000]]]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().ok_or(USAGE)?;
    let number = |i: usize, default: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse().map_err(|_| format!("{s:?}: {USAGE}"))
        })
    };
    let messages = number(1, 5000)?;
    let tasks = number(2, 16)?.max(1);
    let size = number(3, 5000)?;

    let transport = Transport::from_url(url)?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let transport = transport.clone();
        let next = Arc::clone(&next);
        senders.spawn(async move {
            let mut tally = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= messages {
                    return tally;
                }
                let to = format!("reader{i}@example.com");
                let sent = Instant::now();
                let result = transport
                    .send("news@alghad.example", &to, &message(i, &to, size))
                    .await;
                tally.count(result, sent.elapsed());
            }
        });
    }
    let mut tally = Tally::default();
    while let Some(task) = senders.join_next().await {
        tally.add(task?);
    }
    let elapsed = started.elapsed();
    println!(
        "{} messages of {size} bytes, {tasks} tasks: {} sent, {} transient, {} permanent \
         in {:.2} s = {:.0} messages/s; slowest send {} ms",
        messages,
        tally.sent,
        tally.transient,
        tally.permanent,
        elapsed.as_secs_f64(),
        tally.sent as f64 / elapsed.as_secs_f64(),
        tally.slowest.as_millis(),
    );
    if let Some(error) = tally.first_error {
        println!("first error: {error}");
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    sent: usize,
    transient: usize,
    permanent: usize,
    slowest: Duration,
    first_error: Option<SendError>,
}

impl Tally {
    fn count(&mut self, result: Result<(), SendError>, took: Duration) {
        self.slowest = self.slowest.max(took);
        match result {
            Ok(()) => self.sent += 1,
            Err(error) => {
                if error.is_permanent() {
                    self.permanent += 1;
                } else {
                    self.transient += 1;
                }
                self.first_error.get_or_insert(error);
            }
        }
    }

    fn add(&mut self, other: Tally) {
        self.sent += other.sent;
        self.transient += other.transient;
        self.permanent += other.permanent;
        self.slowest = self.slowest.max(other.slowest);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// A plain-text message of about `size` bytes, its lines well under SMTP's 1,000.
fn message(i: usize, to: &str, size: usize) -> Vec<u8> {
    let mut text = format!(
        "From: news@alghad.example\r\nTo: {to}\r\nSubject: digest {i}\r\n\
         Message-ID: <blast-{i}@alghad.example>\r\n\r\n"
    );
    let line = "The quick brown fox jumps over the lazy dog, and the digest goes on.\r\n";
    while text.len() < size {
        text.push_str(line);
    }
    text.into_bytes()
}
