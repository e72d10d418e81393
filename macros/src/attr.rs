//! Parsing `#[traced(...)]` options into a typed model. Every problem becomes a
//! `syn::Error` at the offending token; all of them are reported together.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Expr, Ident, LitStr, Path, Token};

pub mod suggest;

pub const VALID: &str =
    "valid options: name = \"...\", kind = internal|server|client|producer|consumer, \
attrs(key = expr, ...), baggage(key, ...), skip(arg, ...), skip_all, record_err, record_err(Debug), ret, \
parent = expr, root, links(expr, ...), metrics, metrics(attrs(key = expr, ...)), crate = path, off";

/// Every option's name, as `parse_one` reads it.
const OPTIONS: [&str; 14] = [
    "name",
    "kind",
    "attrs",
    "baggage",
    "skip",
    "skip_all",
    "record_err",
    "ret",
    "parent",
    "root",
    "links",
    "metrics",
    "crate",
    "off",
];

/// What to say about an option `#[traced]` does not have: a near miss, another
/// instrumentation's name for one of ours, or a concept that has no option here.
fn unknown_option(text: &str) -> String {
    let hint = match text {
        "level" => {
            return "#[traced] has no `level`: OpenTelemetry spans have none, and the sampler \
                    (`OTEL_TRACES_SAMPLER`) chooses which calls are recorded; remove it"
                .to_owned();
        }
        "target" => {
            return "#[traced] has no `target`: a span belongs to the instrumentation scope \
                    of its crate (`CARGO_PKG_NAME`); remove it"
                .to_owned();
        }
        "err" | "error" | "errors" => Some("did you mean `record_err`?".to_owned()),
        "fields" | "field" | "attributes" => Some("did you mean `attrs`?".to_owned()),
        "follows_from" => Some("did you mean `links`?".to_owned()),
        "metric" | "timed" | "counted" | "autometrics" => {
            Some("did you mean `metrics`?".to_owned())
        }
        _ => suggest::did_you_mean(text, OPTIONS),
    };
    format!(
        "unknown option `{text}`; {}",
        hint.as_deref().unwrap_or(VALID)
    )
}

/// The options of one `#[traced(...)]`.
#[derive(Default, Clone)]
pub struct Options {
    pub name: Option<LitStr>,
    pub kind: Option<Kind>,
    pub attrs: Vec<Attr>,
    /// `baggage(key, ...)`: baggage entries copied onto the span.
    pub baggage: Vec<Key>,
    pub skip: Vec<Ident>,
    pub skip_all: Option<Span>,
    pub record_err: Option<ErrFormat>,
    pub ret: Option<Span>,
    pub parent: Option<Expr>,
    pub root: Option<Span>,
    pub links: Option<Vec<Expr>>,
    pub krate: Option<Path>,
    pub off: Option<Span>,
    /// `metrics` or `metrics(attrs(...))`: a duration histogram of every call.
    pub metrics: Option<Metrics>,
    /// The option names as written, in order: where later checks point.
    pub given: Vec<Ident>,
}

/// `record_err` or `record_err(Debug)`, with the option's span for diagnostics.
#[derive(Clone, Copy)]
pub struct ErrFormat {
    pub debug: bool,
    pub span: Span,
}

/// An attribute or baggage key: `user.id`, `r#type`, `"http.route"`.
#[derive(Clone)]
pub struct Key {
    pub text: String,
    /// The key's tokens (`user`, `.`, `id`), so errors underline all of it.
    pub tokens: TokenStream,
}

/// One `attrs(key = expr)` entry.
#[derive(Clone)]
pub struct Attr {
    pub key: String,
    /// The key's tokens (`user`, `.`, `id`), so errors underline all of it.
    pub key_tokens: TokenStream,
    pub value: Expr,
}

/// `metrics(...)`: the attributes of the call's measurement.
#[derive(Clone)]
pub struct Metrics {
    pub span: Span,
    pub attrs: Vec<MetricAttr>,
    /// Not written: every function is measured (the `metrics-everywhere`
    /// feature), recording only while the setup turns that on.
    pub implicit: bool,
}

impl Metrics {
    /// The measurement a function without `metrics` gets with the
    /// `metrics-everywhere` feature.
    pub fn implicit() -> Metrics {
        Metrics {
            span: Span::call_site(),
            attrs: Vec::new(),
            implicit: true,
        }
    }
}

