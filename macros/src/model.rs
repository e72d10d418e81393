//! The facts about an instrumented function, computed once: what its signature
//! says (shape, parameters, output), and, with its options, which parameters are
//! recorded and which move through the span's start.

use crate::ast::Function;
use crate::attr::{Kind, Options};
use crate::params::{bindings, movable, without_mut};
use crate::shape::{final_output, returns_nothing, shape, Shape};
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::{Ident, ReturnType, Type, TypeParamBound};

/// What a function's signature says.
pub struct Facts<'a> {
    pub shape: Shape,
    /// Every name the parameters bind, except `self`, in order.
    pub params: Vec<Ident>,
    /// The type the caller finally gets: the return type, or a future's `Output`;
    /// `None` when the signature does not say (no return type, a `BoxFuture` alias).
    pub output: Option<&'a Type>,
    /// Whether the caller gets `()` or `!`: nothing to record.
    pub returns_nothing: bool,
    /// For an `async fn` returning `impl Fn..`: the bounds its body's output is
    /// checked against, so that the closure it returns has typed parameters.
    pub closure_bounds: Option<TokenStream>,
}

impl<'a> Facts<'a> {
    pub fn of(f: &'a Function) -> Self {
        let shape = shape(&f.sig);
        let output = final_output(&f.sig, shape);
        Facts {
            shape,
            params: bindings(&f.sig),
            output,
            returns_nothing: returns_nothing(&f.sig, output),
            closure_bounds: closure_bounds(f, shape),
        }
    }
}

/// A recorded parameter that the generated code takes and gives back (see
/// [`Instrumented::moved`]).
pub struct Moved {
    pub name: Ident,
    /// Declared `mut`: its rebinding carries the `mut` instead.
    pub mutable: bool,
}

/// One function to instrument: the function, its final options (a method's merged
/// with its impl's), and the facts derived from both.
pub struct Instrumented<'a> {
    pub f: &'a Function,
    pub options: &'a Options,
    pub facts: Facts<'a>,
    pub kind: Kind,
    /// The parameters recorded as attributes, in order.
    pub recorded: Vec<Ident>,
    /// The recorded parameters that a synchronous call moves through its span's
    /// start and back (so that with nothing recording they stay in registers), or
    /// that an `async fn` passes to its body closure. `None` when they cannot:
    /// a recorded name bound inside a pattern, or an `attrs(...)` (or, for an
    /// `async fn`, `parent` or `links`) expression that could read a parameter
    /// the closure has taken. For a synchronous call, never an empty list.
    pub moved: Option<Vec<Moved>>,
    /// A recorded parameter's name starts with `_`: the statements that read it
    /// allow `clippy::used_underscore_binding`, which is about the user's reads.
    pub underscored: bool,
}

impl<'a> Instrumented<'a> {
    pub fn new(f: &'a Function, options: &'a Options, facts: Facts<'a>) -> Self {
        let recorded: Vec<Ident> = if options.skip_all.is_some() {
            Vec::new()
        } else {
            facts
                .params
                .iter()
                .filter(|name| !options.skip.contains(name))
                .cloned()
                .collect()
        };
        let underscored = recorded
            .iter()
            .any(|name| name.unraw().to_string().starts_with('_'));
        let moved = match facts.shape {
            Shape::Sync if options.attrs.is_empty() => {
                movable(&f.sig, &recorded).filter(|moved| !moved.is_empty())
            }
            // Its body closure would read them among the user's statements.
            Shape::Async
                if !underscored
                    && options.attrs.is_empty()
                    && options.parent.is_none()
                    && options.links.is_none() =>
            {
                movable(&f.sig, &recorded)
            }
            _ => None,
        };
        Instrumented {
            f,
            options,
            kind: options.kind.unwrap_or(Kind::Internal),
            recorded,
            moved,
            underscored,
            facts,
        }
    }

    /// The signature with `mut` taken off the parameters the body binds again
    /// (their rebinding carries it), if any.
    pub fn signature(&self) -> Option<syn::Signature> {
        let moved = self.moved.as_deref()?;
        moved
            .iter()
            .any(|m| m.mutable)
            .then(|| without_mut(&self.f.sig, moved))
    }

    /// Whether the output is read: `record_err` or `ret`.
    pub fn inspects(&self) -> bool {
        self.options.record_err.is_some() || self.options.ret.is_some()
    }

    /// The declared return type, where it can be written in a `let`: not
    /// `impl Trait`, not `!`.
    pub fn nameable_return(&self) -> Option<&'a Type> {
        match &self.f.sig.output {
            ReturnType::Type(_, ty) if !has_impl_trait(ty) && !matches!(**ty, Type::Never(_)) => {
                Some(ty)
            }
            _ => None,
        }
    }

    /// The type of the output a hook reads, where it can be written on a closure
    /// parameter: an elided lifetime there would mean another lifetime.
    pub fn hook_output(&self) -> Option<&'a Type> {
        let output = match self.facts.shape {
            Shape::Future { .. } => self.facts.output.filter(|ty| !has_impl_trait(ty)),
            Shape::Sync | Shape::Async => self.nameable_return(),
        };
        output.filter(|ty| !has_elided_lifetime(ty))
    }
}

/// For an `async fn` returning `impl Fn..` (or `FnMut`, `FnOnce`): those bounds,
/// without outlives bounds and `use<..>`, when they can be written on a generic
/// parameter of an item inside the body: they name none of the function's generic
/// parameters or lifetimes, nor `Self`.
fn closure_bounds(f: &Function, shape: Shape) -> Option<TokenStream> {
    let ReturnType::Type(_, ty) = &f.sig.output else {
        return None;
    };
    let (Shape::Async, Type::ImplTrait(imp)) = (shape, strip_parens(ty)) else {
        return None;
    };
    let traits: Vec<&syn::TraitBound> = imp
        .bounds
        .iter()
        .filter_map(|bound| match bound {
            TypeParamBound::Trait(t) => Some(t),
            _ => None,
        })
        .collect();
    let is_closure = |t: &&syn::TraitBound| {
        t.path
            .segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Fn" | "FnMut" | "FnOnce"))
    };
    if !traits.iter().any(is_closure) {
        return None;
    }
    let mut outer: Vec<String> = vec!["Self".to_owned()];
    for param in &f.sig.generics.params {
        match param {
            syn::GenericParam::Type(t) => outer.push(t.ident.to_string()),
            syn::GenericParam::Const(c) => outer.push(c.ident.to_string()),
            syn::GenericParam::Lifetime(_) => {}
        }
    }
    struct Mentions<'a>(&'a [String], bool);
    impl<'ast> syn::visit::Visit<'ast> for Mentions<'_> {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if let Some(first) = path.segments.first() {
                self.1 |= self.0.iter().any(|name| first.ident == name);
            }
            syn::visit::visit_path(self, path);
        }
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            self.1 |= lifetime.ident != "_" && lifetime.ident != "static";
        }
    }
    let mut mentions = Mentions(&outer, false);
    for t in &traits {
        syn::visit::Visit::visit_trait_bound(&mut mentions, t);
    }
    (!mentions.1).then(|| quote::quote!(#(#traits)+*))
}

fn strip_parens(ty: &Type) -> &Type {
    match ty {
        Type::Paren(p) => strip_parens(&p.elem),
        _ => ty,
    }
}

fn has_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// Whether a type borrows with an elided lifetime (`&T`, `'_`).
fn has_elided_lifetime(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            self.0 |= r.lifetime.is_none();
            syn::visit::visit_type_reference(self, r);
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            self.0 |= l.ident == "_";
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}
