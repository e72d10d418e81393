//! The item `#[traced]` is put on: a function (free, method, trait method) or an
//! `impl` block.

use proc_macro2::TokenStream;
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Block, ItemImpl, Signature, Token, Visibility};

pub enum Item {
    Fn(Function),
    Impl(ItemImpl),
}

/// A function with or without a body, as it may appear anywhere.
#[derive(Clone)]
pub struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
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
        let (body, semi) = if input.peek(Token![;]) {
            (None, Some(input.parse()?))
        } else {
            (Some(input.parse()?), None)
        };
        Ok(Item::Fn(Function {
            attrs,
            vis,
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
        self.body.to_tokens(tokens);
        self.semi.to_tokens(tokens);
    }
}

impl From<syn::ImplItemFn> for Function {
    fn from(f: syn::ImplItemFn) -> Self {
        Function {
            attrs: f.attrs,
            vis: f.vis,
            sig: f.sig,
            body: Some(f.block),
            semi: None,
        }
    }
}