/// One `metrics(attrs(key = expr))` entry; `key = bounded(arg)` records an
/// argument, which only that opt-in allows.
#[derive(Clone)]
pub struct MetricAttr {
    pub key: String,
    pub key_tokens: TokenStream,
    pub value: Expr,
    /// `bounded(...)` was written around the value.
    pub bounded: bool,
}

/// A span kind, as `kind = ...` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl Kind {
    /// Every kind, with the word that names it.
    const ALL: [(&'static str, Kind); 5] = [
        ("internal", Kind::Internal),
        ("server", Kind::Server),
        ("client", Kind::Client),
        ("producer", Kind::Producer),
        ("consumer", Kind::Consumer),
    ];

    fn named(word: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, kind)| *kind)
    }

    fn words() -> String {
        let words: Vec<&str> = Kind::ALL.iter().map(|(name, _)| *name).collect();
        words.join(", ")
    }

    /// The `opentelemetry::trace::SpanKind` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Kind::Internal => "Internal",
            Kind::Server => "Server",
            Kind::Client => "Client",
            Kind::Producer => "Producer",
            Kind::Consumer => "Consumer",
        }
    }
}

impl Options {
    /// The options that could be read, and every error found on the way: later
    /// checks still run on the partial options, so one compile shows every mistake.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Options {
        let mut options = Options::default();
        let parsed = (|input: ParseStream| {
            parse_options(input, &mut options, errors);
            // After an error that stops the reading, the rest is not reported again.
            input.parse::<TokenStream>().map(drop)
        })
        .parse2(tokens);
        if let Err(e) = parsed {
            errors.push(e);
        }
        options
    }
}

fn parse_options(input: ParseStream, options: &mut Options, errors: &mut Errors) {
    while !input.is_empty() {
        let Ok(key) = input.call(Ident::parse_any) else {
            errors.push(input.error(format!("expected an option name; {VALID}")));
            return;
        };
        let text = key.to_string();
        if options.given.iter().any(|given| *given == text) {
            errors.push(syn::Error::new(
                key.span(),
                format!("`{text}` is given more than once; give each option at most once"),
            ));
        }
        options.given.push(key.clone());
        if let Err(e) = parse_one(options, &key, &text, input) {
            errors.push(e);
            skip_to_comma(input);
        }
        if input.is_empty() {
            return;
        }
        if input.parse::<Token![,]>().is_err() {
            errors.push(input.error("expected `,` between options"));
            return;
        }
    }
}

/// `=` after an option that takes a value, with a hint at the form when missing.
fn expect_eq(input: ParseStream, span: Span, form: &str) -> syn::Result<()> {
    input
        .parse::<Token![=]>()
        .map(drop)
        .map_err(|_| syn::Error::new(span, format!("write this option as `{form}`")))
}

