//! Code generation: the instrumented body of one function.

use crate::ast::Function;
use crate::attr::Options;
use crate::params::{bindings, movable};
use crate::shape::{shape, Shape};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Ident, Path, Type};

/// Names the generated code introduces: mixed-site hygiene keeps the user's code
/// from seeing them, and the prefix keeps them apart from anything else.
struct Names {
    krate: Path,
    callsite: Ident,
    span: Ident,
    out: Ident,
    attrs: Ident,
    value: Ident,
}

impl Names {
    fn new(options: &Options) -> Self {
        let local = |name: &str| Ident::new(name, Span::mixed_site());
        Names {
            krate: options
                .krate
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(::traced)),
            callsite: format_ident!("__TRACED_CALLSITE", span = Span::mixed_site()),
            span: local("__traced_span"),
            out: local("__traced_out"),
            attrs: local("__traced_attrs"),
            value: local("__traced_value"),
        }
    }
}

/// The new body of `f`. `owner` is the type of a `#[traced] impl` block.
pub fn body(f: &Function, options: &Options, owner: Option<&str>) -> TokenStream {
    let names = Names::new(options);
    let block = f.body.as_ref().expect("checked: the function has a body");
    let callsite = callsite(f, options, owner, &names);
    let moved = moved(f, options);
    let form = match (shape(&f.sig), &moved) {
        (Shape::Sync, moved) => Form::Sync(moved.as_deref()),
        (Shape::Async, Some(moved)) => Form::Raw(moved),
        _ => Form::Checked,
    };
    let start = start(f, options, &names, form);
    let Names {
        krate, span, out, ..
    } = &names;
    // The span, and the parameters moved through its start under their own names.
    let span_binding = match &moved {
        Some(moved) if shape(&f.sig) == Shape::Sync => {
            let binds = moved
                .iter()
                .map(|(name, m)| if *m { quote!(mut #name) } else { quote!(#name) });
            quote!((#span, (#(#binds,)*)))
        }
        _ => quote!(#span),
    };
    let allow = moved.is_some().then(|| quote!(#[allow(unused_variables)]));
    let inspects = options.record_err.is_some() || options.ret.is_some();
    match shape(&f.sig) {
        Shape::Sync if !inspects => quote! {{
            #callsite
            #allow
            let #span_binding = #start;
            #block
        }},
        Shape::Sync => {
            let handle = Ident::new("__traced_handle", Span::mixed_site());
            let output = nameable_return(&f.sig).filter(|ty| !has_elided_lifetime(ty));
            let hook = hook(options, &names, output);
            // Typed, so that errors and `{integer}` outputs read as the declared type.
            let out_ty = nameable_return(&f.sig).map(|ty| quote!(: #ty));
            // The output is read only when the span records, in a function of its
            // own: the fast path never takes its address.
            quote! {{
                #callsite
                #allow
                let #span_binding = #start;
                let #out #out_ty = #krate::__private::call(move || #block);
                match #span.recording() {
                    ::core::option::Option::None => #out,
                    ::core::option::Option::Some(#handle) => #krate::__private::recorded(&#handle, #out, #hook),
                }
            }}
        }
        Shape::Async => {
            let hook = hook(
                options,
                &names,
                nameable_return(&f.sig).filter(|ty| !has_elided_lifetime(ty)),
            );
            let Some(moved) = &moved else {
                return quote! {{
                    #callsite
                    let #span = #start;
                    #krate::__private::Traced::new(#span, async move #block, #hook).await
                }};
            };
            // The body is a closure that takes the recorded parameters, so that it
            // is written once and, with nothing recording, awaited without a
            // wrapper; when recording, the span starts (borrowing them) first.
            let body = Ident::new("__traced_body", Span::mixed_site());
            let names: Vec<&Ident> = moved.iter().map(|(name, _)| name).collect();
            let binds = moved
                .iter()
                .map(|(name, m)| if *m { quote!(mut #name) } else { quote!(#name) });
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
        Shape::Future { boxed } => {
            let mut block = block.clone();
            let output = crate::shape::final_output(&f.sig)
                .filter(|ty| !has_impl_trait(ty) && !has_elided_lifetime(ty));
            let mut wrap = WrapFuture {
                boxed,
                hook: hook(options, &names, output),
                names: &names,
            };
            wrap.block(&mut block);
            let current = Ident::new("__traced_current", Span::mixed_site());
            quote! {{
                #callsite
                let #span = #start;
                let #current = #krate::__private::current_during(&#span);
                #block
            }}
        }
    }
}

fn callsite(f: &Function, options: &Options, owner: Option<&str>, names: &Names) -> TokenStream {
    let Names {
        krate, callsite, ..
    } = names;
    let ident = f.sig.ident.unraw().to_string();
    let qualified = match owner {
        Some(owner) => format!("{owner}::{ident}"),
        None => ident,
    };
    let name = options
        .name
        .as_ref()
        .map_or_else(|| qualified.clone(), syn::LitStr::value);
    let kind = options
        .kind
        .as_ref()
        .map_or("Internal", |k| match k.to_string().as_str() {
            "server" => "Server",
            "client" => "Client",
            "producer" => "Producer",
            "consumer" => "Consumer",
            _ => "Internal",
        });
    let kind = Ident::new(kind, Span::call_site());
    let function = format!("::{qualified}");
    let baggage = options.baggage.iter().map(|key| &key.text);
    let line = line_of(&f.sig.ident);
    quote! {
        static #callsite: #krate::__private::Callsite = #krate::__private::Callsite::new(#krate::__private::Meta {
            name: #name,
            kind: #krate::__private::SpanKind::#kind,
            function: ::core::concat!(::core::module_path!(), #function),
            file: ::core::file!(),
            line: #line,
            scope: ::core::env!("CARGO_PKG_NAME"),
            version: ::core::env!("CARGO_PKG_VERSION"),
            baggage: &[#(#baggage),*],
        });
    }
}

/// The line of the function's name, read from the compiler where it can tell.
fn line_of(ident: &Ident) -> TokenStream {
    let span = ident.span();
    if proc_macro::is_available() {
        let line = u32::try_from(span.unwrap().line()).unwrap_or(0);
        quote!(#line)
    } else {
        quote_spanned!(span=> ::core::line!())
    }
}

/// The parameters the body rebinds (see `params::movable`), when arguments are all
/// the span's start reads: a synchronous call moves them through the start and
/// back; an `async fn` passes them to its body closure. (An `attrs(...)`,
/// `parent` or `links` expression could read what the closure has taken.)
pub fn moved(f: &Function, options: &Options) -> Option<Vec<(Ident, bool)>> {
    let recorded: Vec<Ident> = bindings(&f.sig)
        .into_iter()
        .filter(|n| options.skip_all.is_none() && !options.skip.contains(n))
        .collect();
    match shape(&f.sig) {
        Shape::Sync if options.attrs.is_empty() => {
            movable(&f.sig, &recorded).filter(|moved| !moved.is_empty())
        }
        Shape::Async
            if options.attrs.is_empty() && options.parent.is_none() && options.links.is_none() =>
        {
            movable(&f.sig, &recorded)
        }
        _ => None,
    }
}

/// How the start expression is wrapped.
#[derive(Clone, Copy)]
enum Form<'a> {
    /// A synchronous call's `CallGuard`, checked; with parameters moved through it.
    Sync(Option<&'a [(Ident, bool)]>),
    /// The start alone, for a caller that checked `enabled()`: a `Span`, and the
    /// parameters moved through it.
    Raw(&'a [(Ident, bool)]),
    /// A `Span`, checked.
    Checked,
}

/// The expression that starts this call's span (not yet current). With `moved`,
/// it also gives back those parameters.
fn start(f: &Function, options: &Options, names: &Names, form: Form<'_>) -> TokenStream {
    let moved = match form {
        Form::Sync(moved) => moved,
        Form::Raw(moved) => Some(moved),
        Form::Checked => None,
    };
    let Names {
        krate,
        callsite,
        attrs,
        value,
        ..
    } = names;
    let mut adds = Vec::new();
    if options.skip_all.is_none() {
        for name in bindings(&f.sig)
            .iter()
            .filter(|n| !options.skip.contains(n))
        {
            let key = name.unraw().to_string();
            // A moved parameter is a reference in the closure already.
            let value = if moved.is_some() {
                quote!(#name)
            } else {
                quote!(&#name)
            };
            adds.push(locate(
                quote!(#attrs.add(#key, (&#krate::__private::Wrap(#value)).traced_kind().value(#value));),
                name.span(),
            ));
        }
    }
    for attr in &options.attrs {
        let (key, expr) = (&attr.key, &attr.value);
        let at = syn::spanned::Spanned::span(expr);
        adds.push(locate(
            quote! {
                let #value = &(#expr);
                #attrs.add(#key, (&#krate::__private::Wrap(#value)).traced_kind().attr_value(#value));
            },
            at,
        ));
    }
    let closure = if adds.is_empty() {
        quote!(|_| {})
    } else {
        quote!(|#attrs| {
            use #krate::__private::{ViaDebug as _, ViaValue as _};
            #(#adds)*
        })
    };
    let mut chain = TokenStream::new();
    if let Some(parent) = &options.parent {
        let at = syn::spanned::Spanned::span(parent);
        chain.extend(locate(quote!(.parent(&(#parent))), at));
    }
    if options.root.is_some() {
        chain.extend(quote!(.root()));
    }
    for link in options.links.iter().flatten() {
        let at = syn::spanned::Spanned::span(link);
        chain.extend(locate(quote!(.link(&(#link))), at));
    }
    if let Some(moved) = moved {
        let moved: Vec<&Ident> = moved.iter().map(|(name, _)| name).collect();
        let args = quote!((#(#moved,)*));
        if let Form::Raw(_) = form {
            return quote!(#callsite.start_moving(#args, |#args, #attrs| {
                use #krate::__private::{ViaDebug as _, ViaValue as _};
                #(#adds)*
            }));
        }
        let start = if chain.is_empty() {
            quote!(#callsite.enter(#args, |#args, #attrs| {
                use #krate::__private::{ViaDebug as _, ViaValue as _};
                #(#adds)*
            }))
        } else {
            quote!(#callsite.enter_with(#krate::__private::Start::default() #chain, #args, |#args, #attrs| {
                use #krate::__private::{ViaDebug as _, ViaValue as _};
                #(#adds)*
            }))
        };
        // Checked before the arguments move: with nothing recording, they stay
        // where they are and the call costs this one load and branch.
        return quote! {
            if #krate::__private::enabled() {
                #start
            } else {
                (#krate::__private::CallGuard::none(), #args)
            }
        };
    }
    let start = if chain.is_empty() {
        quote!(#callsite.start(#closure))
    } else {
        quote!(#callsite.start_with(#krate::__private::Start::default() #chain, #closure))
    };
    // Checked here, before any argument is borrowed: with nothing recording, the
    // call costs this one load and branch.
    match form {
        Form::Sync(_) => quote! {
            if #krate::__private::enabled() {
                #krate::__private::CallGuard::enter(#start)
            } else {
                #krate::__private::CallGuard::none()
            }
        },
        Form::Raw(_) => start,
        Form::Checked => quote! {
            if #krate::__private::enabled() {
                #start
            } else {
                #krate::__private::Span::none()
            }
        },
    }
}

/// Statements that record an output (`record_err`, `ret`) on a recording span.
fn record(options: &Options, names: &Names, span: &TokenStream, out: &TokenStream) -> TokenStream {
    let Names { krate, value, .. } = names;
    let mut tokens = TokenStream::new();
    if let Some(err) = options.record_err {
        let function = if err.debug {
            quote!(err_debug)
        } else {
            quote!(err_display)
        };
        tokens.extend(locate(
            quote!(#krate::__private::#function(#span, #out);),
            err.span,
        ));
    }
    if let Some(ret) = options.ret {
        let record = locate(
            quote!(#krate::__private::ret(#span, (&#krate::__private::Wrap(#value)).traced_kind().ret_value(#value));),
            ret,
        );
        tokens.extend(match options.record_err {
            Some(err) => {
                let ok = locate(quote!(#krate::__private::ok_value(#out)), err.span);
                quote! {
                    if let ::core::option::Option::Some(#value) = #ok {
                        #record
                    }
                }
            }
            None => quote!(let #value = #out; #record),
        });
        tokens = quote!(use #krate::__private::{ViaDebug as _, ViaValue as _}; #tokens);
    }
    tokens
}

/// What a traced future does with its output before its span ends.
fn hook(options: &Options, names: &Names, output: Option<&Type>) -> TokenStream {
    if options.record_err.is_none() && options.ret.is_none() {
        return quote!(());
    }
    let Names {
        krate, span, out, ..
    } = names;
    let record = record(options, names, &quote!(#span), &quote!(#out));
    let output = output.map_or_else(|| quote!(_), ToTokens::to_token_stream);
    quote!(|#span: &#krate::__private::SpanHandle, #out: &#output| { #record })
}

/// The return type, where it can be written in a `let`: not `impl Trait`, not `!`.
fn nameable_return(sig: &syn::Signature) -> Option<&Type> {
    match &sig.output {
        syn::ReturnType::Type(_, ty) if !has_impl_trait(ty) && !matches!(**ty, Type::Never(_)) => {
            Some(ty)
        }
        _ => None,
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

/// Whether a type borrows with an elided lifetime (`&T`, `'_`): such a type written
/// on a closure parameter would mean another lifetime.
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

/// Moves every token's location to `at`, keeping how its names resolve: diagnostics
/// about the generated code then point at the option or argument it came from.
fn locate(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut located = Group::new(group.delimiter(), locate(group.stream(), at));
                located.set_span(group.span().located_at(at));
                tree = TokenTree::Group(located);
            } else {
                tree.set_span(tree.span().located_at(at));
            }
            tree
        })
        .collect()
}

/// Wraps every future a future-returning function hands back (its tail and its
/// `return`s) in the call's span.
struct WrapFuture<'a> {
    boxed: bool,
    hook: TokenStream,
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
        let traced = |future: &Expr| quote!(#krate::__private::Traced::new(#span, #future, #hook));
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
