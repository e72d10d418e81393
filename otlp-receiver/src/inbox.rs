use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::Received;

/// The export requests received so far, shared by both servers and the
/// [`Receiver`](crate::Receiver) handle.
#[derive(Default)]
pub(crate) struct Inbox {
    requests: Mutex<Vec<Received>>,
    arrived: Condvar,
}

impl Inbox {
    pub(crate) fn record(&self, received: Received) {
        self.lock().push(received);
        self.arrived.notify_all();
    }

    pub(crate) fn requests(&self) -> Vec<Received> {
        self.lock().clone()
    }

    /// Blocks until `done` holds for the requests so far, or `timeout` passes.
    pub(crate) fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let (requests, _) = self
            .arrived
            .wait_timeout_while(self.lock(), timeout, |requests| !done(requests))
            .unwrap_or_else(PoisonError::into_inner);
        requests.clone()
    }

    // Nothing panics while holding the lock; were it to, the Vec would still
    // be whole, so poisoning must not turn a read into a panic.
    fn lock(&self) -> MutexGuard<'_, Vec<Received>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
