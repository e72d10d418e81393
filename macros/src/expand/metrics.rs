//! `metrics`: a call's duration measured around its traced body, whether or not
//! its span records.

use super::{locate, Names};
use crate::attr::{MetricAttr, Metrics};
use crate::model::Instrumented;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, Lit};

/// The measured call site's static.
pub(super) fn static_item(
    metrics: &Metrics,
    names: &Names,
    function: &str,
    name: &str,
) -> TokenStream {
    let Names { krate, metric, .. } = names;
    let literals = metrics.attrs.iter().filter_map(|attr| {
        let key = &attr.key;
        literal(&attr.value).map(|value| quote!((#key, #krate::__private::Literal::#value)))
    });
    let implicit = metrics.implicit;
    quote! {
        static #metric: #krate::__private::CallMetric = #krate::__private::CallMetric::new(#krate::__private::MetricMeta {
            function: ::core::concat!(::core::module_path!(), #function),
            name: #name,
            scope: ::core::env!("CARGO_PKG_NAME"),
            version: ::core::env!("CARGO_PKG_VERSION"),
            attrs: &[#(#literals),*],
            implicit: #implicit,
        });
    }
}

/// The expression that starts the call's timer, with the attributes that are
/// evaluated per call.
pub(super) fn start(metrics: &Metrics, names: &Names) -> TokenStream {
    let Names {
        krate,
        metric,
        attrs,
        ..
    } = names;
    let dynamic: Vec<&MetricAttr> = metrics
        .attrs
        .iter()
        .filter(|attr| literal(&attr.value).is_none())
        .collect();
    if dynamic.is_empty() {
        return quote!(#metric.start());
    }
    let count = dynamic.len();
    let adds = dynamic.iter().map(|attr| {
        let (key, value) = (&attr.key, &attr.value);
        let at = syn::spanned::Spanned::span(value);
        locate(
            quote!(#krate::__private::metric_attr(&mut #attrs, #key, &(#value));),
            at,
        )
    });
    quote!(#metric.start_with(|| {
        let mut #attrs = ::std::vec::Vec::with_capacity(#count);
        #(#adds)*
        #attrs
    }))
}

/// The closure that tells the timer an output's error type, typed by the
/// function's output where it can be named (a body that diverges leaves it to
/// inference otherwise).
pub(super) fn classify(item: &Instrumented, names: &Names) -> TokenStream {
    let Names { krate, out, .. } = names;
    let ty = match (&item.f.sig.output, item.facts.shape) {
        (syn::ReturnType::Default, crate::shape::Shape::Async) => quote!(()),
        (_, crate::shape::Shape::Async) => item
            .nameable_return()
            .map_or_else(|| quote!(_), quote::ToTokens::to_token_stream),
        _ => item
            .hook_output()
            .map_or_else(|| quote!(_), quote::ToTokens::to_token_stream),
    };
    quote!(|#out: &#ty| {
        use #krate::__private::{ViaAny as _, ViaResult as _};
        (&#krate::__private::MeasureOutcome(#out)).error_type()
    })
}

/// A synchronous body, measured: `traced` runs in a closure, so that every exit
/// but an unwind passes the timer's `finish`.
pub(super) fn sync(item: &Instrumented, names: &Names, traced: &TokenStream) -> TokenStream {
    let Names {
        krate,
        timer,
        measured,
        ..
    } = names;
    // Typed, so that the error type is read off the declared output (a body that
    // diverges leaves it to inference otherwise).
    let out_ty = match &item.f.sig.output {
        syn::ReturnType::Default => Some(quote!(: ())),
        syn::ReturnType::Type(..) => item.nameable_return().map(|ty| quote!(: #ty)),
    };
    quote! {
        let #measured #out_ty = #krate::__private::call(move || { #traced });
        #timer.finish({
            use #krate::__private::{ViaAny as _, ViaResult as _};
            (&#krate::__private::MeasureOutcome(&#measured)).error_type()
        });
        #measured
    }
}

/// An `async fn`'s body, measured until its future completes or is dropped.
pub(super) fn future(item: &Instrumented, names: &Names, traced: &TokenStream) -> TokenStream {
    let Names { krate, timer, .. } = names;
    let classify = classify(item, names);
    quote!(#krate::__private::Measured::new(#timer, async move { #traced }, #classify).await)
}

/// A literal value, as the runtime's `Literal` variant.
fn literal(value: &Expr) -> Option<TokenStream> {
    match value {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(quote!(Str(#s))),
            Lit::Bool(b) => Some(quote!(Bool(#b))),
            Lit::Int(i) => i.base10_parse::<i64>().ok().map(|i| quote!(I64(#i))),
            Lit::Float(f) => f.base10_parse::<f64>().ok().map(|f| quote!(F64(#f))),
            _ => None,
        },
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(i), ..
            }) => i.base10_parse::<i64>().ok().map(|i| quote!(I64(-#i))),
            Expr::Lit(syn::ExprLit {
                lit: Lit::Float(f), ..
            }) => f.base10_parse::<f64>().ok().map(|f| quote!(F64(-#f))),
            _ => None,
        },
        _ => None,
    }
}
