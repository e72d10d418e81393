//! Arguments and `attrs(...)` become attributes with their OpenTelemetry types.

use opentelemetry::{Array, Value};
use std::borrow::Cow;
use traced::traced;
use traced_sdk::testing::capture;

fn s(text: &str) -> Value {
    Value::String(text.to_owned().into())
}

#[traced]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
fn scalars(a: i8, b: u16, c: i32, d: u64, e: usize, f: f32, g: f64, h: bool, i: char) {
    let _ = (a, b, c, d, e, f, g, h, i);
}

#[test]
fn integers_floats_bools_and_chars_keep_their_types() {
    let capture = capture();
    scalars(-1, 2, -3, 4, 5, 1.5, 2.25, true, 'x');
    let spans = capture.finish();
    let span = spans.named("scalars");
    assert_eq!(span.attr("a"), Some(&Value::I64(-1)));
    assert_eq!(span.attr("b"), Some(&Value::I64(2)));
    assert_eq!(span.attr("c"), Some(&Value::I64(-3)));
    assert_eq!(span.attr("d"), Some(&Value::I64(4)));
    assert_eq!(span.attr("e"), Some(&Value::I64(5)));
    assert_eq!(span.attr("f"), Some(&Value::F64(1.5)));
    assert_eq!(span.attr("g"), Some(&Value::F64(2.25)));
    assert_eq!(span.attr("h"), Some(&Value::Bool(true)));
    assert_eq!(span.attr("i"), Some(&s("x")));
}

#[traced]
fn wide(big: u64, huge: u128, small: u128) {
    let _ = (big, huge, small);
}

