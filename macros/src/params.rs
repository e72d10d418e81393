//! The names bound by a function's parameters: what becomes an attribute.

use crate::model::Moved;
use syn::{FnArg, Ident, Pat, Signature};

/// Every name bound by the parameters, except `self`, in order.
pub fn bindings(sig: &Signature) -> Vec<Ident> {
    let mut names = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input {
            collect(&typed.pat, &mut names);
        }
    }
    names
}

fn collect(pat: &Pat, names: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            if p.ident != "self" {
                names.push(p.ident.clone());
            }
            if let Some((_, sub)) = &p.subpat {
                collect(sub, names);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|e| collect(e, names)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| collect(e, names)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| collect(&f.pat, names)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| collect(e, names)),
        Pat::Reference(p) => collect(&p.pat, names),
        Pat::Type(p) => collect(&p.pat, names),
        Pat::Paren(p) => collect(&p.pat, names),
        // `_`, `..`, literals and the rest bind nothing.
        _ => {}
    }
}

/// The parameters a synchronous function moves through its span's start instead
/// of lending them (so that with nothing recording they stay in registers): the
/// plain `name: Type` and `mut name: Type` ones among `recorded`. `None` when a
/// recorded name is bound inside a pattern.
pub fn movable(sig: &Signature, recorded: &[Ident]) -> Option<Vec<Moved>> {
    let mut moved = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        match &*typed.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                if recorded.contains(&p.ident) {
                    moved.push(Moved {
                        name: p.ident.clone(),
                        mutable: p.mutability.is_some(),
                    });
                }
            }
            pat => {
                let mut inner = Vec::new();
                collect(pat, &mut inner);
                if inner.iter().any(|name| recorded.contains(name)) {
                    return None;
                }
            }
        }
    }
    Some(moved)
}

/// `sig` with `mut` taken off the parameters in `moved` (their rebinding carries it).
pub fn without_mut(sig: &Signature, moved: &[Moved]) -> Signature {
    let mut sig = sig.clone();
    for input in &mut sig.inputs {
        if let FnArg::Typed(typed) = input {
            if let Pat::Ident(p) = &mut *typed.pat {
                if moved.iter().any(|m| m.mutable && m.name == p.ident) {
                    p.mutability = None;
                }
            }
        }
    }
    sig
}
