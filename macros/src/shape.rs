//! What a function's work looks like to a span: done when it returns, or done when
//! the future it returns completes.

use syn::{GenericArgument, PathArguments, ReturnType, Signature, Type, TypeParamBound};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The work is done when the function returns.
    Sync,
    /// `async fn`: the body runs as a future.
    Async,
    /// A plain `fn` that returns `impl Future` (traced from the call until the future
    /// completes). `boxed` when it returns `Pin<Box<dyn Future>>`, as
    /// `#[async_trait]` expansions do.
    Future { boxed: bool },
}

pub fn shape(sig: &Signature) -> Shape {
    if sig.asyncness.is_some() {
        return Shape::Async;
    }
    match &sig.output {
        ReturnType::Type(_, ty) if future_output(ty).is_some() => Shape::Future {
            boxed: !matches!(**ty, Type::ImplTrait(_)),
        },
        _ => Shape::Sync,
    }
}

/// The type the caller finally gets from a function of this `shape`: the return
/// type, or a future's `Output`. `None` for no return type, or a future whose output
/// cannot be read off the signature (a `BoxFuture` alias, say).
pub fn final_output(sig: &Signature, shape: Shape) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    match shape {
        Shape::Future { .. } => future_output(ty).flatten(),
        _ => Some(ty),
    }
}

/// Whether the caller gets `()` or `!` (`output`, from [`final_output`]): nothing
/// to record.
pub fn returns_nothing(sig: &Signature, output: Option<&Type>) -> bool {
    match (&sig.output, output) {
        (ReturnType::Default, _) => true,
        (_, Some(Type::Tuple(t))) => t.elems.is_empty(),
        (_, Some(Type::Never(_))) => true,
        _ => false,
    }
}

/// For a future type: `Some(Some(output))`, or `Some(None)` when its output cannot be
/// read off (a `BoxFuture` alias, say). `None` for other types.
fn future_output(ty: &Type) -> Option<Option<&Type>> {
    match ty {
        Type::ImplTrait(t) => bounds_output(&t.bounds),
        Type::Paren(t) => future_output(&t.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            let args = match &last.arguments {
                PathArguments::AngleBracketed(a) => &a.args,
                _ => return None,
            };
            match last.ident.to_string().as_str() {
                "Pin" => args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(Type::Path(boxed))
                        if boxed.path.segments.last().is_some_and(|s| s.ident == "Box") =>
                    {
                        match &boxed.path.segments.last()?.arguments {
                            PathArguments::AngleBracketed(inner) => {
                                inner.args.iter().find_map(|a| match a {
                                    GenericArgument::Type(Type::TraitObject(dyn_ty)) => {
                                        bounds_output(&dyn_ty.bounds)
                                    }
                                    _ => None,
                                })
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }),
                "BoxFuture" | "LocalBoxFuture" => Some(args.iter().find_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })),
                _ => None,
            }
        }
        _ => None,
    }
}

fn bounds_output<'a>(
    bounds: impl IntoIterator<Item = &'a TypeParamBound>,
) -> Option<Option<&'a Type>> {
    bounds.into_iter().find_map(|bound| {
        let TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let output = match &last.arguments {
            PathArguments::AngleBracketed(a) => a.args.iter().find_map(|arg| match arg {
                GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
                _ => None,
            }),
            _ => None,
        };
        Some(output)
    })
}

/// Whether a type's last path segment is `Result` (`Result<T, E>`, `io::Result<T>`,
/// `anyhow::Result<T>`): how a `#[traced(record_err)] impl` picks its methods.
pub fn looks_like_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result"))
}
