//! Every option, alone and together, in a crate that forbids unsafe code and denies
//! warnings; and `crate = path` for code that re-exports the runtime.
#![forbid(unsafe_code)]
#![deny(warnings)]

use opentelemetry::trace::SpanContext;
use opentelemetry::Context;
use traced::traced;

mod telemetry {
    pub use ::traced as runtime;
}

#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error")
    }
}

#[traced(name = "custom name")]
fn name() {}

#[traced(kind = server)]
fn kind() {}

#[traced(attrs(user.id = id * 2, "http.route" = "/users/{id}", r#type = "x", ok = true))]
fn attrs(id: u64) {
    let _ = id;
}

#[traced(skip(password))]
fn skip(user: &str, password: &str) -> bool {
    user == password
}

#[traced(skip_all)]
fn skip_all(a: u8, b: u8) -> u8 {
    a + b
}

#[traced(record_err)]
fn record_err(fail: bool) -> Result<(), Error> {
    if fail { Err(Error) } else { Ok(()) }
}

#[traced(record_err(Debug))]
fn record_err_debug(fail: bool) -> Result<(), Error> {
    if fail { Err(Error) } else { Ok(()) }
}

#[traced(ret)]
fn ret() -> &'static str {
    "value"
}

#[traced(skip(cx), parent = cx)]
fn parent(cx: &Context) {
    let _ = cx;
}

#[traced(root)]
fn root() {}

#[traced(skip_all, links(a, b))]
fn links(a: &SpanContext, b: &SpanContext) {
    let _ = (a, b);
}

#[telemetry::runtime::traced(crate = telemetry::runtime, record_err)]
fn crate_path() -> Result<u8, Error> {
    Ok(1)
}

#[traced(
    name = "everything",
    kind = client,
    attrs(extra = 1),
    skip(secret),
    record_err(Debug),
    ret,
    parent = Context::current(),
    links(Context::current()),
)]
fn everything(n: u8, secret: &str) -> Result<u8, Error> {
    let _ = secret;
    Ok(n)
}

#[traced(root, kind = consumer, skip_all)]
async fn async_options(n: u8) -> u8 {
    n
}

fn main() {
    let capture = traced_sdk::testing::capture();
    name();
    kind();
    attrs(2);
    let _ = skip("a", "b");
    let _ = skip_all(1, 2);
    let _ = record_err(true);
    let _ = record_err_debug(true);
    let _ = ret();
    parent(&Context::current());
    root();
    links(&SpanContext::empty_context(), &SpanContext::empty_context());
    let _ = crate_path();
    let _ = everything(1, "s");
    let _ = futures_executor::block_on(async_options(1));
    let spans = capture.finish();
    assert_eq!(spans.len(), 14, "{:?}", spans.names());
    assert_eq!(spans.named("attrs").attr("user.id"), Some(&opentelemetry::Value::I64(4)));
}
