//! Code generation: the instrumented body of one function, by shape. The parts
//! every shape shares are here: the call site's static, the expression that
//! starts the span, and what records the output.

mod async_fn;
mod future;
mod metrics;
mod sync;

use crate::attr::Options;
use crate::model::{Instrumented, Moved};
use crate::shape::Shape;
use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::{Ident, Path};

/// Names the generated code introduces: mixed-site hygiene keeps the user's code
/// from seeing them, and the prefix keeps them apart from anything else.
pub(super) struct Names {
    pub(super) krate: Path,
    pub(super) callsite: Ident,
    pub(super) span: Ident,
    pub(super) out: Ident,
    pub(super) attrs: Ident,
    pub(super) value: Ident,
    pub(super) metric: Ident,
    pub(super) timer: Ident,
    pub(super) measured: Ident,
}

impl Names {
    fn new(options: &Options) -> Self {
        let local = |name: &str| Ident::new(name, Span::mixed_site());
        Names {
            krate: options
                .krate
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(::traced)),
            callsite: format_ident!("__TRACED_CALLSITE", span = Span::mixed_site()),
            span: local("__traced_span"),
            out: local("__traced_out"),
            attrs: local("__traced_attrs"),
            value: local("__traced_value"),
            metric: format_ident!("__TRACED_METRIC", span = Span::mixed_site()),
            timer: local("__traced_timer"),
            measured: local("__traced_measured"),
        }
    }
}

/// The statements of the function's new body (its inner attributes go before
/// them). `owner` is the type of a `#[traced] impl` block.
pub fn body(item: &Instrumented, owner: Option<&str>) -> TokenStream {
    let names = Names::new(item.options);
    let callsite = callsite(item, owner, &names);
    let implicit;
    let measure = match &item.options.metrics {
        Some(measure) => measure,
        None if measured_everywhere(item) => {
            implicit = crate::attr::Metrics::implicit();
            &implicit
        }
        None => {
            return match item.facts.shape {
                Shape::Sync => sync::body(item, &names, &callsite),
                Shape::Async => async_fn::body(item, &names, &callsite),
                Shape::Future { boxed } => future::body(item, &names, &callsite, boxed, false),
            };
        }
    };
    let (function, name) = function_and_name(item, owner);
    let metric = metrics::static_item(measure, &names, &function, &name);
    let timer = &names.timer;
    let start = metrics::start(measure, &names);
    let body = match item.facts.shape {
        Shape::Sync => metrics::sync(item, &names, &sync::body(item, &names, &callsite)),
        Shape::Async => metrics::future(item, &names, &async_fn::body(item, &names, &callsite)),
        Shape::Future { boxed } => future::body(item, &names, &callsite, boxed, true),
    };
    quote! {
        #metric
        let #timer = #start;
        #body
    }
}

/// Whether a function without `metrics` is measured: with the
/// `metrics-everywhere` feature, every one but a `#[track_caller]` one (timing
/// would move its body into a closure).
fn measured_everywhere(item: &Instrumented) -> bool {
    cfg!(feature = "metrics-everywhere")
        && !item
            .f
            .attrs
            .iter()
            .any(|a| a.path().is_ident("track_caller"))
}

/// `code.function.name`'s tail (`::Type::method`) and the span name.
fn function_and_name(item: &Instrumented, owner: Option<&str>) -> (String, String) {
    let ident = item.f.sig.ident.unraw().to_string();
    let qualified = match owner {
        Some(owner) => format!("{owner}::{ident}"),
        None => ident,
    };
    let name = item
        .options
        .name
        .as_ref()
        .map_or_else(|| qualified.clone(), syn::LitStr::value);
    (format!("::{qualified}"), name)
}

/// The call site's static: what the runtime knows of this function.
fn callsite(item: &Instrumented, owner: Option<&str>, names: &Names) -> TokenStream {
    let Names {
        krate, callsite, ..
    } = names;
    let (f, options) = (item.f, item.options);
    let (function, name) = function_and_name(item, owner);
    let kind = Ident::new(item.kind.variant(), Span::call_site());
    let baggage = options.baggage.iter().map(|key| &key.text);
    let line = line_of(&f.sig.ident);
    quote! {
        static #callsite: #krate::__private::Callsite = #krate::__private::Callsite::new(#krate::__private::Meta {
            name: #name,
            kind: #krate::__private::SpanKind::#kind,
            function: ::core::concat!(::core::module_path!(), #function),
            file: ::core::file!(),
            line: #line,
            scope: ::core::env!("CARGO_PKG_NAME"),
            version: ::core::env!("CARGO_PKG_VERSION"),
            baggage: &[#(#baggage),*],
        });
    }
}

