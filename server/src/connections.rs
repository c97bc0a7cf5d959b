//! The connections the server holds at once: never more than a cap set below the
//! process's limit on open files, so that a crowd of clients (a hundred phones, or one
//! attacker opening connections and sending nothing) cannot leave the server unable to
//! accept, open its database or answer anyone.
//!
//! At the cap, a newcomer takes the place of the connection that has been idle longest
//! (waiting for a request head: a fresh connection, or a kept-alive one between
//! requests), once it has been idle for [`IDLE_BEFORE_DISPLACED`]: a phone's fresh
//! connection, its head on the way, is not cut off by the next newcomer. A connection
//! in the middle of a request is never displaced; when none can be, the newcomer waits
//! until one can or one finishes (and the clients behind it wait in the kernel's
//! queue), and the time limits on heads and bodies make sure one does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio::time::Instant;

/// Files kept free beside the connections: the database and its journal, reader
/// connections, the web app's files being sent, the questionnaire folder.
pub const FILES_KEPT_FREE: u64 = 64;

/// The cap when the process may open more files than the cap needs.
pub const DEFAULT_CAP: usize = 4096;

/// The least cap, however low the file limit.
const LEAST_CAP: usize = 8;

/// How long a connection must have waited for a request head before a newcomer may take
/// its place: a client that means to send one has sent it well within this.
pub const IDLE_BEFORE_DISPLACED: Duration = Duration::from_secs(1);

/// How often a newcomer waiting for a place looks again for a connection to displace.
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// The number of connections to hold at once: [`DEFAULT_CAP`], or fewer where the
/// process's file limit is lower (after raising the limit as far as the system allows).
pub fn cap_for_this_process() -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX)
        .ok()
        .or_else(|| rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft));
    cap_for_file_limit(limit)
}

/// The cap for a limit of `files` open files (`None`: unknown).
pub fn cap_for_file_limit(files: Option<u64>) -> usize {
    match files {
        Some(files) => {
            let room = files.saturating_sub(FILES_KEPT_FREE);
            usize::try_from(room).unwrap_or(usize::MAX).clamp(LEAST_CAP, DEFAULT_CAP)
        }
        None => DEFAULT_CAP,
    }
}

/// The connections held, each with what is known of it.
pub struct Connections {
    cap: usize,
    epoch: Instant,
    held: Mutex<HashMap<u64, Arc<Held>>>,
    next_id: AtomicU64,
    /// Told each time a connection is let go.
    freed: Notify,
}

/// One connection held.
pub struct Held {
    /// In the middle of a request: from its head until its answer is sent whole.
    busy: AtomicBool,
    /// When it last became idle, in milliseconds since [`Connections::epoch`].
    idle_since_ms: AtomicU64,
    /// Stops the task serving it.
    abort: Mutex<Option<AbortHandle>>,
}

/// A place among the held connections; the connection is let go when this is dropped.
pub struct Place {
    id: u64,
    held: Arc<Held>,
    connections: Arc<Connections>,
}

impl Connections {
    /// Room for `cap` connections at once.
    pub fn new(cap: usize) -> Arc<Connections> {
        Arc::new(Connections {
            cap: cap.max(1),
            epoch: Instant::now(),
            held: Mutex::default(),
            next_id: AtomicU64::new(0),
            freed: Notify::new(),
        })
    }

