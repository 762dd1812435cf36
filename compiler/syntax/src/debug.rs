//! A readable dump of a syntax tree in rust-analyzer's `.rast` style: one line
//! per node or token with kind and range, tokens with their text.

use crate::{SyntaxKind, SyntaxNode};
use rowan::WalkEvent;

/// `SOURCE_FILE@0..12` / `  IDENT@0..3 "foo"` lines, indented by depth.
pub fn debug_tree(node: &SyntaxNode) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for event in node.preorder_with_tokens() {
        match event {
            WalkEvent::Enter(element) => {
                out.push_str(&"  ".repeat(depth));
                match element {
                    rowan::NodeOrToken::Node(n) => {
                        out.push_str(&format!("{:?}@{:?}\n", n.kind(), n.text_range()));
                    }
                    rowan::NodeOrToken::Token(t) => {
                        let kind: SyntaxKind = t.kind();
                        out.push_str(&format!("{:?}@{:?} {:?}\n", kind, t.text_range(), t.text()));
                    }
                }
                depth += 1;
            }
            WalkEvent::Leave(_) => depth -= 1,
        }
    }
    out
}
