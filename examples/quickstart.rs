//! A user request traced with `#[traced]`; each finished span is printed on one line,
//! so no collector is needed. Run it with `cargo run --example quickstart`.

use opentelemetry::trace::SpanId;
use opentelemetry::{Context, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use std::fmt;
use std::time::Duration;
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
#[traced(kind = server, record_err, skip(user_id), attrs(user.id = user_id))]
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

/// Prints each finished span on one line: children end, and print, before parents.
// A later issue replaces this printing with a console tree view.
#[derive(Debug)]
struct PrintSpans;

impl SpanProcessor for PrintSpans {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        let duration = span
            .end_time
            .duration_since(span.start_time)
            .unwrap_or_default();
        let parent = if span.parent_span_id == SpanId::INVALID {
            "none".to_owned()
        } else {
            span.parent_span_id.to_string()
        };
        let attributes: Vec<String> = span
            .attributes
            .iter()
            .map(|kv| match &kv.value {
                Value::String(text) => format!("{}={:?}", kv.key, text.as_str()),
                other => format!("{}={other}", kv.key),
            })
            .collect();
        println!(
            "{} span={} parent={parent} duration={duration:?} status={:?} {}",
            span.name,
            span.span_context.span_id(),
            span.status,
            attributes.join(" "),
        );
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn main() {
    // Spans that a panic unwinds through then carry the panic's message.
    traced::install_panic_hook();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(PrintSpans)
        .build();
    traced::set_tracer_provider(provider.clone());

    // The first request succeeds; the second fails: user 7 does not exist.
    for user_id in [42, 7] {
        match process_user_request(user_id, "Ada Lovelace") {
            Ok(user) => println!("user {} is now {:?}\n", user.id, user.name),
            Err(error) => println!("request failed: {error}\n"),
        }
    }

    provider.shutdown().expect("the tracer provider shuts down");
}
