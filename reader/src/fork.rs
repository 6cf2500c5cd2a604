//! Living with `fork()`.
//!
//! A child process inherits rayon's global thread pool as state but not as
//! threads, so work sent to it would never run. A process that forks (the
//! Python bindings under `multiprocessing`) calls [`mark_forked`] in the
//! child; from then on the reader does its own parallel work (readahead)
//! serially unless the caller runs it inside a thread pool of its own.

use std::sync::atomic::{AtomicBool, Ordering};

static FORKED: AtomicBool = AtomicBool::new(false);

/// Record that this process is a forked child: rayon's global pool is unusable.
pub fn mark_forked() {
    FORKED.store(true, Ordering::Relaxed);
}

/// Whether work may be handed to rayon's global pool.
pub(crate) fn global_pool_usable() -> bool {
    !FORKED.load(Ordering::Relaxed)
}
