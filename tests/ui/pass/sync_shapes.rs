//! Every shape of synchronous function, with and without options, compiles without
//! a warning and is traced.
#![deny(warnings)]

use std::fmt::Debug;
use std::pin::Pin;
use traced::traced;

#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error")
    }
}

/// Docs and `#[must_use]` are kept.
#[must_use]
#[traced]
pub fn documented(x: u8) -> u8 {
    x
}

#[traced]
pub(crate) fn generic<T: Debug + Clone, const N: usize>(items: [T; N]) -> Option<T> {
    items.first().cloned()
}

#[traced(record_err)]
fn where_clause<T, U>(t: T, u: U) -> Result<String, Error>
where
    T: Debug,
    U: AsRef<str> + Debug,
{
    Ok(format!("{t:?}{}", u.as_ref()))
}

#[traced]
fn lifetimes<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() > b.len() { a } else { b }
}

#[traced]
fn impl_trait_arg(items: impl IntoIterator<Item = u32> + Debug) -> u32 {
    items.into_iter().sum()
}

#[traced(ret)]
fn impl_trait_return(n: u32) -> impl Iterator<Item = u32> + Debug {
    0..n
}

#[traced(skip(f))]
fn takes_closure(f: impl Fn(u32) -> u32) -> u32 {
    f(2)
}

#[traced]
#[allow(unused_mut)]
fn mut_params(mut a: u32, mut b: Vec<u8>) -> usize {
    a += 1;
    b.push(1);
    b.len() + a as usize
}

#[traced]
fn mutated(mut n: u32, unused: u64, owned: String) -> String {
    n += 1;
    format!("{owned}{n}")
}

#[traced(parent = parent, skip(parent))]
fn moved_with_parent(parent: &opentelemetry::Context, mut count: u32) -> u32 {
    let _ = parent;
    count += 1;
    count
}

#[traced]
fn patterns((a, b): (u8, u8), [c, ..]: [u8; 3], _: u8, Wrapper(d): Wrapper) -> u8 {
    a + b + c + d
}

#[derive(Debug)]
struct Wrapper(u8);

#[traced(record_err, ret)]
fn borrow_mut(v: &mut Vec<u32>) -> Result<&mut u32, Error> {
    v.last_mut().ok_or(Error)
}

#[traced]
fn borrow_mut_plain(v: &mut Vec<u32>) -> &mut u32 {
    v.push(0);
    v.last_mut().unwrap()
}

#[traced]
extern "C" fn extern_c(x: i32) -> i32 {
    x + 1
}

/// # Safety
/// Always safe; marked unsafe to check the shape.
#[traced(ret)]
unsafe fn unsafe_fn(p: *const u8) -> bool {
    p.is_null()
}

#[traced]
fn never(code: i32) -> ! {
    std::process::exit(code)
}

#[traced]
fn recursive(n: u64) -> u64 {
    if n < 2 { n } else { recursive(n - 1) + recursive(n - 2) }
}

#[traced]
#[track_caller]
fn caller() -> u32 {
    std::panic::Location::caller().line()
}

#[traced]
fn early_return(n: i32) -> i32 {
    if n < 0 {
        return 0;
    }
    fn nested_item() -> i32 {
        1
    }
    n + nested_item()
}

#[traced(record_err)]
fn question_mark(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[traced]
fn returns_closure(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x + n
}

#[derive(Debug)]
pub struct Counter {
    count: u32,
}

impl Counter {
    #[traced]
    fn by_value(self) -> u32 {
        self.count
    }

    #[traced]
    fn by_ref(&self) -> u32 {
        self.count
    }

    #[traced(record_err)]
    fn by_mut(&mut self) -> Result<&mut u32, Error> {
        self.count += 1;
        Ok(&mut self.count)
    }

    #[traced]
    fn boxed(self: Box<Self>) -> u32 {
        self.count
    }

    #[traced]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.count
    }

    #[traced]
    fn associated(count: u32) -> Self {
        Counter { count }
    }

    #[traced]
    fn generic_method<T: Into<u32> + Debug>(&mut self, n: T) {
        self.count += n.into();
    }
}

pub trait Describe {
    fn name(&self) -> String;

    #[traced]
    fn describe(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.name())
    }
}

impl Describe for Counter {
    #[traced]
    fn name(&self) -> String {
        format!("counter {}", self.count)
    }
}

#[traced(kind = server)]
impl Counter {
    fn in_traced_impl(&self, extra: u32) -> u32 {
        self.count + extra
    }

    pub const fn constant() -> u32 {
        1
    }
}

fn main() {
    let capture = traced_sdk::testing::capture();
    let _ = documented(1);
    assert_eq!(generic([1, 2]), Some(1));
    assert!(where_clause(1, "a").is_ok());
    assert_eq!(lifetimes("aa", "b"), "aa");
    assert_eq!(impl_trait_arg(vec![1, 2]), 3);
    assert_eq!(impl_trait_return(3).count(), 3);
    assert_eq!(takes_closure(|x| x * 2), 4);
    assert_eq!(mut_params(1, vec![]), 3);
    assert_eq!(patterns((1, 2), [3, 4, 5], 6, Wrapper(7)), 13);
    assert_eq!(mutated(1, 2, "n".to_owned()), "n2");
    assert_eq!(moved_with_parent(&opentelemetry::Context::new(), 1), 2);
    let mut v = vec![1];
    *borrow_mut(&mut v).unwrap() = 5;
    *borrow_mut_plain(&mut v) = 6;
    assert_eq!(v, [5, 6]);
    assert_eq!(extern_c(1), 2);
    assert!(unsafe { unsafe_fn(std::ptr::null()) });
    assert_eq!(recursive(5), 5);
    let line = line!() + 1;
    assert_eq!(caller(), line, "#[track_caller] still reports the caller");
    assert_eq!(early_return(-1), 0);
    assert_eq!(early_return(1), 2);
    assert!(question_mark("x").is_err());
    assert_eq!(returns_closure(1)(1), 2);
    let mut counter = Counter::associated(1);
    *counter.by_mut().unwrap() += 1;
    counter.generic_method(2_u8);
    assert_eq!(counter.by_ref(), 5);
    assert_eq!(Pin::new(&mut counter).pinned(), 5);
    assert_eq!(counter.describe("a "), "a counter 5");
    assert_eq!(counter.in_traced_impl(1), 6);
    assert_eq!(Counter::constant(), 1);
    assert_eq!(Box::new(Counter::associated(2)).boxed(), 2);
    assert_eq!(counter.by_value(), 5);
    let spans = capture.finish();
    for name in [
        "documented", "generic", "where_clause", "lifetimes", "impl_trait_arg", "impl_trait_return",
        "takes_closure", "mut_params", "mutated", "moved_with_parent", "patterns", "extern_c", "unsafe_fn", "caller", "question_mark",
        "returns_closure", "by_mut", "generic_method", "by_ref", "pinned", "describe", "name",
        "Counter::in_traced_impl", "boxed", "by_value",
    ] {
        assert!(spans.all_named(name).count() >= 1, "no span {name}: {:?}", spans.names());
    }
    assert_eq!(spans.all_named("recursive").count(), 15);
    assert!(spans.named("name").is_child_of(spans.named("describe")));
    if std::env::args().count() > 5 {
        never(3);
    }
}
