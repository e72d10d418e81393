//! Every kind of return type compiles without a warning and is traced, sync and
//! async: closures, boxed closures over borrowed arguments, `impl Trait` with
//! lifetimes, tuples holding `impl Trait`, references, `Self`, and `!`.
#![deny(warnings)]

use futures_executor::block_on;
use std::fmt::Debug;
use std::future::Future;
use traced::traced;

#[traced]
fn closure(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x.saturating_add(n)
}

#[traced]
async fn closure_async(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x.saturating_add(n)
}

#[traced(skip_all)]
async fn closure_async_skip(n: u32) -> impl Fn(u32) -> u32 + Send {
    move |x| x.saturating_mul(n)
}

#[traced]
async fn closure_mut_async(mut total: u32) -> impl FnMut(u32) -> u32 {
    move |x| {
        total = total.saturating_add(x);
        total
    }
}

#[traced]
async fn closure_once_async(name: String) -> impl FnOnce(&str) -> String {
    move |suffix| name + suffix
}

#[traced]
fn boxed_closure(prefix: &str) -> Box<dyn Fn(&str) -> String + Send + Sync + '_> {
    Box::new(move |s| format!("{prefix}{s}"))
}

#[traced]
async fn boxed_closure_async(prefix: &str) -> Box<dyn Fn(&str) -> String + Send + Sync + '_> {
    Box::new(move |s| format!("{prefix}{s}"))
}

#[traced]
async fn boxed_closure_owned_async(prefix: String) -> Box<dyn Fn(&str) -> String + Send + Sync> {
    Box::new(move |s| format!("{prefix}{s}"))
}

#[traced]
async fn boxed_closure_early_return_async(prefix: String) -> Box<dyn Fn(&str) -> String> {
    if prefix.is_empty() {
        return Box::new(|s| s.to_owned());
    }
    Box::new(move |s| format!("{prefix}{s}"))
}

#[traced(record_err)]
async fn boxed_closure_result_async(prefix: &str) -> Result<Box<dyn Fn(&str) -> String + '_>, std::fmt::Error> {
    Ok(Box::new(move |s| format!("{prefix}{s}")))
}

#[traced]
fn impl_with_lifetime<'a>(words: &'a [String]) -> impl Iterator<Item = &'a str> + 'a {
    words.iter().map(String::as_str)
}

#[traced]
fn impl_elided(words: &[String]) -> impl Iterator<Item = &str> + '_ {
    words.iter().map(String::as_str)
}

#[traced]
async fn impl_with_lifetime_async<'a>(words: &'a [String]) -> impl Iterator<Item = &'a str> + 'a {
    words.iter().map(String::as_str)
}

#[traced]
fn impl_generic<T: Clone + Debug>(item: T, n: usize) -> impl Iterator<Item = T> {
    std::iter::repeat_n(item, n)
}

#[traced]
async fn impl_closure_generic<T: Clone + Debug + Send>(item: T) -> impl Fn(usize) -> Vec<T> {
    move |n: usize| vec![item.clone(); n]
}

#[traced]
fn tuple_with_impl(n: u32) -> (impl Fn(u32) -> u32, u32) {
    (move |x| x + n, n)
}

#[traced]
fn reference<'a>(a: &'a str, _b: &str) -> &'a str {
    a
}

#[traced]
fn slice_of(v: &mut [u8]) -> &mut [u8] {
    &mut v[1..]
}

#[traced]
fn nested_future(n: u8) -> impl Future<Output = impl Future<Output = u8>> {
    async move { async move { n } }
}

#[traced]
fn dyn_error(fail: bool) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if fail {
        return Err("failed".into());
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Builder {
    n: u32,
}

#[traced]
impl Builder {
    fn new() -> Self {
        Self { n: 0 }
    }

    fn add(mut self, n: u32) -> Self {
        self.n += n;
        self
    }

    async fn adder(&self) -> impl Fn(u32) -> u32 + '_ {
        move |x: u32| x + self.n
    }

    fn get(&self) -> &u32 {
        &self.n
    }
}

#[traced]
fn never_returns(code: i32) -> ! {
    std::process::exit(code)
}

#[traced]
async fn never_returns_async(code: i32) -> ! {
    std::process::exit(code)
}

fn main() {
    let capture = traced_sdk::testing::capture();
    assert_eq!(closure(1)(1), 2);
    assert_eq!(boxed_closure("a")("b"), "ab");
    let words = vec!["x".to_owned(), "y".to_owned()];
    assert_eq!(impl_with_lifetime(&words).count(), 2);
    assert_eq!(impl_elided(&words).count(), 2);
    assert_eq!(impl_generic('c', 2).count(), 2);
    assert_eq!(tuple_with_impl(2).0(1), 3);
    assert_eq!(reference("a", "b"), "a");
    let mut bytes = [1, 2, 3];
    slice_of(&mut bytes)[0] = 9;
    assert_eq!(bytes, [1, 9, 3]);
    assert!(dyn_error(true).is_err());
    let builder = Builder::new().add(2);
    assert_eq!(*builder.get(), 2);
    block_on(async {
        assert_eq!(closure_async(1).await(2), 3);
        assert_eq!(closure_async_skip(2).await(3), 6);
        let mut add = closure_mut_async(1).await;
        add(1);
        assert_eq!(add(1), 3);
        assert_eq!(closure_once_async("a".to_owned()).await("b"), "ab");
        assert_eq!(boxed_closure_async("a").await("b"), "ab");
        assert_eq!(boxed_closure_owned_async("a".to_owned()).await("b"), "ab");
        assert_eq!(boxed_closure_early_return_async(String::new()).await("b"), "b");
        assert_eq!(boxed_closure_result_async("a").await.unwrap()("c"), "ac");
        assert_eq!(impl_with_lifetime_async(&words).await.count(), 2);
        assert_eq!(impl_closure_generic(1_u8).await(2), [1, 1]);
        assert_eq!(nested_future(4).await.await, 4);
        assert_eq!(builder.adder().await(1), 3);
    });
    let spans = capture.finish();
    for name in [
        "closure", "closure_async", "closure_async_skip", "closure_mut_async", "closure_once_async", "boxed_closure", "boxed_closure_async", "boxed_closure_owned_async",
        "boxed_closure_early_return_async", "boxed_closure_result_async", "impl_with_lifetime",
        "impl_elided", "impl_with_lifetime_async", "impl_generic", "impl_closure_generic",
        "tuple_with_impl", "reference", "slice_of", "nested_future", "dyn_error", "Builder::new",
        "Builder::add", "Builder::adder", "Builder::get",
    ] {
        assert!(spans.all_named(name).count() >= 1, "no span {name}: {:?}", spans.names());
    }
    assert_eq!(spans.named("closure_async").attr("n"), Some(&1_i64.into()));
    if std::env::args().count() > 5 {
        never_returns(3);
    }
    if std::env::args().count() > 6 {
        block_on(never_returns_async(3));
    }
}