#[test]
fn integers_beyond_i64_become_decimal_strings() {
    let capture = capture();
    wide(u64::MAX, u128::MAX, 12);
    let spans = capture.finish();
    let span = spans.named("wide");
    assert_eq!(span.attr("big"), Some(&s(&u64::MAX.to_string())));
    assert_eq!(span.attr("huge"), Some(&s(&u128::MAX.to_string())));
    assert_eq!(span.attr("small"), Some(&Value::I64(12)));
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn strings(borrowed: &str, owned: String, cow: Cow<'_, str>, nested: &&str) {
    let _ = (borrowed, owned, cow, nested);
}

#[test]
fn strings_and_references_to_them_are_strings() {
    let capture = capture();
    strings("a", "b".to_owned(), Cow::Borrowed("c"), &"d");
    let spans = capture.finish();
    let span = spans.named("strings");
    assert_eq!(span.attr("borrowed"), Some(&s("a")));
    assert_eq!(span.attr("owned"), Some(&s("b")));
    assert_eq!(span.attr("cow"), Some(&s("c")));
    assert_eq!(span.attr("nested"), Some(&s("d")));
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn options(some: Option<u32>, none: Option<&str>, nested: Option<Option<bool>>) {
    let _ = (some, none, nested);
}

#[test]
fn options_record_their_value_or_nothing() {
    let capture = capture();
    options(Some(3), None, Some(Some(true)));
    let spans = capture.finish();
    let span = spans.named("options");
    assert_eq!(span.attr("some"), Some(&Value::I64(3)));
    assert_eq!(span.attr("none"), None);
    assert_eq!(span.attr("nested"), Some(&Value::Bool(true)));
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn arrays(ints: &[i32], floats: [f64; 2], flags: Vec<bool>, names: &[&str], owned: Vec<String>) {
    let _ = (ints, floats, flags, names, owned);
}

#[test]
fn slices_arrays_and_vecs_become_typed_arrays() {
    let capture = capture();
    arrays(
        &[1, 2],
        [0.5, 1.5],
        vec![true, false],
        &["x", "y"],
        vec!["z".to_owned()],
    );
    let spans = capture.finish();
    let span = spans.named("arrays");
    assert_eq!(
        span.attr("ints"),
        Some(&Value::Array(Array::I64(vec![1, 2])))
    );
    assert_eq!(
        span.attr("floats"),
        Some(&Value::Array(Array::F64(vec![0.5, 1.5])))
    );
    assert_eq!(
        span.attr("flags"),
        Some(&Value::Array(Array::Bool(vec![true, false])))
    );
    assert_eq!(
        span.attr("names"),
        Some(&Value::Array(Array::String(vec!["x".into(), "y".into()])))
    );
    assert_eq!(
        span.attr("owned"),
        Some(&Value::Array(Array::String(vec!["z".into()])))
    );
}

#[derive(Debug)]
#[allow(dead_code)]
struct Order {
    id: u32,
    note: String,
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn debug_args(order: &Order, long: Vec<Order>) {
    let _ = (order, long);
}

#[test]
fn other_types_are_recorded_through_debug_and_bounded() {
    let capture = capture();
    let many: Vec<Order> = (0..100)
        .map(|id| Order {
            id,
            note: "n".repeat(10),
        })
        .collect();
    debug_args(
        &Order {
            id: 7,
            note: "rush".into(),
        },
        many,
    );
    let spans = capture.finish();
    let span = spans.named("debug_args");
    assert_eq!(
        span.attr("order"),
        Some(&s("Order { id: 7, note: \"rush\" }"))
    );
    let Some(Value::String(long)) = span.attr("long") else {
        panic!("long not recorded as a string")
    };
    assert!(long.as_str().ends_with('…'));
    assert!(long.as_str().len() <= traced::DEBUG_VALUE_MAX_LEN + '…'.len_utf8());
}

struct UserId(u64);

impl traced::ToValue for UserId {
    fn to_value(&self) -> Option<Value> {
        Some(Value::I64(i64::try_from(self.0).ok()? * 10))
    }
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn custom(user: UserId) {
    let _ = user.0;
}

#[test]
fn a_type_implementing_to_value_is_recorded_through_it() {
    let capture = capture();
    custom(UserId(4));
    assert_eq!(
        capture.finish().named("custom").attr("user"),
        Some(&Value::I64(40))
    );
}

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn destructured((a, b): (u32, u32), Point { x, y }: Point, [first, _]: [u8; 2], _: bool) {
    let _ = (a, b, x, y, first);
}

#[test]
fn destructured_parameters_record_their_bound_names() {
    let capture = capture();
    destructured((1, 2), Point { x: 3, y: 4 }, [5, 6], true);
    let spans = capture.finish();
    let span = spans.named("destructured");
    for (key, value) in [("a", 1), ("b", 2), ("x", 3), ("y", 4), ("first", 5)] {
        assert_eq!(span.attr(key), Some(&Value::I64(value)), "{key}");
    }
    assert_eq!(span.attr("_"), None);
}

#[traced(skip(password))]
fn login(user: &str, password: &str) -> bool {
    user.len() < password.len()
}

#[traced(skip_all)]
fn secret(token: &str, pin: u16) -> usize {
    token.len() + usize::from(pin)
}

#[test]
fn skip_and_skip_all_leave_arguments_out() {
    let capture = capture();
    login("ann", "hunter22");
    secret("t", 1);
    let spans = capture.finish();
    let login = spans.named("login");
    assert_eq!(login.attr("user"), Some(&s("ann")));
    assert_eq!(login.attr("password"), None);
    let secret = spans.named("secret");
    assert_eq!(secret.attr("token"), None);
    assert_eq!(secret.attr("pin"), None);
}

#[traced(skip(order), attrs(order.id = order.id, "order.note.len" = order.note.len(), r#type = "express", ready = true))]
fn ship(order: &Order) {
    let _ = order;
}

#[test]
fn attrs_are_evaluated_with_the_arguments_and_typed() {
    let capture = capture();
    ship(&Order {
        id: 9,
        note: "abc".into(),
    });
    let spans = capture.finish();
    let span = spans.named("ship");
    assert_eq!(span.attr("order.id"), Some(&Value::I64(9)));
    assert_eq!(span.attr("order.note.len"), Some(&Value::I64(3)));
    assert_eq!(span.attr("type"), Some(&s("express")));
    assert_eq!(span.attr("ready"), Some(&Value::Bool(true)));
    assert_eq!(span.attr("order"), None);
}

#[traced]
fn located() {}

#[test]
fn every_span_carries_code_attributes_and_the_crate_scope() {
    let capture = capture();
    located();
    let spans = capture.finish();
    let span = spans.named("located");
    assert_eq!(
        span.attr("code.function.name"),
        Some(&s("attributes::located"))
    );
    assert_eq!(span.attr("code.file.path"), Some(&s("tests/attributes.rs")));
    let line = include_str!("attributes.rs")
        .lines()
        .position(|l| l == "fn located() {}")
        .unwrap()
        + 1;
    let line = i64::try_from(line).unwrap();
    assert_eq!(span.attr("code.line.number"), Some(&Value::I64(line)));
    let scope = &span.data().instrumentation_scope;
    assert_eq!(scope.name(), env!("CARGO_PKG_NAME"));
    assert_eq!(scope.version(), Some(env!("CARGO_PKG_VERSION")));
}
