//! A user request traced with `#[traced]`. Run it with `cargo run --example
//! quickstart`: with no collector configured, each trace is drawn as a tree in the
//! terminal. With `OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317` it is exported
//! over OTLP instead (to Jaeger, Tempo or a Collector).

use std::fmt;
use traced::traced;

#[derive(Debug)]
struct User {
    id: u64,
    name: String,
}

#[derive(Debug)]
enum UserError {
    NotFound(u64),
    EmptyName,
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(id) => write!(f, "user {id} not found"),
            Self::EmptyName => f.write_str("a user name cannot be empty"),
        }
    }
}

impl std::error::Error for UserError {}

/// The entry point of a request: a server span, parent of the two calls below.
/// `metrics`: every call is counted and timed too (the table at shutdown).
#[traced(kind = server, record_err, metrics, skip(user_id), attrs(user.id = user_id))]
fn process_user_request(user_id: u64, new_name: &str) -> Result<User, UserError> {
    let mut user = fetch_user(user_id)?;
    update_user(&mut user, new_name)?;
    Ok(user)
}

/// Records its argument `user_id`; an `Err` fails the span.
#[traced(record_err)]
fn fetch_user(user_id: u64) -> Result<User, UserError> {
    if user_id != 42 {
        return Err(UserError::NotFound(user_id));
    }
    let name = "Ada".to_owned();
    Ok(User { id: user_id, name })
}

/// `User` has no typed attribute value, so `user` is recorded through `Debug`.
#[traced(record_err)]
fn update_user(user: &mut User, name: &str) -> Result<(), UserError> {
    if name.is_empty() {
        return Err(UserError::EmptyName);
    }
    name.clone_into(&mut user.name);
    Ok(())
}

fn main() {
    // The tracer provider, the exporter chosen by the OTEL_* variables, the W3C
    // propagators and the panic hook; named after this package.
    let tracing = traced_sdk::init!();

    // The first request succeeds; the second fails: user 7 does not exist.
    for user_id in [42, 7] {
        match process_user_request(user_id, "Ada Lovelace") {
            Ok(user) => println!("user {} is now {:?}", user.id, user.name),
            Err(error) => println!("request failed: {error}"),
        }
    }

    // Flushes and shuts down; the traces are drawn by now.
    drop(tracing);
}
