//! A function that returns a future (`impl Future`, `Pin<Box<dyn Future>>`, as
//! `#[async_trait]` writes them): traced from the call until the future it returns
//! completes. Every future it hands back, at its tail or at a `return`, is wrapped.

use super::{hook, start, start_attrs, Form, Names};
use crate::model::Instrumented;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Ident};

pub(super) fn body(
    item: &Instrumented,
    names: &Names,
    callsite: &TokenStream,
    boxed: bool,
    measured: bool,
) -> TokenStream {
    let mut block = item
        .f
        .body
        .clone()
        .expect("checked: the function has a body");
    let Names { krate, span, .. } = names;
    let start = start(item, names, Form::Checked);
    let mut wrap = WrapFuture {
        item,
        boxed,
        hook: hook(item, names),
        measured,
        names,
    };
    wrap.block(&mut block);
    let current = Ident::new("__traced_current", Span::mixed_site());
    let stmts = &block.stmts;
    let allow = start_attrs(item);
    quote! {
        #callsite
        #allow
        let #span = #start;
        let #current = #krate::__private::current_during(&#span);
        #(#stmts)*
    }
}

/// Wraps every future a future-returning function hands back (its tail and its
/// `return`s) in the call's span.
struct WrapFuture<'a> {
    item: &'a Instrumented<'a>,
    boxed: bool,
    hook: TokenStream,
    /// `metrics`: the traced future is measured too.
    measured: bool,
    names: &'a Names,
}

impl WrapFuture<'_> {
    fn block(&mut self, block: &mut Block) {
        for stmt in &mut block.stmts {
            self.visit_stmt_mut(stmt);
        }
        if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last_mut() {
            self.wrap(tail);
        }
    }

    fn wrap(&self, expr: &mut Expr) {
        let Names { krate, span, .. } = self.names;
        let hook = &self.hook;
        let timer = &self.names.timer;
        let classify = super::metrics::classify(self.item, self.names);
        let measured = self.measured;
        let traced = |future: &Expr| {
            let traced = quote!(#krate::__private::Traced::new(#span, #future, #hook));
            if measured {
                quote!(#krate::__private::Measured::new(#timer, #traced, #classify))
            } else {
                traced
            }
        };
        // `Box::pin(future)`: trace the future inside rather than box it twice.
        if let Expr::Call(call) = expr {
            if self.boxed && call.args.len() == 1 && is_box_pin(&call.func) {
                let inner = traced(&call.args[0]);
                call.args[0] = syn::parse_quote!(#inner);
                return;
            }
        }
        let inner = traced(expr);
        *expr = if self.boxed {
            syn::parse_quote!(::std::boxed::Box::pin(#inner))
        } else {
            syn::parse_quote!(#inner)
        };
    }
}

impl VisitMut for WrapFuture<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // Their `return`s are not the function's.
            Expr::Closure(_) | Expr::Async(_) => {}
            Expr::Return(ret) => {
                if let Some(value) = &mut ret.expr {
                    self.visit_expr_mut(value);
                    self.wrap(value);
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else { return false };
    let segments: Vec<_> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}