fn parse_one(
    options: &mut Options,
    key: &Ident,
    text: &str,
    input: ParseStream,
) -> syn::Result<()> {
    let span = key.span();
    match text {
        "name" => {
            expect_eq(input, span, "name = \"...\"")?;
            let name: LitStr = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`name` takes a string literal: `name = \"fetch user\"`",
                )
            })?;
            if name.value().is_empty() {
                return Err(syn::Error::new(
                    name.span(),
                    "the span name cannot be empty",
                ));
            }
            options.name = Some(name);
        }
        "kind" => {
            expect_eq(input, span, "kind = server")?;
            let word = input.call(Ident::parse_any).map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!(
                        "`kind` takes a bare word, one of {}: `kind = server`",
                        Kind::words()
                    ),
                )
            })?;
            let text = word.to_string();
            let kind = Kind::named(&text).ok_or_else(|| {
                let hint = suggest::did_you_mean(&text, Kind::ALL.map(|(name, _)| name))
                    .unwrap_or_else(|| format!("expected one of {}", Kind::words()));
                syn::Error::new(word.span(), format!("unknown span kind `{text}`; {hint}"))
            })?;
            options.kind = Some(kind);
        }
        "attrs" => {
            let content;
            parenthesized!(content in input);
            let entries =
                Punctuated::<Attr, Token![,]>::parse_terminated_with(&content, parse_attr)?;
            options.attrs = entries.into_iter().collect();
        }
        "baggage" => {
            let content;
            parenthesized!(content in input);
            let keys = Punctuated::<Key, Token![,]>::parse_terminated_with(&content, parse_key)?;
            if keys.is_empty() {
                return Err(syn::Error::new(
                    span,
                    "`baggage` needs the entries to copy: `baggage(tenant.id)`",
                ));
            }
            options.baggage = keys.into_iter().collect();
        }
        "skip" => {
            let content;
            parenthesized!(content in input);
            let names =
                Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
            if names.is_empty() {
                return Err(syn::Error::new(
                    span,
                    "`skip` needs the arguments to leave out: `skip(password)`",
                ));
            }
            options.skip = names.into_iter().collect();
        }
        "record_err" => {
            let mut debug = false;
            if input.peek(syn::token::Paren) {
                let content;
                parenthesized!(content in input);
                let format: Ident = content.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`record_err` takes `Debug` or `Display`: `record_err(Debug)`",
                    )
                })?;
                match format.to_string().as_str() {
                    "Debug" => debug = true,
                    "Display" => {}
                    other => {
                        let message = match suggest::did_you_mean(other, ["Debug", "Display"]) {
                            Some(hint) => format!("unknown format `{other}` for `record_err`; {hint}"),
                            None => "`record_err` formats the error with `Display` (the default) or `Debug`: `record_err(Debug)`".to_owned(),
                        };
                        return Err(syn::Error::new(format.span(), message));
                    }
                }
                if !content.is_empty() {
                    content.parse::<Token![,]>()?;
                    let rest: TokenStream = content.parse()?;
                    return Err(syn::Error::new_spanned(
                        rest,
                        "`record_err` takes one format: `Debug` or `Display`",
                    ));
                }
            }
            options.record_err = Some(ErrFormat { debug, span });
        }
        "parent" => {
            expect_eq(input, span, "parent = expr")?;
            options.parent = Some(input.parse()?);
        }
        "links" => {
            let content;
            parenthesized!(content in input);
            let links = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
            options.links = Some(links.into_iter().collect());
        }
        "crate" => {
            expect_eq(input, span, "crate = path::to::traced")?;
            let path = input.call(Path::parse_mod_style).map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`crate` takes the path where the runtime is: `crate = my_crate::traced`",
                )
            })?;
            options.krate = Some(path);
        }
        "metrics" => options.metrics = Some(parse_metrics(span, input)?),
        "skip_all" => options.skip_all = Some(flag(span, text, input)?),
        "ret" => options.ret = Some(flag(span, text, input)?),
        "root" => options.root = Some(flag(span, text, input)?),
        "off" => options.off = Some(flag(span, text, input)?),
        _ => return Err(syn::Error::new(span, unknown_option(text))),
    }
    Ok(())
}

fn flag(span: Span, text: &str, input: ParseStream) -> syn::Result<Span> {
    if input.is_empty() || input.peek(Token![,]) {
        return Ok(span);
    }
    let fork = input.fork();
    let mut value = TokenStream::new();
    while !fork.is_empty() && !fork.peek(Token![,]) {
        value.extend([fork.parse::<TokenTree>()?]);
    }
    Err(syn::Error::new_spanned(
        value,
        format!("`{text}` takes no value: write just `{text}`"),
    ))
}

fn parse_key(input: ParseStream) -> syn::Result<Key> {
    let mut tokens = TokenStream::new();
    let (text, span) = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        lit.to_tokens(&mut tokens);
        (lit.value(), lit.span())
    } else {
        let first = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a key: a name, a dotted path or a string",
            )
        })?;
        first.to_tokens(&mut tokens);
        let mut text = first.unraw().to_string();
        while input.peek(Token![.]) {
            let dot: Token![.] = input.parse()?;
            let part = input.call(Ident::parse_any)?;
            dot.to_tokens(&mut tokens);
            part.to_tokens(&mut tokens);
            text.push('.');
            text.push_str(&part.unraw().to_string());
        }
        (text, first.span())
    };
    if text.is_empty() {
        return Err(syn::Error::new(span, "a key cannot be empty"));
    }
    Ok(Key { text, tokens })
}

