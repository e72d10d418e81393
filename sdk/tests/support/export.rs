//! For the export tests: the instrumented request they trace, and setup from a
//! list of variables instead of the process environment.

use std::collections::HashMap;
use traced::traced;
use traced_sdk::TracingGuard;

#[derive(Debug)]
pub struct NotFound(pub u64);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

#[traced(kind = server, record_err)]
pub fn request(user_id: u64) -> Result<(), NotFound> {
    lookup(user_id)?;
    Ok(())
}

#[traced(record_err)]
pub fn lookup(user_id: u64) -> Result<(), NotFound> {
    Err(NotFound(user_id))
}

/// An environment holding `vars` only, for `Setup::environment`.
pub fn environment(
    vars: &[(&str, &str)],
) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

/// Installs tracing configured by `vars` only.
pub fn install(vars: &[(&str, &str)]) -> TracingGuard {
    traced_sdk::setup!()
        .environment(environment(vars))
        .install()
}
