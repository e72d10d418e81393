//! An `async fn`: the span starts when the future is first polled, is current
//! whenever it is polled, and ends when it completes or is dropped.

use super::{hook, rebinds, start, Form, Names};
use crate::model::Instrumented;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

pub(super) fn body(item: &Instrumented, names: &Names, callsite: &TokenStream) -> TokenStream {
    let block = item
        .f
        .body
        .as_ref()
        .expect("checked: the function has a body");
    let Names { krate, span, .. } = names;
    let hook = hook(item, names);
    let Some(moved) = item.moved.as_deref() else {
        let start = start(item, names, Form::Checked);
        return quote! {{
            #callsite
            let #span = #start;
            #krate::__private::Traced::new(#span, async move #block, #hook).await
        }};
    };
    // The body is a closure that takes the recorded parameters, so that it is
    // written once and, with nothing recording, awaited without a wrapper; when
    // recording, the span starts (borrowing them) first.
    let start = start(item, names, Form::Raw(moved));
    let body = Ident::new("__traced_body", Span::mixed_site());
    let names: Vec<&Ident> = moved.iter().map(|m| &m.name).collect();
    let binds = rebinds(moved);
    quote! {{
        #callsite
        let ((#(#names,)*), #body) = #krate::__private::body_of((#(#names,)*), move |(#(#binds,)*)| {
            let _ = (#(&#names,)*);
            async move #block
        });
        if #krate::__private::enabled() {
            let (#span, (#(#names,)*)) = #start;
            #krate::__private::Traced::new(#span, #body((#(#names,)*)), #hook).await
        } else {
            #body((#(#names,)*)).await
        }
    }}
}
