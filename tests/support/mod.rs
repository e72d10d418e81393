//! Shared by the export tests: the instrumented request they trace, and setup
//! from a list of variables instead of the process environment.

use std::collections::HashMap;
use traced::setup::TracingGuard;
use traced::traced;

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

/// Installs tracing configured by `vars` only.
pub fn install(vars: &[(&str, &str)]) -> TracingGuard {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    traced::setup!()
        .environment(move |name| vars.get(name).cloned())
        .install()
}
