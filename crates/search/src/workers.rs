//! The threads that run searches: one per core, taking searches in arrival order.
//!
//! A search is a few milliseconds of work on one core. With more searches running than
//! there are cores, the system shares the cores between all of them by slices, and each
//! takes as long as several; one descheduled half-way waits for the others' whole slices.
//! Run by one thread per core, in order, each search runs without interruption once
//! started, and the wait of the others is bounded by the work queued before them. A
//! search spike takes at most these cores' time: pages keep being served meanwhile.
//! (Letting callers take turns on their own threads does the same in principle, but each
//! turn then wakes a thread, which the system may put on a busy core while the other
//! idles.)

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct Workers {
    jobs: Mutex<Sender<Job>>,
}

impl Workers {
    pub fn new(threads: usize) -> Workers {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            // A thread that cannot be started leaves the others; with none, `run` says so.
            let _ = std::thread::Builder::new()
                .name(format!("search-{i}"))
                .spawn(move || work(&queue));
        }
        Workers {
            jobs: Mutex::new(jobs),
        }
    }

    /// One per core the process may use.
    pub fn per_core() -> Workers {
        Workers::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// Runs `f` on a worker when its turn comes, and waits for its result. A panic in `f`
    /// is raised again here, in the caller.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, result) = sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = done.send(catch_unwind(AssertUnwindSafe(f)));
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job);
        match sent.ok().and_then(|()| result.recv().ok()) {
            Some(Ok(value)) => value,
            Some(Err(panic)) => resume_unwind(panic),
            None => panic!("no search thread is running"),
        }
    }
}

/// A worker's life: the next search, until the index is dropped (the queue then closes).
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn no_more_run_at_once_than_there_are_workers() {
        let workers = Arc::new(Workers::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..8)
            .map(|i| {
                let (workers, running, most) = (workers.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    (0..50)
                        .map(|k| {
                            let (running, most) = (running.clone(), most.clone());
                            workers.run(move || {
                                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(now, Ordering::SeqCst);
                                std::thread::yield_now();
                                running.fetch_sub(1, Ordering::SeqCst);
                                i * 100 + k
                            })
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        for (i, c) in callers.into_iter().enumerate() {
            // Each caller got its own results back.
            assert_eq!(c.join().unwrap(), i * 100 * 50 + (0..50).sum::<usize>());
        }
        assert!(most.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn a_panicking_search_reaches_its_caller_and_the_workers_go_on() {
        let workers = Workers::new(1);
        let caught = catch_unwind(AssertUnwindSafe(|| workers.run(|| panic!("search failed"))));
        assert!(caught.is_err());
        assert_eq!(workers.run(|| 7), 7);
    }
}
