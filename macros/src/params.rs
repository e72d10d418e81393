//! The names bound by a function's parameters: what becomes an attribute.

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
