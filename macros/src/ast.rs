//! The item `#[traced]` is put on: a function (free, method, trait method) or an
//! `impl` block.

use proc_macro2::TokenStream;
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{braced, AttrStyle, Attribute, Block, ItemImpl, Signature, Token, Visibility};

pub enum Item {
    Fn(Function),
    Impl(ItemImpl),
}

/// A function with or without a body, as it may appear anywhere.
#[derive(Clone)]
pub struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// The body's inner attributes (`#![allow(..)]`): they stay at its top.
    pub inner: Vec<Attribute>,
    pub sig: Signature,
    pub body: Option<Block>,
    pub semi: Option<Token![;]>,
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let fork = input.fork();
        fork.call(Attribute::parse_outer)?;
        fork.parse::<Visibility>()?;
        if fork.peek(Token![impl]) || (fork.peek(Token![unsafe]) && fork.peek2(Token![impl])) {
            return input.parse().map(Item::Impl);
        }
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig: Signature = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "#[traced] goes on a function, a method, or an `impl` block",
            )
        })?;
        let (mut inner, mut body, mut semi) = (Vec::new(), None, None);
        if input.peek(Token![;]) {
            semi = Some(input.parse()?);
        } else {
            let content;
            let brace_token = braced!(content in input);
            inner = content.call(Attribute::parse_inner)?;
            let stmts = content.call(Block::parse_within)?;
            body = Some(Block { brace_token, stmts });
        }
        Ok(Item::Fn(Function {
            attrs,
            vis,
            inner,
            sig,
            body,
            semi,
        }))
    }
}

impl ToTokens for Function {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append_all(&self.attrs);
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        if let Some(body) = &self.body {
            body.brace_token.surround(tokens, |tokens| {
                tokens.append_all(&self.inner);
                tokens.append_all(&body.stmts);
            });
        }
        self.semi.to_tokens(tokens);
    }
}

impl From<syn::ImplItemFn> for Function {
    fn from(f: syn::ImplItemFn) -> Self {
        let (inner, attrs) = f
            .attrs
            .into_iter()
            .partition(|attr| matches!(attr.style, AttrStyle::Inner(_)));
        Function {
            attrs,
            inner,
            vis: f.vis,
            sig: f.sig,
            body: Some(f.block),
            semi: None,
        }
    }
}