    /// How many connections may be held at once.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// How many are held now.
    pub fn count(&self) -> usize {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// A place for a newly accepted connection: at once while there is room; at the cap,
    /// once the connection idle longest has been let go for it, or once a busy one
    /// finishes.
    pub async fn place(self: &Arc<Self>) -> Place {
        loop {
            let freed = self.freed.notified();
            {
                let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
                if held.len() < self.cap {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let one = Arc::new(Held {
                        busy: AtomicBool::new(false),
                        idle_since_ms: AtomicU64::new(self.now_ms()),
                        abort: Mutex::new(None),
                    });
                    held.insert(id, Arc::clone(&one));
                    return Place { id, held: one, connections: Arc::clone(self) };
                }
                let now = self.now_ms();
                let long_enough = IDLE_BEFORE_DISPLACED.as_millis() as u64;
                if let Some(idle) = Self::idle_longest(&held).filter(|h| {
                    now.saturating_sub(h.idle_since_ms.load(Ordering::Relaxed)) >= long_enough
                }) {
                    // Its task ends and lets the place go; it may already be ending.
                    let abort = idle.abort.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some(abort) = abort.as_ref() {
                        abort.abort();
                    }
                }
            }
            let _ = tokio::time::timeout(LOOK_AGAIN, freed).await;
        }
    }

    /// The idle connection that has waited longest for a request head.
    fn idle_longest(held: &HashMap<u64, Arc<Held>>) -> Option<&Arc<Held>> {
        held.values()
            .filter(|h| !h.busy.load(Ordering::Acquire))
            .min_by_key(|h| h.idle_since_ms.load(Ordering::Relaxed))
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn let_go(&self, id: u64) {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        self.freed.notify_waiters();
    }
}

impl Place {
    /// Names the task serving the connection, so that it can be stopped when a newcomer
    /// needs the place while this connection is idle.
    pub fn serve_by(&self, task: AbortHandle) {
        *self.held.abort.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
    }

    /// Marks the connection busy until the returned guard is dropped (its answer sent
    /// whole, or given up).
    pub fn busy(&self) -> Busy {
        self.held.busy.store(true, Ordering::Release);
        Busy { held: Arc::clone(&self.held), connections: Arc::clone(&self.connections) }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.connections.let_go(self.id);
    }
}

/// A connection's request in progress; dropped, the connection is idle again.
pub struct Busy {
    held: Arc<Held>,
    connections: Arc<Connections>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.held.idle_since_ms.store(self.connections.now_ms(), Ordering::Relaxed);
        self.held.busy.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_cap_leaves_files_free_and_stays_within_bounds() {
        for (files, cap) in [
            (Some(256), 192),
            (Some(1024), 960),
            (Some(64), LEAST_CAP),
            (Some(0), LEAST_CAP),
            (Some(1_048_576), DEFAULT_CAP),
            (None, DEFAULT_CAP),
        ] {
            assert_eq!(cap_for_file_limit(files), cap, "{files:?}");
        }
    }

    /// A place held by a task until the task is stopped, the connection busy or idle.
    async fn placed(connections: &Arc<Connections>, busy: bool) -> tokio::task::JoinHandle<()> {
        let place = Arc::new(connections.place().await);
        let guard = busy.then(|| place.busy());
        let held = Arc::clone(&place);
        let task = tokio::spawn(async move {
            let _held = (held, guard);
            std::future::pending::<()>().await;
        });
        place.serve_by(task.abort_handle());
        task
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_cap_a_newcomer_displaces_the_connection_idle_longest() {
        let connections = Connections::new(3);
        let placed_at = Instant::now();
        let oldest = placed(&connections, false).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let busy = placed(&connections, true).await;
        let newer = placed(&connections, false).await;
        assert_eq!(connections.count(), 3);
        // None has been idle long enough yet: the newcomer waits.
        let early = tokio::time::timeout(Duration::from_millis(150), connections.place()).await;
        assert!(early.is_err(), "a connection idle under 1 s was displaced");
        assert!(!oldest.is_finished());
        let fourth = tokio::time::timeout(Duration::from_secs(5), connections.place())
            .await
            .expect("a newcomer waited although a connection was idle");
        let waited = placed_at.elapsed();
        assert!(waited <= IDLE_BEFORE_DISPLACED + LOOK_AGAIN * 2, "{waited:?}");
        assert!(oldest.await.unwrap_err().is_cancelled(), "the oldest idle one was let go");
        assert!(!busy.is_finished() && !newer.is_finished());
        assert_eq!(connections.count(), 3);
        drop(fourth);
        assert_eq!(connections.count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_connection_is_never_displaced_and_a_newcomer_waits_for_it() {
        let connections = Connections::new(2);
        let first = placed(&connections, true).await;
        let second = placed(&connections, true).await;
        let waiting = tokio::time::timeout(Duration::from_mins(1), connections.place()).await;
        assert!(waiting.is_err(), "a place was made while every connection was busy");
        assert!(!first.is_finished() && !second.is_finished());
        first.abort();
        let place = tokio::time::timeout(Duration::from_secs(5), connections.place())
            .await
            .expect("no place once a busy connection finished");
        assert!(!second.is_finished());
        drop(place);
    }
}
