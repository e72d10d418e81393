//! Every option on every shape class: the same functions (one-line bodies, inner
//! attributes, closures returned, `_`-prefixed and raw names, futures returned)
//! compile without a warning under each set of options, and every call is traced.
#![deny(warnings)]

use futures_executor::block_on;

#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error")
    }
}

/// The shapes whose output every option accepts (`record_err` and `ret` too).
macro_rules! fallible {
    ($module:ident: $($options:tt)*) => {
        mod $module {
            use super::Error;
            use std::future::Future;
            use traced::traced;

            #[rustfmt::skip]
            #[traced($($options)*)]
            pub fn one_line(a: u32) -> Result<u32, Error> { Ok(a + 1) }

            #[traced($($options)*)]
            pub fn inner_attributes(a: u32) -> Result<u32, Error> {
                #![allow(unused_variables)]
                let unused = 1;
                Ok(a)
            }

            #[rustfmt::skip]
            #[traced($($options)*)]
            pub async fn one_line_async(a: u32) -> Result<u32, Error> { Ok(a * 2) }

            #[traced($($options)*)]
            pub fn names(_unused: u32, r#type: u32) -> Result<u32, Error> {
                Ok(r#type)
            }

            #[traced($($options)*)]
            pub async fn names_async(_unused: u32, r#type: u32) -> Result<u32, Error> {
                Ok(r#type)
            }

            #[traced($($options)*)]
            pub fn future(a: u32) -> impl Future<Output = Result<u32, Error>> {
                async move { Ok(a) }
            }

            pub fn run() -> usize {
                assert_eq!(one_line(1).unwrap(), 2);
                assert_eq!(inner_attributes(1).unwrap(), 1);
                assert_eq!(names(1, 2).unwrap(), 2);
                super::block_on(async {
                    assert_eq!(one_line_async(2).await.unwrap(), 4);
                    assert_eq!(names_async(1, 3).await.unwrap(), 3);
                    assert_eq!(future(5).await.unwrap(), 5);
                });
                6
            }
        }
    };
}

/// Shapes that return closures, for the options that do not read the output.
macro_rules! closures {
    ($module:ident: $($options:tt)*) => {
        mod $module {
            use traced::traced;

            #[traced($($options)*)]
            pub async fn closure(n: u32) -> impl Fn(u32) -> u32 {
                move |x| x.saturating_add(n)
            }

            #[traced($($options)*)]
            pub async fn boxed_closure(prefix: &str) -> Box<dyn Fn(&str) -> String + '_> {
                Box::new(move |s| format!("{prefix}{s}"))
            }

            #[traced($($options)*)]
            pub fn closure_sync(n: u32) -> impl Fn(u32) -> u32 {
                move |x| x.saturating_add(n)
            }

            pub fn run() -> usize {
                assert_eq!(closure_sync(1)(1), 2);
                super::block_on(async {
                    assert_eq!(closure(1).await(2), 3);
                    assert_eq!(boxed_closure("a").await("b"), "ab");
                });
                3
            }
        }
    };
}

fallible!(plain:);
fallible!(record_err: record_err);
fallible!(record_err_debug: record_err(Debug));
fallible!(ret: ret);
fallible!(record_err_ret: record_err, ret);
fallible!(skip_all: skip_all, record_err);
fallible!(kind_name: kind = client, name = "custom");
fallible!(parent: parent = opentelemetry::Context::current());
fallible!(root: root);
fallible!(links: links(opentelemetry::Context::current()));
fallible!(attrs: attrs(extra.key = 1, other = "two"));
fallible!(baggage: baggage(tenant.id));
closures!(closures_plain:);
closures!(closures_skip_all: skip_all);
closures!(closures_parent: parent = opentelemetry::Context::current());
closures!(closures_attrs: attrs(extra = 1), kind = server);
closures!(closures_links: links(opentelemetry::Context::current()), root);

fn main() {
    let capture = traced_sdk::testing::capture();
    let calls = [
        plain::run(),
        record_err::run(),
        record_err_debug::run(),
        ret::run(),
        record_err_ret::run(),
        skip_all::run(),
        kind_name::run(),
        parent::run(),
        root::run(),
        links::run(),
        attrs::run(),
        baggage::run(),
        closures_plain::run(),
        closures_skip_all::run(),
        closures_parent::run(),
        closures_attrs::run(),
        closures_links::run(),
    ];
    let spans = capture.finish();
    assert_eq!(spans.len(), calls.iter().sum::<usize>(), "{:?}", spans.names());
    assert_eq!(spans.all_named("custom").count(), 6);
    assert_eq!(spans.all_named("one_line").count(), 11);
}
