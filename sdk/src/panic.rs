//! The panic hook that lets spans ended by a panic carry its message.

use std::sync::Once;

/// Installs a panic hook that lets spans ended by a panic carry the panic's message
/// and location. `init!()` and `testing::capture()` install it.
///
/// Without it, a span that a panic unwinds through still gets status Error and an
/// `exception` event, with the message `panicked`. The hook keeps whatever hook was
/// installed before and calls it, so panics are reported exactly as they were.
/// Installing it more than once has no further effect. The hook itself never
/// panics, even for a panic caught in a thread-local destructor while the thread's
/// thread-locals are being destroyed: the message is then not kept.
///
/// ```
/// traced_sdk::install_panic_hook();
/// ```
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            traced::backend::remember_panic(info);
            previous(info);
        }));
    });
}