/// The line of the function's name, read from the compiler where it can tell.
fn line_of(ident: &Ident) -> TokenStream {
    let span = ident.span();
    if proc_macro::is_available() {
        let line = u32::try_from(span.unwrap().line()).unwrap_or(0);
        quote!(#line)
    } else {
        quote_spanned!(span=> ::core::line!())
    }
}

/// How the start expression is wrapped.
#[derive(Clone, Copy)]
pub(super) enum Form<'a> {
    /// A synchronous call's `CallGuard`, checked; with parameters moved through it.
    Sync(Option<&'a [Moved]>),
    /// The start alone, for a caller that checked the call site's `enabled()`: a
    /// `Span`, and the parameters moved through it.
    Raw(&'a [Moved]),
    /// A `Span`, checked.
    Checked,
}

/// The expression that starts this call's span (not yet current). With `moved`,
/// it also gives back those parameters.
pub(super) fn start(item: &Instrumented, names: &Names, form: Form<'_>) -> TokenStream {
    let options = item.options;
    let moved = match form {
        Form::Sync(moved) => moved,
        Form::Raw(moved) => Some(moved),
        Form::Checked => None,
    };
    let Names {
        krate,
        callsite,
        attrs,
        value,
        ..
    } = names;
    let mut adds = Vec::new();
    for name in &item.recorded {
        let key = name.unraw().to_string();
        // A moved parameter is a reference in the closure already.
        let value = if moved.is_some() {
            quote!(#name)
        } else {
            quote!(&#name)
        };
        adds.push(locate(
            quote!(#attrs.add(#key, (&#krate::__private::Wrap(#value)).traced_kind().value(#value));),
            name.span(),
        ));
    }
    for attr in &options.attrs {
        let (key, expr) = (&attr.key, &attr.value);
        let at = syn::spanned::Spanned::span(expr);
        // The expression keeps its own token locations, so that a fix rustc
        // suggests inside it lands where it belongs.
        let mut expr = Group::new(Delimiter::Parenthesis, expr.to_token_stream());
        expr.set_span(Span::call_site().located_at(at));
        adds.push(locate(quote!(let #value = &), at));
        adds.push(quote!(#expr;));
        adds.push(locate(
            quote!(#attrs.add(#key, (&#krate::__private::Wrap(#value)).traced_kind().attr_value(#value));),
            at,
        ));
    }
    let closure = if adds.is_empty() {
        quote!(|_| {})
    } else {
        quote!(|#attrs| {
            use #krate::__private::{ViaDebug as _, ViaValue as _};
            #(#adds)*
        })
    };
    let mut chain = TokenStream::new();
    if let Some(parent) = &options.parent {
        chain.extend(borrowing_call("parent", parent));
    }
    if options.root.is_some() {
        chain.extend(quote!(.root()));
    }
    for link in options.links.iter().flatten() {
        chain.extend(borrowing_call("link", link));
    }
    if let Some(moved) = moved {
        let moved: Vec<&Ident> = moved.iter().map(|m| &m.name).collect();
        let args = quote!((#(#moved,)*));
        if let Form::Raw(_) = form {
            return quote!(#callsite.start_moving(#args, |#args, #attrs| {
                use #krate::__private::{ViaDebug as _, ViaValue as _};
                #(#adds)*
            }));
        }
        let start = if chain.is_empty() {
            quote!(#callsite.enter(#args, |#args, #attrs| {
                use #krate::__private::{ViaDebug as _, ViaValue as _};
                #(#adds)*
            }))
        } else {
            quote!(#callsite.enter_with(#krate::__private::Start::default() #chain, #args, |#args, #attrs| {
                use #krate::__private::{ViaDebug as _, ViaValue as _};
                #(#adds)*
            }))
        };
        // Checked before the arguments move: with nothing recording, they stay
        // where they are and the call costs this one load and branch.
        return quote! {
            if #callsite.enabled() {
                #start
            } else {
                (#krate::__private::CallGuard::none(), #args)
            }
        };
    }
    let start = if chain.is_empty() {
        quote!(#callsite.start(#closure))
    } else {
        quote!(#callsite.start_with(#krate::__private::Start::default() #chain, #closure))
    };
    // Checked here, before any argument is borrowed: with nothing recording, the
    // call costs this one load and branch.
    match form {
        Form::Sync(_) => quote! {
            if #callsite.enabled() {
                #krate::__private::CallGuard::enter(#start)
            } else {
                #krate::__private::CallGuard::none()
            }
        },
        Form::Raw(_) => start,
        Form::Checked => quote! {
            if #callsite.enabled() {
                #start
            } else {
                #krate::__private::Span::none()
            }
        },
    }
}

/// The attributes of the statement that starts the span, which reads the
/// recorded parameters.
pub(super) fn start_attrs(item: &Instrumented) -> TokenStream {
    let mut allow = Vec::new();
    if item.moved.is_some() && item.facts.shape == Shape::Sync {
        allow.push(quote!(unused_variables));
    }
    if item.underscored {
        allow.push(quote!(clippy::used_underscore_binding));
    }
    if allow.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[allow(#(#allow),*)])
    }
}

/// Statements that record an output (`record_err`, `ret`) on a recording span.
pub(super) fn record(
    options: &Options,
    names: &Names,
    span: &TokenStream,
    out: &TokenStream,
) -> TokenStream {
    let Names { krate, value, .. } = names;
    let mut tokens = TokenStream::new();
    if let Some(err) = options.record_err {
        let function = if err.debug {
            quote!(err_debug)
        } else {
            quote!(err_display)
        };
        tokens.extend(locate(
            quote!(#krate::__private::#function(#span, #out);),
            err.span,
        ));
    }
    if let Some(ret) = options.ret {
        let record = locate(
            quote!(#krate::__private::ret(#span, (&#krate::__private::Wrap(#value)).traced_kind().ret_value(#value));),
            ret,
        );
        tokens.extend(match options.record_err {
            Some(err) => {
                let ok = locate(quote!(#krate::__private::ok_value(#out)), err.span);
                quote! {
                    if let ::core::option::Option::Some(#value) = #ok {
                        #record
                    }
                }
            }
            None => quote!(let #value = #out; #record),
        });
        tokens = quote!(use #krate::__private::{ViaDebug as _, ViaValue as _}; #tokens);
    }
    tokens
}

/// What a traced future (or a synchronous call, once it returned) does with its
/// output before its span ends.
pub(super) fn hook(item: &Instrumented, names: &Names) -> TokenStream {
    if !item.inspects() {
        return quote!(());
    }
    let Names {
        krate, span, out, ..
    } = names;
    let record = record(item.options, names, &quote!(#span), &quote!(#out));
    let output = item
        .hook_output()
        .map_or_else(|| quote!(_), ToTokens::to_token_stream);
    quote!(|#span: &#krate::__private::SpanHandle, #out: &#output| { #record })
}

/// The moved parameters as the generated code binds them again: `mut` where they
/// were declared `mut`.
pub(super) fn rebinds(moved: &[Moved]) -> impl Iterator<Item = TokenStream> + '_ {
    moved.iter().map(|Moved { name, mutable }| {
        if *mutable {
            quote!(mut #name)
        } else {
            quote!(#name)
        }
    })
}

/// `.method(&(expr))`, where the generated tokens stand over the expression and the
/// expression's own tokens stay where they were written: an error about the
/// argument underlines the whole expression, and a fix rustc suggests inside it
/// (such as `extract(&headers)`) lands at the right place.
fn borrowing_call(method: &str, expr: &syn::Expr) -> TokenStream {
    let tokens = expr.to_token_stream();
    let mut trees = tokens.clone().into_iter();
    let first = trees
        .next()
        .map_or_else(Span::call_site, |tree| tree.span());
    let last = trees.last().map_or(first, |tree| tree.span());
    let method = Ident::new(method, Span::call_site());
    // The argument's extent runs from the `&` to the closing parenthesis.
    let mut inner = Group::new(Delimiter::Parenthesis, tokens);
    inner.set_span(Span::call_site().located_at(last));
    let head = locate(quote!(.#method), first);
    let borrow = locate(quote!(&), first);
    let mut call = Group::new(Delimiter::Parenthesis, quote!(#borrow #inner));
    call.set_span(Span::call_site().located_at(first));
    quote!(#head #call)
}

/// Moves every token's location to `at`, keeping how its names resolve: diagnostics
/// about the generated code then point at the option or argument it came from.
pub(super) fn locate(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut located = Group::new(group.delimiter(), locate(group.stream(), at));
                located.set_span(group.span().located_at(at));
                tree = TokenTree::Group(located);
            } else {
                tree.set_span(tree.span().located_at(at));
            }
            tree
        })
        .collect()
}
