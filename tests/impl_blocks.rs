//! `#[traced]` on an `impl` block, and on single methods.

use opentelemetry::Value;
use opentelemetry::trace::{SpanKind, Status};
use traced::traced;
use traced_sdk::testing::capture;

#[derive(Debug)]
struct Failed;
impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

type Fallible<T> = Result<T, Failed>;

struct Accounts {
    balance: i64,
}

#[traced(kind = server, record_err, skip(pin))]
impl Accounts {
    fn balance(&self) -> i64 {
        self.balance
    }

    fn withdraw(&mut self, amount: i64, pin: u16) -> Result<i64, Failed> {
        let _ = pin;
        if amount > self.balance {
            return Err(Failed);
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    /// Not named `Result`: an impl-wide `record_err` does not apply...
    fn aliased(&self) -> Fallible<()> {
        Err(Failed)
    }

    /// ...unless the method asks for it.
    #[traced(record_err, name = "explicit", kind = client)]
    fn aliased_explicit(&self) -> Fallible<()> {
        Err(Failed)
    }

    #[traced(off)]
    fn untraced(&self) -> i64 {
        self.balance
    }

    const fn limit() -> i64 {
        100
    }
}

#[test]
fn every_method_of_a_traced_impl_is_a_span_named_type_method() {
    let capture = capture();
    let mut accounts = Accounts { balance: 10 };
    accounts.balance();
    accounts.withdraw(4, 1234).unwrap();
    let spans = capture.finish();
    let balance = spans.named("Accounts::balance");
    assert_eq!(balance.kind(), &SpanKind::Server);
    assert_eq!(
        balance.attr("code.function.name"),
        Some(&Value::String("impl_blocks::Accounts::balance".into()))
    );
    let withdraw = spans.named("Accounts::withdraw");
    assert_eq!(withdraw.attr("amount"), Some(&Value::I64(4)));
    assert_eq!(withdraw.attr("pin"), None, "impl-wide skip applies");
}

#[test]
fn impl_wide_record_err_applies_to_methods_returning_result() {
    let capture = capture();
    let mut accounts = Accounts { balance: 1 };
    accounts.withdraw(5, 0).unwrap_err();
    accounts.aliased().unwrap_err();
    accounts.aliased_explicit().unwrap_err();
    let spans = capture.finish();
    assert_eq!(
        spans.named("Accounts::withdraw").status(),
        &Status::error("failed")
    );
    assert_eq!(spans.named("Accounts::aliased").status(), &Status::Unset);
    let explicit = spans.named("explicit");
    assert_eq!(explicit.status(), &Status::error("failed"));
    assert_eq!(
        explicit.kind(),
        &SpanKind::Client,
        "a method's own options win"
    );
}

#[test]
fn off_and_const_methods_are_left_alone() {
    let capture = capture();
    let accounts = Accounts { balance: 3 };
    assert_eq!(accounts.untraced(), 3);
    assert_eq!(Accounts::limit(), 100);
    assert!(capture.finish().is_empty());
}

trait Shape {
    fn area(&self) -> f64;

    #[traced]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

struct Square(f64);

#[traced]
impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

struct Plain;

impl Plain {
    #[traced(ret)]
    fn single(&self, n: u8) -> u8 {
        n
    }
}

#[test]
fn trait_impls_default_methods_and_single_methods_are_traced() {
    let capture = capture();
    assert_eq!(Square(2.0).describe(), "area 4");
    assert_eq!(Plain.single(3), 3);
    let spans = capture.finish();
    assert!(
        spans
            .named("Square::area")
            .is_child_of(spans.named("describe"))
    );
    assert_eq!(
        spans.named("single").attr("return.value"),
        Some(&Value::I64(3))
    );
}

struct Jobs;

#[traced(root, skip(token))]
impl Jobs {
    fn run(&self, token: &str, n: u8) -> u8 {
        let _ = token;
        n
    }

    #[traced(skip_all, parent = opentelemetry::Context::current())]
    fn nested(&self, token: &str, n: u8) -> u8 {
        let _ = token;
        n
    }
}

#[test]
fn a_method_own_options_win_over_impl_options_they_contradict() {
    let capture = capture();
    let guard = traced::span("outer").enter();
    Jobs.run("t", 1);
    Jobs.nested("t", 2);
    drop(guard);
    let spans = capture.finish();
    let outer = spans.named("outer");
    assert!(
        !spans.named("Jobs::run").is_child_of(outer),
        "impl-wide root"
    );
    let nested = spans.named("Jobs::nested");
    assert!(
        nested.is_child_of(outer),
        "the method's parent wins over the impl's root"
    );
    assert_eq!(nested.attr("n"), None, "the method's skip_all wins");
}
