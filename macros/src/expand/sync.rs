//! A synchronous function: the span is current while the body runs, and ends when
//! the function returns (or unwinds).

use super::{hook, rebinds, start, start_attrs, Form, Names};
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
    let Names {
        krate, span, out, ..
    } = names;
    let moved = item.moved.as_deref();
    let start = start(item, names, Form::Sync(moved));
    // The guard, and the parameters moved through the start under their own names.
    let binding = match moved {
        Some(moved) => {
            let binds = rebinds(moved);
            quote!((#span, (#(#binds,)*)))
        }
        None => quote!(#span),
    };
    let allow = start_attrs(item);
    if !item.inspects() {
        // The body's statements follow the guard in the same block: the same scope
        // as before, and no braces of ours for `unused_braces` to see.
        let stmts = &block.stmts;
        return quote! {
            #callsite
            #allow
            let #binding = #start;
            #(#stmts)*
        };
    }
    let handle = Ident::new("__traced_handle", Span::mixed_site());
    let hook = hook(item, names);
    // Typed, so that errors and `{integer}` outputs read as the declared type.
    let out_ty = item.nameable_return().map(|ty| quote!(: #ty));
    // The output is read only when the span records, in a function of its own:
    // the fast path never takes its address.
    quote! {
        #callsite
        #allow
        let #binding = #start;
        let #out #out_ty = #krate::__private::call(move || #block);
        match #span.recording() {
            ::core::option::Option::None => #out,
            ::core::option::Option::Some(#handle) => #krate::__private::recorded(&#handle, #out, #hook),
        }
    }
}
