//! How the receiver answers export requests: at once, or as a collector in trouble
//! does, for tests of how an exporter rides out faults. It can be changed while the
//! receiver runs ([`Receiver::set_answer`](crate::Receiver::set_answer)).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How the receiver answers each export request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Answer {
    /// Takes the request and answers success at once.
    #[default]
    Accept,
    /// Refuses the request as an overloaded or restarting collector does: gRPC
    /// status `UNAVAILABLE`, HTTP `503 Service Unavailable`, with `Retry-After`
    /// (HTTP, in whole seconds) when given. Nothing is kept or counted.
    Unavailable {
        /// The delay the answer asks for, if any.
        retry_after: Option<Duration>,
    },
    /// Takes the request and answers success after this long.
    Slow(Duration),
    /// Never answers: the request waits until the client gives up.
    Hang,
}

/// The answer in force, shared by both servers.
#[derive(Debug, Default)]
pub(crate) struct Answering(Mutex<Answer>);

impl Answering {
    pub(crate) fn get(&self) -> Answer {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set(&self, answer: Answer) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = answer;
    }
}

/// Waits as the answer in force says, before a request is taken. `Err` with the
/// answer when it is refused.
pub(crate) async fn wait(answering: &Answering) -> Result<(), Answer> {
    match answering.get() {
        Answer::Accept => Ok(()),
        refused @ Answer::Unavailable { .. } => Err(refused),
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            Ok(())
        }
        Answer::Hang => std::future::pending().await,
    }
}
