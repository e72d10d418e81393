//! Every shape of asynchronous function compiles without a warning and is traced
//! over the whole async work.
#![deny(warnings)]

use futures_executor::block_on;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use traced::traced;

#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error")
    }
}

#[traced]
pub async fn plain(x: u8) -> u8 {
    x
}

#[traced(record_err, ret)]
async fn generic<T: Debug + Send>(t: T) -> Result<String, Error>
where
    T: Clone,
{
    Ok(format!("{:?}", t.clone()))
}

#[traced]
async fn lifetimes<'a>(a: &'a str, b: &str) -> &'a str {
    let _ = b;
    a
}

#[traced(record_err)]
async fn borrow_mut(v: &mut Vec<u32>) -> Result<&mut u32, Error> {
    v.last_mut().ok_or(Error)
}

#[traced(record_err)]
async fn question_mark(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[traced]
async fn early_return(n: i32) -> i32 {
    if n < 0 {
        return 0;
    }
    n
}

/// # Safety
/// Always safe; marked unsafe to check the shape.
#[traced]
async unsafe fn async_unsafe(p: *const u8) -> bool {
    p.is_null()
}

#[traced]
async fn returns_closure(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x + n
}

#[traced]
async fn impl_arg(items: impl IntoIterator<Item = u8> + Debug) -> u32 {
    items.into_iter().map(u32::from).sum()
}

#[traced]
async fn patterns((a, b): (u8, u8), _: bool) -> u8 {
    a + b
}

#[traced(record_err)]
fn impl_future(n: u32) -> impl Future<Output = Result<u32, Error>> + Send {
    async move { if n > 0 { Ok(n) } else { Err(Error) } }
}

#[traced]
fn boxed_future<'a>(s: &'a str) -> Pin<Box<dyn Future<Output = usize> + Send + 'a>> {
    Box::pin(async move { s.len() })
}

#[derive(Debug)]
pub struct Service {
    calls: u32,
}

impl Service {
    #[traced]
    async fn by_ref(&self) -> u32 {
        self.calls
    }

    #[traced]
    async fn by_mut(&mut self) -> &mut u32 {
        self.calls += 1;
        &mut self.calls
    }

    #[traced]
    async fn by_value(self) -> u32 {
        self.calls
    }

    #[traced]
    async fn pinned(self: Pin<&mut Self>) -> u32 {
        self.calls
    }
}

trait Store {
    #[traced]
    async fn get(&self, key: &str) -> Option<String> {
        Some(key.to_owned())
    }
}

impl Store for Service {}

#[async_trait::async_trait]
pub trait Remote {
    async fn call(&self, n: u32) -> Result<u32, Error>;
}

#[async_trait::async_trait]
impl Remote for Service {
    #[traced(record_err)]
    async fn call(&self, n: u32) -> Result<u32, Error> {
        Ok(self.calls + n)
    }
}

#[traced]
#[async_trait::async_trait]
impl Remote for u8 {
    async fn call(&self, n: u32) -> Result<u32, Error> {
        Ok(u32::from(*self) + n)
    }
}

#[traced(skip(config))]
async fn rebinds(mut count: u32, unused: u64, name: &str, config: String) -> usize {
    count += 1;
    let _ = config.len();
    name.len() + count as usize
}

fn require_send<F: Future + Send>(f: F) -> F {
    f
}

fn main() {
    let capture = traced_sdk::testing::capture();
    block_on(async {
        assert_eq!(require_send(plain(1)).await, 1);
        assert!(require_send(generic(1)).await.is_ok());
        assert_eq!(lifetimes("a", "b").await, "a");
        let mut v = vec![1];
        *borrow_mut(&mut v).await.unwrap() = 2;
        assert_eq!(v, [2]);
        assert!(question_mark("x").await.is_err());
        assert_eq!(early_return(-1).await, 0);
        assert!(unsafe { async_unsafe(std::ptr::null()) }.await);
        assert_eq!(returns_closure(1).await(1), 2);
        assert_eq!(impl_arg(vec![1, 2]).await, 3);
        assert_eq!(patterns((1, 2), true).await, 3);
        assert_eq!(require_send(rebinds(1, 2, "abc", String::new())).await, 5);
        assert!(impl_future(0).await.is_err());
        assert_eq!(boxed_future("abc").await, 3);
        let mut service = Service { calls: 0 };
        *service.by_mut().await += 1;
        assert_eq!(service.by_ref().await, 2);
        assert_eq!(Pin::new(&mut service).pinned().await, 2);
        assert_eq!(service.get("k").await.as_deref(), Some("k"));
        assert_eq!(require_send(service.call(1)).await.unwrap(), 3);
        assert_eq!(3_u8.call(1).await.unwrap(), 4);
        assert_eq!(service.by_value().await, 2);
    });
    let spans = capture.finish();
    for name in [
        "plain", "generic", "lifetimes", "borrow_mut", "question_mark", "early_return", "async_unsafe",
        "returns_closure", "impl_arg", "patterns", "rebinds", "impl_future", "boxed_future", "by_mut", "by_ref",
        "pinned", "get", "call", "u8::call", "by_value",
    ] {
        assert_eq!(spans.all_named(name).count(), 1, "span {name}: {:?}", spans.names());
    }
    assert!(spans.0.iter().all(|s| s.attr(traced::CANCELLED_KEY).is_none()));
}
