//! An `async fn`: the span starts when the future is first polled, is current
//! whenever it is polled, and ends when it completes or is dropped.

use super::{hook, rebinds, start, start_attrs, Form, Names};
use crate::model::Instrumented;
use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Ident;

pub(super) fn body(item: &Instrumented, names: &Names, callsite: &TokenStream) -> TokenStream {
    let Names { krate, span, .. } = names;
    let block = output_block(item, krate);
    let hook = hook(item, names);
    let Some(moved) = item.moved.as_deref() else {
        let start = start(item, names, Form::Checked);
        let allow = start_attrs(item);
        return quote! {
            #callsite
            #allow
            let #span = #start;
            #krate::__private::Traced::new(#span, async move #block, #hook).await
        };
    };
    // The body is a closure that takes the recorded parameters, so that it is
    // written once and, with nothing recording, awaited without a wrapper; when
    // recording, the span starts (borrowing them) first.
    let start = start(item, names, Form::Raw(moved));
    let site = &names.callsite;
    let body = Ident::new("__traced_body", Span::mixed_site());
    let names: Vec<&Ident> = moved.iter().map(|m| &m.name).collect();
    let binds = rebinds(moved);
    quote! {
        #callsite
        let ((#(#names,)*), #body) = #krate::__private::body_of((#(#names,)*), move |(#(#binds,)*)| {
            let _ = (#(&#names,)*);
            async move #block
        });
        if #site.enabled() {
            let (#span, (#(#names,)*)) = #start;
            #krate::__private::Traced::new(#span, #body((#(#names,)*)), #hook).await
        } else {
            #body((#(#names,)*)).await
        }
    }
}

/// The body as the inner `async` block's, told the declared output type (which an
/// `async` block cannot learn from the function's signature), so that the closures
/// and boxed closures it returns are typed as they would be in the function itself.
fn output_block(item: &Instrumented, krate: &syn::Path) -> TokenStream {
    let block = item
        .f
        .body
        .as_ref()
        .expect("checked: the function has a body");
    let out = Ident::new("__traced_output", Span::mixed_site());
    if let Some(ty) = item.nameable_return() {
        let stmts = &block.stmts;
        return quote!({
            if let ::core::option::Option::Some(#out) = #krate::__private::declared::<#ty>() {
                return #out;
            }
            #(#stmts)*
        });
    }
    if let Some(bounds) = &item.facts.closure_bounds {
        // Braces of ours around the user's block: `unused_braces` is not about them.
        let mut inner = Group::new(
            Delimiter::Brace,
            block.stmts.iter().map(ToTokens::to_token_stream).collect(),
        );
        inner.set_span(Span::mixed_site());
        let expect = Ident::new("__traced_expect", Span::mixed_site());
        let ty = Ident::new("__TracedOutput", Span::mixed_site());
        return quote!({
            fn #expect<#ty: #bounds>(#out: #ty) -> #ty { #out }
            #expect(#inner)
        });
    }
    block.to_token_stream()
}
