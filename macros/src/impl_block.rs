//! `#[traced]` on an `impl` block: every method is instrumented, with the impl's
//! options merged with the method's own `#[traced(...)]`.

use crate::ast::Function;
use crate::attr::{suggest, Errors, Options};
use crate::model::{Facts, Instrumented};
use crate::{expand, shape, valid};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, ImplItem, ItemImpl, Type};

/// Instruments every method of an `impl` block, each with the impl's options
/// merged with its own.
pub fn expand(outer: &Options, mut imp: ItemImpl, errors: &mut Errors) -> TokenStream {
    if let Some(name) = &outer.name {
        errors.push(syn::Error::new(
            name.span(),
            "`name` would give every method the same span name; put it on a method instead",
        ));
    }
    if let Some(off) = outer.off {
        errors.push(syn::Error::new(
            off,
            "`off` goes on a method of a `#[traced] impl`; to trace nothing, remove the attribute",
        ));
    }
    let owner = type_name(&imp.self_ty);
    let mut skipped_somewhere = vec![false; outer.skip.len()];
    // Every parameter name of the instrumented methods, for a mistyped `skip`.
    let mut params: Vec<String> = Vec::new();
    for item in &mut imp.items {
        let ImplItem::Fn(method) = item else { continue };
        // Removed whatever happens, so that it never expands on its own.
        let own = take_own_options(&mut method.attrs, errors);
        if let Some(own) = own.as_ref().filter(|own| own.off.is_some()) {
            for given in own.given.iter().filter(|given| *given != "off") {
                errors.push(syn::Error::new(
                    given.span(),
                    format!("`off` leaves this method uninstrumented, so `{given}` has no effect; remove it"),
                ));
            }
            continue;
        }
        // A `const fn` cannot start spans: left as it is, unless it asks for a span
        // with its own `#[traced]`, which then reports why it cannot have one.
        if own.is_none() && method.sig.constness.is_some() {
            continue;
        }
        let f = Function::from(method.clone());
        let facts = Facts::of(&f);
        for (i, skipped) in outer.skip.iter().enumerate() {
            skipped_somewhere[i] |= facts.params.contains(skipped);
        }
        params.extend(facts.params.iter().map(ToString::to_string));
        let merged = merge(outer, own, &facts);
        let item = Instrumented::new(&f, &merged, facts);
        let mut own_errors = Errors::default();
        valid::check(&item, true, &mut own_errors);
        if let Err(error) = own_errors.finish(()) {
            errors.push(error);
            continue;
        }
        // The method's inner attributes stay in `method.attrs`, which puts them first.
        let body = expand::body(&item, Some(&owner));
        match syn::parse2(quote::quote!({ #body })) {
            Ok(block) => method.block = block,
            Err(e) => errors.push(e),
        }
        if let Some(sig) = item.signature() {
            method.sig = sig;
        }
    }
    for (skipped, found) in outer.skip.iter().zip(skipped_somewhere) {
        if skipped == "self" {
            errors.push(syn::Error::new(
                skipped.span(),
                "`self` is never recorded; remove it from `skip`",
            ));
        } else if !found {
            let message = format!("no method of this impl has a parameter `{skipped}`");
            let hint =
                suggest::did_you_mean(&skipped.to_string(), params.iter().map(String::as_str));
            errors.push(syn::Error::new(
                skipped.span(),
                match hint {
                    Some(hint) => format!("{message}; {hint}"),
                    None => message,
                },
            ));
        }
    }
    imp.into_token_stream()
}

/// Removes a method's own `#[traced(...)]` and returns its options.
fn take_own_options(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Option<Options> {
    let at = attrs.iter().position(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "traced")
    })?;
    let attr = attrs.remove(at);
    let tokens = match attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) => list.tokens,
        syn::Meta::NameValue(nv) => {
            errors.push(syn::Error::new_spanned(
                nv,
                "write the options in parentheses: `#[traced(...)]`",
            ));
            TokenStream::new()
        }
    };
    Some(Options::parse(tokens, errors))
}

/// A method's options: its own where given, else the impl's. An impl-wide
/// `record_err` applies to methods whose return type is named `Result`, an impl-wide
/// `ret` to methods that return something, an impl-wide `skip` to the methods that
/// have such a parameter.
fn merge(outer: &Options, own: Option<Options>, facts: &Facts) -> Options {
    let mut from_impl = outer.clone();
    from_impl.name = None;
    from_impl.off = None;
    if !facts.output.is_some_and(shape::looks_like_result) {
        from_impl.record_err = None;
    }
    if facts.returns_nothing {
        from_impl.ret = None;
    }
    from_impl.skip.retain(|s| facts.params.contains(s));
    let Some(own) = own else { return from_impl };
    // The method's own choice wins over an impl-wide one it contradicts.
    if own.skip_all.is_some() {
        from_impl.skip.clear();
    }
    if own.parent.is_some() {
        from_impl.root = None;
    }
    if own.root.is_some() {
        from_impl.parent = None;
    }
    let mut attrs = from_impl.attrs;
    attrs.extend(own.attrs);
    let mut baggage = from_impl.baggage;
    baggage.extend(own.baggage);
    let mut skip = from_impl.skip;
    skip.extend(own.skip);
    Options {
        name: own.name,
        kind: own.kind.or(from_impl.kind),
        attrs,
        baggage,
        skip,
        skip_all: own.skip_all.or(from_impl.skip_all),
        record_err: own.record_err.or(from_impl.record_err),
        ret: own.ret.or(from_impl.ret),
        parent: own.parent.or(from_impl.parent),
        root: own.root.or(from_impl.root),
        links: own.links.or(from_impl.links),
        krate: own.krate.or(from_impl.krate),
        metrics: own.metrics.or(from_impl.metrics),
        off: None,
        given: own.given,
    }
}

/// `Type` in `impl Type` or `impl Trait for Type`, for span names `Type::method`.
fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map_or_else(String::new, |s| s.ident.to_string()),
        Type::Reference(r) => type_name(&r.elem),
        other => other.to_token_stream().to_string().replace(' ', ""),
    }
}
