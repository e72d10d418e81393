//! Parsing `#[traced(...)]` options into a typed model. Every problem becomes a
//! `syn::Error` at the offending token; all of them are reported together.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Expr, Ident, LitStr, Path, Token};

pub const VALID: &str =
    "valid options: name = \"...\", kind = internal|server|client|producer|consumer, \
attrs(key = expr, ...), skip(arg, ...), skip_all, record_err, record_err(Debug), ret, \
parent = expr, root, links(expr, ...), crate = path, off";

/// The options of one `#[traced(...)]`.
#[derive(Default, Clone)]
pub struct Options {
    pub name: Option<LitStr>,
    pub kind: Option<Ident>,
    pub attrs: Vec<Attr>,
    pub skip: Vec<Ident>,
    pub skip_all: Option<Span>,
    pub record_err: Option<ErrFormat>,
    pub ret: Option<Span>,
    pub parent: Option<Expr>,
    pub root: Option<Span>,
    pub links: Option<Vec<Expr>>,
    pub krate: Option<Path>,
    pub off: Option<Span>,
}

/// `record_err` or `record_err(Debug)`, with the option's span for diagnostics.
#[derive(Clone, Copy)]
pub struct ErrFormat {
    pub debug: bool,
    pub span: Span,
}

/// One `attrs(key = expr)` entry.
#[derive(Clone)]
pub struct Attr {
    pub key: String,
    pub key_span: Span,
    pub value: Expr,
}

pub const KINDS: [&str; 5] = ["internal", "server", "client", "producer", "consumer"];

impl Options {
    pub fn parse(tokens: TokenStream) -> syn::Result<Options> {
        (|input: ParseStream| parse_options(input)).parse2(tokens)
    }
}

fn parse_options(input: ParseStream) -> syn::Result<Options> {
    let mut options = Options::default();
    let mut errors = Errors::default();
    let mut seen: Vec<String> = Vec::new();
    while !input.is_empty() {
        let key = input.call(Ident::parse_any)?;
        let text = key.to_string();
        if seen.contains(&text) {
            errors.push(syn::Error::new(
                key.span(),
                format!("`{text}` is given more than once; give each option at most once"),
            ));
        }
        seen.push(text.clone());
        if let Err(e) = parse_one(&mut options, &key, &text, input) {
            errors.push(e);
            skip_to_comma(input);
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    errors.finish(options)
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
            input.parse::<Token![=]>()?;
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
            input.parse::<Token![=]>()?;
            let kind = input.call(Ident::parse_any)?;
            if !KINDS.contains(&kind.to_string().as_str()) {
                return Err(syn::Error::new(
                    kind.span(),
                    format!(
                        "unknown span kind `{kind}`; expected one of {}",
                        KINDS.join(", ")
                    ),
                ));
            }
            options.kind = Some(kind);
        }
        "attrs" => {
            let content;
            parenthesized!(content in input);
            let entries =
                Punctuated::<Attr, Token![,]>::parse_terminated_with(&content, parse_attr)?;
            options.attrs = entries.into_iter().collect();
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
                let format: Ident = content.parse()?;
                match format.to_string().as_str() {
                    "Debug" => debug = true,
                    "Display" => {}
                    _ => {
                        return Err(syn::Error::new(
                            format.span(),
                            "`record_err` formats the error with `Display` (the default) or `Debug`: `record_err(Debug)`",
                        ))
                    }
                }
                if !content.is_empty() {
                    return Err(
                        content.error("`record_err` takes one format: `Debug` or `Display`")
                    );
                }
            }
            options.record_err = Some(ErrFormat { debug, span });
        }
        "parent" => {
            input.parse::<Token![=]>()?;
            options.parent = Some(input.parse()?);
        }
        "links" => {
            let content;
            parenthesized!(content in input);
            let links = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
            options.links = Some(links.into_iter().collect());
        }
        "crate" => {
            input.parse::<Token![=]>()?;
            options.krate = Some(input.call(Path::parse_mod_style)?);
        }
        "skip_all" => options.skip_all = Some(flag(span, text, input)?),
        "ret" => options.ret = Some(flag(span, text, input)?),
        "root" => options.root = Some(flag(span, text, input)?),
        "off" => options.off = Some(flag(span, text, input)?),
        _ => {
            return Err(syn::Error::new(
                span,
                format!("unknown option `{text}`; {VALID}"),
            ))
        }
    }
    Ok(())
}

fn flag(span: Span, text: &str, input: ParseStream) -> syn::Result<Span> {
    if input.is_empty() || input.peek(Token![,]) {
        Ok(span)
    } else {
        Err(input.error(format!("`{text}` takes no value")))
    }
}

fn parse_attr(input: ParseStream) -> syn::Result<Attr> {
    let (key, key_span) = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        (lit.value(), lit.span())
    } else {
        let first = input.call(Ident::parse_any)?;
        let mut key = first.unraw().to_string();
        let mut span = first.span();
        while input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            let part = input.call(Ident::parse_any)?;
            key.push('.');
            key.push_str(&part.unraw().to_string());
            span = span.join(part.span()).unwrap_or(span);
        }
        (key, span)
    };
    if key.is_empty() {
        return Err(syn::Error::new(
            key_span,
            "an attribute key cannot be empty",
        ));
    }
    input.parse::<Token![=]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `key = value` in `attrs(...)`, as in `attrs(user.id = id)`",
        )
    })?;
    let value = input.parse()?;
    Ok(Attr {
        key,
        key_span,
        value,
    })
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

    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}
