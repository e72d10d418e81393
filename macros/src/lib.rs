//! The `#[traced]` attribute. Use it through the `traced` crate, which documents it
//! and holds the runtime the generated code calls.

mod ast;
mod attr;
mod expand;
mod impl_block;
mod model;
mod params;
mod shape;
mod valid;

use ast::{Function, Item};
use attr::{Errors, Options};
use model::{Facts, Instrumented};
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// Instruments a function, a method, or every method of an `impl` block with an
/// OpenTelemetry span. Documented in the `traced` crate.
#[proc_macro_attribute]
pub fn traced(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let item = TokenStream::from(item);
    let mut errors = Errors::default();
    let options = Options::parse(TokenStream::from(args), &mut errors);
    let expanded = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(f)) => expand_fn(&f, &options, &mut errors),
        Ok(Item::Impl(imp)) => impl_block::expand(&options, imp, &mut errors),
        Err(e) => {
            errors.push(e);
            item
        }
    };
    // With errors, the item is still emitted (unchanged where it had them), so that
    // the rest of the crate compiles against it and IDE completion keeps working.
    let errors = errors.into_tokens();
    quote!(#errors #expanded).into()
}

fn expand_fn(f: &Function, options: &Options, errors: &mut Errors) -> TokenStream {
    let before = errors.is_empty();
    let item = Instrumented::new(f, options, Facts::of(f));
    valid::check(&item, false, errors);
    if !(before && errors.is_empty()) {
        return f.to_token_stream();
    }
    let body = expand::body(&item, None);
    let Function {
        attrs,
        vis,
        sig,
        inner,
        ..
    } = f;
    let sig = item.signature().unwrap_or_else(|| sig.clone());
    quote!(#(#attrs)* #vis #sig { #(#inner)* #body })
}
