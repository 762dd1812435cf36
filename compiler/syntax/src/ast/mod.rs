//! The typed AST: zero-cost wrappers over [`SyntaxNode`]s (rust-analyzer
//! style). Every getter returns an `Option` or an iterator because the tree may
//! come from erroneous input. Node structs live in [`nodes`], the sum types
//! (`Item`, `Stmt`, `Expr`, `Pattern`, `TypeRef`, …) in [`enums`], literal
//! decoding (integers, floats, escapes, triple-quoted dedent, bytes, role
//! text) in [`literals`].

pub mod enums;
pub mod literals;
pub mod nodes;
mod operators;

pub use enums::*;
pub use nodes::*;
pub use operators::*;

use crate::{SyntaxKind, SyntaxNode, SyntaxToken};

/// A typed view of a syntax node of one (or, for enums, several) kinds.
pub trait AstNode: Sized {
    fn can_cast(kind: SyntaxKind) -> bool;
    fn cast(node: SyntaxNode) -> Option<Self>;
    fn syntax(&self) -> &SyntaxNode;
}

/// First child node that casts to `N`.
pub(crate) fn child<N: AstNode>(parent: &SyntaxNode) -> Option<N> {
    parent.children().find_map(N::cast)
}

/// All child nodes that cast to `N`.
pub(crate) fn children<N: AstNode>(parent: &SyntaxNode) -> impl Iterator<Item = N> {
    parent.children().filter_map(N::cast)
}

/// First child token of `kind`.
pub(crate) fn token(parent: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    parent
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| t.kind() == kind)
}

/// First child node castable to `N` that comes after the first token for which
/// `is_marker` holds (e.g. the default value after `=`).
pub(crate) fn child_after<N: AstNode>(
    parent: &SyntaxNode,
    is_marker: impl Fn(&SyntaxToken) -> bool,
) -> Option<N> {
    let mut seen = false;
    for e in parent.children_with_tokens() {
        match e {
            rowan::NodeOrToken::Token(t) if !seen && is_marker(&t) => seen = true,
            rowan::NodeOrToken::Node(n) if seen => {
                if let Some(x) = N::cast(n) {
                    return Some(x);
                }
            }
            _ => {}
        }
    }
    None
}

/// Child nodes castable to `N` that come before the first token for which
/// `is_marker` holds.
pub(crate) fn child_before<N: AstNode>(
    parent: &SyntaxNode,
    is_marker: impl Fn(&SyntaxToken) -> bool,
) -> Option<N> {
    for e in parent.children_with_tokens() {
        match e {
            rowan::NodeOrToken::Token(t) if is_marker(&t) => return None,
            rowan::NodeOrToken::Node(n) => {
                if let Some(x) = N::cast(n) {
                    return Some(x);
                }
            }
            _ => {}
        }
    }
    None
}

/// The documentation of a declaration: the text inside a fenced block
/// (```` ``` ````) that directly precedes it (syntax.md §1), if any.
pub fn doc_comment(node: &SyntaxNode) -> Option<String> {
    let mut newlines = 0;
    let mut prev = node.first_token()?.prev_token();
    while let Some(t) = prev {
        match t.kind() {
            SyntaxKind::WHITESPACE => {}
            SyntaxKind::NEWLINE => {
                newlines += 1;
                // A blank line separates the doc block from the declaration.
                if newlines > 1 {
                    return None;
                }
            }
            SyntaxKind::DOC_COMMENT => {
                let text = t.text();
                let body = text.split_once('\n').map_or("", |(_, rest)| rest);
                let body = body.rsplit_once('\n').map_or("", |(b, _)| b);
                return Some(body.to_string());
            }
            _ => return None,
        }
        prev = t.prev_token();
    }
    None
}

pub(crate) fn is_kind(kind: SyntaxKind) -> impl Fn(&SyntaxToken) -> bool {
    move |t| t.kind() == kind
}

pub(crate) fn is_word(word: &'static str) -> impl Fn(&SyntaxToken) -> bool {
    move |t| t.kind() == SyntaxKind::IDENT && t.text() == word
}

#[cfg(test)]
mod tests;
