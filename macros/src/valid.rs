//! Checks that need both the options and the function.

use crate::attr::{suggest, Errors};
use crate::model::Instrumented;
use crate::shape::Shape;
use syn::Ident;

/// Everything wrong with putting these options on this function, added to `errors`.
pub fn check(item: &Instrumented, in_impl: bool, errors: &mut Errors) {
    let (f, options) = (item.f, item.options);
    let sig = &f.sig;
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            "#[traced] cannot instrument a `const fn`: a span is started and ended at run \
             time, which a const context does not allow; remove `const` or the attribute",
        ));
    }
    if f.body.is_none() {
        errors.push(syn::Error::new(
            sig.ident.span(),
            "#[traced] needs a function with a body; put it on the implementations of this \
             function instead",
        ));
    }
    if let (Some(off), false) = (options.off, in_impl) {
        errors.push(syn::Error::new(
            off,
            "`off` leaves a method of a `#[traced] impl` uninstrumented; on its own, remove the attribute instead",
        ));
    }
    if let (Some(root), Some(_)) = (options.root, &options.parent) {
        errors.push(syn::Error::new(
            root,
            "`root` contradicts `parent`: a root span has no parent; keep one of them",
        ));
    }
    if let (Some(_), Some(first)) = (options.skip_all, options.skip.first()) {
        errors.push(syn::Error::new(
            first.span(),
            "`skip_all` already leaves out every argument; remove `skip(...)` or `skip_all`",
        ));
    }
    for skipped in &options.skip {
        if skipped == "self" {
            errors.push(syn::Error::new(
                skipped.span(),
                "`self` is never recorded; remove it from `skip`",
            ));
        } else if !item.facts.params.contains(skipped) {
            errors.push(syn::Error::new(
                skipped.span(),
                not_a_parameter(&skipped.to_string(), &sig.ident, &item.facts.params),
            ));
        }
    }
    if item.facts.returns_nothing {
        let what = "returns nothing to record";
        if let Some(err) = options.record_err {
            errors.push(syn::Error::new(
                err.span,
                format!(
                    "`record_err` needs a function that returns a `Result`, but `{}` {what}",
                    sig.ident
                ),
            ));
        }
        if let Some(ret) = options.ret {
            errors.push(syn::Error::new(
                ret,
                format!(
                    "`ret` records the returned value, but `{}` {what}",
                    sig.ident
                ),
            ));
        }
    }
    let track_caller = f.attrs.iter().any(|a| a.path().is_ident("track_caller"));
    if track_caller && item.facts.shape == Shape::Sync {
        if let Some(metrics) = &options.metrics {
            errors.push(syn::Error::new(
                metrics.span,
                "`metrics` cannot be used on a `#[track_caller]` function: timing it moves \
                 the body into a closure, and panics in it would report the wrong caller \
                 location",
            ));
        }
        let inspects = options.record_err.map(|e| e.span).or(options.ret);
        if let Some(span) = inspects {
            errors.push(syn::Error::new(
                span,
                "`record_err` and `ret` cannot be used on a `#[track_caller]` function: reading \
                 the result would move the body into a closure, and panics in it would report \
                 the wrong caller location",
            ));
        }
    }
    check_metrics(item, errors);
    let recorded: Vec<String> = item
        .recorded
        .iter()
        .map(|n| syn::ext::IdentExt::unraw(n).to_string())
        .collect();
    for (i, attr) in options.attrs.iter().enumerate() {
        let key = &attr.key;
        if options.attrs[..i].iter().any(|earlier| earlier.key == *key) {
            errors.push(syn::Error::new_spanned(
                &attr.key_tokens,
                format!("attribute `{key}` is given twice"),
            ));
        } else if recorded.contains(key) {
            errors.push(syn::Error::new_spanned(
                &attr.key_tokens,
                format!("attribute `{key}` is also the name of a recorded argument; rename it, or add `skip({key})`"),
            ));
        }
    }
}

/// `metrics(attrs(...))`: keys given once and not the measurement's own, and no
/// argument recorded without `bounded(...)`.
fn check_metrics(item: &Instrumented, errors: &mut Errors) {
    let Some(metrics) = &item.options.metrics else {
        return;
    };
    const OWN: [&str; 4] = [
        "code.function.name",
        "error.type",
        "operation",
        "traced.cancelled",
    ];
    for (i, attr) in metrics.attrs.iter().enumerate() {
        let key = &attr.key;
        if metrics.attrs[..i].iter().any(|earlier| earlier.key == *key) {
            errors.push(syn::Error::new_spanned(
                &attr.key_tokens,
                format!("metric attribute `{key}` is given twice"),
            ));
        } else if OWN.contains(&key.as_str()) {
            errors.push(syn::Error::new_spanned(
                &attr.key_tokens,
                format!("`{key}` is set by the measurement itself; choose another key"),
            ));
        }
        if attr.bounded {
            continue;
        }
        let syn::Expr::Path(path) = &attr.value else {
            continue;
        };
        let Some(name) = path.path.get_ident() else {
            continue;
        };
        if name == "self" || item.facts.params.contains(name) {
            errors.push(syn::Error::new_spanned(
                &attr.value,
                format!(
                    "`{name}` is an argument: as a metric attribute, each distinct value it takes \
                     makes one more time series to store and query, for every function and \
                     outcome (an id or a free-form string can make millions). If it only ever \
                     takes a few values, say so: `metrics(attrs({key} = bounded({name})))`; to \
                     see it per call, keep it on the span, where arguments are recorded already"
                ),
            ));
        }
    }
}

/// `skip(x)`'s error: the parameters there are, and the one probably meant.
fn not_a_parameter(skipped: &str, function: &Ident, params: &[Ident]) -> String {
    let names: Vec<String> = params.iter().map(ToString::to_string).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let there = match names.as_slice() {
        [] => "which has none to skip".to_owned(),
        [only] => format!("whose only parameter is `{only}`"),
        all => format!("whose parameters are {}", suggest::quoted(all, "and")),
    };
    let message = format!("`{skipped}` is not a parameter of `{function}`, {there}");
    match suggest::did_you_mean(skipped, names) {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}
