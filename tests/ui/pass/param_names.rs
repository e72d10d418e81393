//! Every kind of parameter name compiles without a warning and is recorded under
//! its name: `_`-prefixed, raw identifiers, names shadowed in the body, names that
//! look like the generated code's own, and `mut` ones.
#![deny(warnings)]

use futures_executor::block_on;
use traced::traced;

#[traced]
fn underscored(_unused: u32, used: u32) -> u32 {
    used
}

#[traced]
fn only_underscored(_unused: u32) -> u32 {
    1
}

#[traced]
async fn underscored_async(_unused: u32, used: u32) -> u32 {
    used
}

#[traced]
fn underscored_future(_unused: u32) -> impl std::future::Future<Output = u32> {
    async { 2 }
}

#[traced]
#[allow(unused_mut)]
fn underscored_mut(mut _unused: u32) -> u32 {
    3
}

#[traced]
fn raw_identifiers(r#type: &str, r#match: u32) -> usize {
    r#type.len() + r#match as usize
}

#[traced]
async fn raw_identifiers_async(r#type: &str) -> usize {
    r#type.len()
}

#[traced]
fn shadowed(n: u32, name: &str) -> String {
    let n = n + 1;
    let name = format!("{name}{n}");
    name
}

#[traced]
async fn shadowed_async(n: u32) -> u32 {
    let n = n * 2;
    n
}

#[traced]
fn like_generated(__traced_span: u32, __traced_out: u32, __traced_attrs: u32) -> u32 {
    __traced_span + __traced_out + __traced_attrs
}

#[traced]
fn like_generated_async_names(__traced_body: u32, __traced_value: u32) -> u32 {
    __traced_body + __traced_value
}

#[traced]
fn same_name_as_function(same_name_as_function: u32) -> u32 {
    same_name_as_function
}

#[traced]
fn wildcard(_: u32, kept: u32) -> u32 {
    kept
}

fn main() {
    let capture = traced_sdk::testing::capture();
    assert_eq!(underscored(1, 2), 2);
    assert_eq!(only_underscored(1), 1);
    assert_eq!(underscored_mut(1), 3);
    assert_eq!(raw_identifiers("ab", 1), 3);
    assert_eq!(shadowed(1, "a"), "a2");
    assert_eq!(like_generated(1, 2, 3), 6);
    assert_eq!(like_generated_async_names(1, 2), 3);
    assert_eq!(same_name_as_function(4), 4);
    assert_eq!(wildcard(1, 2), 2);
    block_on(async {
        assert_eq!(underscored_async(1, 2).await, 2);
        assert_eq!(underscored_future(1).await, 2);
        assert_eq!(raw_identifiers_async("abc").await, 3);
        assert_eq!(shadowed_async(2).await, 4);
    });
    let spans = capture.finish();
    let attr = |span: &str, key: &str| spans.named(span).attr(key).cloned();
    assert_eq!(attr("underscored", "_unused"), Some(1_i64.into()));
    assert_eq!(attr("underscored_async", "_unused"), Some(1_i64.into()));
    assert_eq!(attr("underscored_future", "_unused"), Some(1_i64.into()));
    assert_eq!(attr("underscored_mut", "_unused"), Some(1_i64.into()));
    assert_eq!(attr("raw_identifiers", "type"), Some("ab".into()));
    assert_eq!(attr("raw_identifiers", "match"), Some(1_i64.into()));
    assert_eq!(attr("raw_identifiers_async", "type"), Some("abc".into()));
    // The argument as it was passed, not as the body shadowed it.
    assert_eq!(attr("shadowed", "n"), Some(1_i64.into()));
    assert_eq!(attr("shadowed_async", "n"), Some(2_i64.into()));
    assert_eq!(attr("like_generated", "__traced_out"), Some(2_i64.into()));
    assert_eq!(attr("same_name_as_function", "same_name_as_function"), Some(4_i64.into()));
    assert_eq!(spans.named("wildcard").attr_keys().iter().filter(|k| !k.starts_with("code.")).count(), 1);
}