fn parse_attr(input: ParseStream) -> syn::Result<Attr> {
    let Key {
        text: key,
        tokens: key_tokens,
    } = parse_key(input)?;
    if !input.peek(Token![=]) {
        return Err(syn::Error::new_spanned(
            key_tokens,
            format!("give `{key}` a value: `attrs({key} = expr)`"),
        ));
    }
    input.parse::<Token![=]>()?;
    let value = input.parse()?;
    Ok(Attr {
        key,
        key_tokens,
        value,
    })
}

const METRICS_FORM: &str =
    "`metrics` takes `attrs(key = expr, ...)`: `metrics(attrs(cache = \"users\"))`";

fn parse_metrics(span: Span, input: ParseStream) -> syn::Result<Metrics> {
    let mut metrics = Metrics {
        span,
        attrs: Vec::new(),
        implicit: false,
    };
    if !input.peek(syn::token::Paren) {
        flag(span, "metrics", input)?;
        return Ok(metrics);
    }
    let content;
    parenthesized!(content in input);
    let read = read_metrics(&content, &mut metrics);
    if read.is_err() {
        // The rest is not reported again.
        let _ = content.parse::<TokenStream>();
    }
    read.map(|()| metrics)
}

fn read_metrics(content: ParseStream, metrics: &mut Metrics) -> syn::Result<()> {
    while !content.is_empty() {
        let word = content
            .call(Ident::parse_any)
            .map_err(|e| syn::Error::new(e.span(), METRICS_FORM))?;
        if word != "attrs" {
            let hint = suggest::did_you_mean(&word.to_string(), ["attrs"])
                .unwrap_or_else(|| METRICS_FORM.to_owned());
            return Err(syn::Error::new(
                word.span(),
                format!("unknown `metrics` option `{word}`; {hint}"),
            ));
        }
        if !metrics.attrs.is_empty() {
            return Err(syn::Error::new(
                word.span(),
                "`attrs` is given more than once in `metrics`; list every attribute in one",
            ));
        }
        let inner;
        parenthesized!(inner in content);
        let entries = Punctuated::<Attr, Token![,]>::parse_terminated_with(&inner, parse_attr)?;
        if entries.is_empty() {
            return Err(syn::Error::new(word.span(), METRICS_FORM));
        }
        metrics.attrs = entries.into_iter().map(metric_attr).collect();
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(())
}

/// An `attrs` entry of `metrics`, with a `bounded(...)` around its value taken off.
fn metric_attr(attr: Attr) -> MetricAttr {
    let Attr {
        key,
        key_tokens,
        value,
    } = attr;
    if let Expr::Call(call) = &value {
        if let (Expr::Path(path), 1) = (&*call.func, call.args.len()) {
            if path.qself.is_none() && path.path.is_ident("bounded") {
                return MetricAttr {
                    key,
                    key_tokens,
                    value: call.args[0].clone(),
                    bounded: true,
                };
            }
        }
    }
    MetricAttr {
        key,
        key_tokens,
        value,
        bounded: false,
    }
}

/// After a bad option, skips the rest of it so the following options are still read.
fn skip_to_comma(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// Collects errors so that one compile reports all of them.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn into_tokens(self) -> TokenStream {
        self.0.map(|e| e.to_compile_error()).unwrap_or_default()
    }

    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_error(tokens: &str) -> String {
        let mut errors = Errors::default();
        Options::parse(tokens.parse().unwrap(), &mut errors);
        errors
            .finish(())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn every_suggested_option_is_one_the_parser_reads() {
        for name in OPTIONS {
            let error = first_error(name);
            assert!(!error.contains("unknown option"), "{name}: {error}");
        }
    }

    #[test]
    fn a_near_miss_names_the_option() {
        assert_eq!(
            first_error("parnet = cx"),
            "unknown option `parnet`; did you mean `parent`?"
        );
        assert_eq!(
            first_error("Skip(a)"),
            "unknown option `Skip`; did you mean `skip`?"
        );
    }

    #[test]
    fn another_instrumentations_name_is_translated() {
        assert_eq!(
            first_error("err"),
            "unknown option `err`; did you mean `record_err`?"
        );
        assert_eq!(
            first_error("fields(a = 1)"),
            "unknown option `fields`; did you mean `attrs`?"
        );
    }

    #[test]
    fn an_unrelated_name_lists_the_options() {
        assert_eq!(
            first_error("verbose"),
            format!("unknown option `verbose`; {VALID}")
        );
    }
}
