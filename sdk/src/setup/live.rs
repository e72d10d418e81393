//! Which provider is installed while guards nest: the newest live guard's.
//!
//! Each `install` installs its provider and becomes the newest live guard. When
//! the newest guard drops, the newest one still alive gets its provider back, so
//! its spans go on being recorded and counted; when an older guard drops, the
//! installed provider stays. A provider installed by other means meanwhile (with
//! `traced::set_tracer_provider`) is replaced when a newer guard drops.

use crate::native::{self, Pipeline};
use opentelemetry::trace::noop::NoopTracerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use traced::backend::{Installed, SamplingRule};

/// What a guard installs: its provider, or (with `OTEL_SDK_DISABLED`) a no-op one.
pub(crate) enum Installs {
    Provider {
        provider: SdkTracerProvider,
        rule: SamplingRule,
        pipeline: Arc<Pipeline>,
        /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, which call sites apply as they
        /// record (traced's own bound when unset).
        value_length_limit: Option<usize>,
    },
    Nothing,
}

impl Installs {
    fn install(&self) -> Option<Installed> {
        match self {
            Installs::Provider {
                provider,
                rule,
                pipeline,
                value_length_limit,
            } => {
                traced::backend::set_value_length_limit(*value_length_limit);
                native::install(provider, Some(*rule), pipeline)
            }
            Installs::Nothing => {
                traced::backend::set_value_length_limit(None);
                traced::set_tracer_provider(NoopTracerProvider::new());
                None
            }
        }
    }
}

struct Live {
    id: u64,
    installs: Installs,
    installed: Option<Installed>,
}

/// The live guards, oldest first.
static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Installs `installs` for a new guard, and returns the guard's id.
pub(crate) fn enter(installs: Installs) -> u64 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    let installed = installs.install();
    live.push(Live {
        id,
        installs,
        installed,
    });
    id
}

/// The guard `id` is gone: if its provider was the one installed, the newest
/// live guard's is installed instead (or none, when no guard is left).
pub(crate) fn leave(id: u64) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(at) = live.iter().position(|l| l.id == id) else {
        return;
    };
    let newest = at + 1 == live.len();
    let left = live.remove(at);
    if !newest {
        return;
    }
    if let Some(installed) = left.installed {
        traced::backend::uninstall(installed);
    }
    match live.last_mut() {
        Some(older) => older.installed = older.installs.install(),
        None => traced::backend::set_value_length_limit(None),
    }
}
