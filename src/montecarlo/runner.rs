//! The seeded batch runner: independent jobs in parallel on rayon, results in index order,
//! with a progress bar on stderr for work that lasts more than about a second.
//!
//! Each job is one fixed unit of work (a bootstrap replicate, a chunk of stations) and
//! draws only from its own stream, so results never depend on the thread count.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{Rng, batch_rng};

static PROGRESS: AtomicBool = AtomicBool::new(true);

/// How long work runs before its bar appears: short jobs should not flicker a bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Turns progress bars on or off for the whole process (`--quiet` turns them off).
pub fn set_progress_enabled(enabled: bool) {
    PROGRESS.store(enabled, Ordering::Relaxed);
}

/// Whether progress bars may be drawn (they also need stderr to be a terminal).
pub fn progress_enabled() -> bool {
    PROGRESS.load(Ordering::Relaxed)
}

/// A progress bar over `len` steps that starts hidden and moves to stderr once the
/// work has lasted a second, if progress is enabled and stderr is a terminal.
pub struct Progress {
    bar: ProgressBar,
    may_show: bool,
    shown: AtomicBool,
}

impl Progress {
    /// A bar labelled `label` over `len` steps.
    pub fn new(len: u64, label: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        Progress {
            bar,
            may_show: progress_enabled() && std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
        }
    }

    /// One step done.
    pub fn inc(&self) {
        self.bar.inc(1);
        if self.may_show
            && !self.shown.load(Ordering::Relaxed)
            && self.bar.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Runs jobs `0..count` in parallel and returns their results in index order.
pub fn run_indexed<T, F>(count: usize, label: &str, job: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let progress = Progress::new(count as u64, label);
    let out = (0..count)
        .into_par_iter()
        .map(|i| {
            let v = job(i);
            progress.inc();
            v
        })
        .collect();
    progress.finish();
    out
}

/// Runs `count` seeded replicates in parallel: replicate `r` draws only from
/// `batch_rng(seed, stream, r)`. Results come back in replicate order.
pub fn run_replicates<T, F>(seed: u64, stream: &str, count: usize, label: &str, job: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &mut Rng) -> T + Sync,
{
    run_indexed(count, label, |r| {
        let mut rng = batch_rng(seed, stream, r as u64);
        job(r, &mut rng)
    })
}

/// Maps fixed-size chunks of `0..len` in parallel (chunk `c` covers
/// `c * chunk .. min((c + 1) * chunk, len)`), results in chunk order. Callers reduce
/// the returned vector in order, so sums do not depend on the thread count.
pub fn map_chunks<T, F>(len: usize, chunk: usize, job: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, std::ops::Range<usize>) -> T + Sync,
{
    let chunk = chunk.max(1);
    let chunks = len.div_ceil(chunk);
    (0..chunks)
        .into_par_iter()
        .map(|c| {
            let lo = c * chunk;
            job(c, lo..(lo + chunk).min(len))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt as _;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
    }

    #[test]
    fn replicates_do_not_depend_on_thread_count() {
        let run = || {
            run_replicates(7, "runner-test", 37, "test", |r, rng| {
                (r, (0..100).map(|_| rng.random::<f64>()).sum::<f64>())
            })
        };
        let one = pool(1).install(run);
        let two = pool(2).install(run);
        let four = pool(4).install(run);
        assert_eq!(one, two);
        assert_eq!(one, four);
        assert!(one.iter().enumerate().all(|(i, (r, _))| i == *r));
    }

    #[test]
    fn chunks_cover_the_range_in_order() {
        let parts = map_chunks(10, 4, |c, r| (c, r));
        assert_eq!(parts, vec![(0, 0..4), (1, 4..8), (2, 8..10)]);
        assert!(map_chunks(0, 4, |_, r| r).is_empty());
    }

    #[test]
    fn progress_can_be_switched_off() {
        set_progress_enabled(false);
        assert!(!progress_enabled());
        assert!(!Progress::new(3, "x").may_show);
        set_progress_enabled(true);
        assert!(progress_enabled());
    }
}
