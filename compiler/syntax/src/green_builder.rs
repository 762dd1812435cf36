//! Building the green tree without rowan's node cache.
//!
//! `rowan::GreenNodeBuilder` interns every node of at most three children
//! whose children are interned too, and when its table grows it rehashes
//! each interned node by walking the node's whole subtree. A postfix chain
//! such as `r?.next?.next…` or `x!!!…` is interned to its full depth, so
//! building it took time quadratic in its length (29,000 `?.next`: 8 s).
//! Nodes are built here as they finish, unshared; tokens with short texts
//! (keywords, punctuation, spaces, names) are still shared, which is where
//! sharing saves memory.

use std::collections::HashMap;

use rowan::{GreenNode, GreenToken, NodeOrToken, SyntaxKind};

/// Token texts up to this long are shared.
const SHARED_TOKEN_LEN: usize = 16;

#[derive(Default)]
pub(crate) struct GreenBuilder {
    /// The nodes started and not finished: kind, and where their children
    /// begin in `children`.
    parents: Vec<(SyntaxKind, usize)>,
    children: Vec<NodeOrToken<GreenNode, GreenToken>>,
    /// Shared tokens by text (a text has a token per kind it occurs as).
    tokens: HashMap<Box<str>, Vec<GreenToken>>,
}

impl GreenBuilder {
    pub(crate) fn start_node(&mut self, kind: SyntaxKind) {
        self.parents.push((kind, self.children.len()));
    }

    /// Finishes the innermost started node (nothing when none is open).
    pub(crate) fn finish_node(&mut self) {
        let Some((kind, first)) = self.parents.pop() else {
            return;
        };
        let node = GreenNode::new(kind, self.children.drain(first..));
        self.children.push(NodeOrToken::Node(node));
    }

    pub(crate) fn token(&mut self, kind: SyntaxKind, text: &str) {
        let token = if text.len() > SHARED_TOKEN_LEN {
            GreenToken::new(kind, text)
        } else if let Some(t) = self
            .tokens
            .get(text)
            .and_then(|ts| ts.iter().find(|t| t.kind() == kind))
        {
            t.clone()
        } else {
            let t = GreenToken::new(kind, text);
            self.tokens.entry(text.into()).or_default().push(t.clone());
            t
        };
        self.children.push(NodeOrToken::Token(token));
    }

    /// The root: the one node left once every node is finished (the sink
    /// always starts one root and balances its nodes). Anything else left
    /// over is kept under a node of `fallback` kind rather than lost.
    pub(crate) fn finish(mut self, fallback: SyntaxKind) -> GreenNode {
        while !self.parents.is_empty() {
            self.finish_node();
        }
        if let [NodeOrToken::Node(root)] = self.children.as_slice() {
            return root.clone();
        }
        GreenNode::new(fallback, self.children)
    }
}
