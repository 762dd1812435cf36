//! The sink: replays parser events over the full token list (trivia included)
//! to build the lossless rowan tree. Trivia before a node goes to its parent,
//! so nodes start at their first significant token.
//!
//! The sink also bounds the depth of the tree ([`MAX_TREE_DEPTH`]). The
//! parser limits its own recursion, but left-associative operators, `else if`
//! chains and postfix chains are parsed by loops, and each step nests the
//! tree one level deeper; every later stage walks the tree recursively.

use crate::green_builder::GreenBuilder;
use crate::lexer::LexedToken;
use crate::parser::Event;
use crate::SyntaxError;
use crate::SyntaxKind::{self, *};
use rowan::{GreenNode, TextRange, TextSize};

/// The deepest syntax tree accepted: about 10,000 terms of any chain and
/// a good margin more. The driver runs the compiler on a stack sized for it.
pub const MAX_TREE_DEPTH: u32 = 50_000;

pub(crate) fn build_tree(
    text: &str,
    tokens: &[LexedToken],
    mut events: Vec<Event>,
) -> (GreenNode, Vec<SyntaxError>) {
    let mut sink = Sink {
        text,
        tokens,
        pos: 0,
        offset: 0,
        builder: GreenBuilder::default(),
        depth: 0,
        too_deep_reported: false,
        root_started: false,
        errors: Vec::new(),
    };
    for i in 0..events.len() {
        match std::mem::replace(&mut events[i], Event::tombstone()) {
            Event::Start {
                kind,
                forward_parent,
            } => {
                // Collect the chain of nodes that `precede` put around this one;
                // the outermost starts first.
                let mut kinds = vec![kind];
                let mut idx = i;
                let mut fp = forward_parent;
                while let Some(offset) = fp {
                    idx += offset as usize;
                    fp = match std::mem::replace(&mut events[idx], Event::tombstone()) {
                        Event::Start {
                            kind,
                            forward_parent,
                        } => {
                            kinds.push(kind);
                            forward_parent
                        }
                        _ => None,
                    };
                }
                for kind in kinds.into_iter().rev() {
                    if kind != TOMBSTONE {
                        sink.start(kind);
                    }
                }
            }
            Event::Finish => sink.finish(),
            Event::Token { kind } => sink.token(kind),
            Event::Error { err } => sink.errors.push(SyntaxError {
                message: err.message,
                range: TextRange::new(
                    TextSize::from(err.range.0),
                    TextSize::from(err.range.1.max(err.range.0)),
                ),
                label: err.label,
                help: err.help,
            }),
        }
    }
    // Anything the parser never consumed (it always consumes everything) and
    // unbalanced nodes are tolerated rather than panicking.
    if !sink.root_started {
        sink.builder.start_node(SOURCE_FILE.into());
        sink.depth = 1;
    }
    if sink.depth > 0 {
        while sink.pos < tokens.len() {
            sink.raw_token(None);
        }
    }
    while sink.depth > 0 {
        sink.builder.finish_node();
        sink.depth -= 1;
    }
    (sink.builder.finish(SOURCE_FILE.into()), sink.errors)
}

struct Sink<'a> {
    text: &'a str,
    tokens: &'a [LexedToken],
    pos: usize,
    offset: usize,
    builder: GreenBuilder,
    depth: u32,
    /// The tree grew deeper than [`MAX_TREE_DEPTH`] (reported once).
    too_deep_reported: bool,
    root_started: bool,
    errors: Vec<SyntaxError>,
}

impl Sink<'_> {
    fn start(&mut self, kind: SyntaxKind) {
        if self.depth > 0 {
            self.trivia();
        } else if self.root_started {
            // A second root would make rowan panic; keep it inside the first.
            return;
        }
        self.root_started = true;
        self.builder.start_node(kind.into());
        self.depth += 1;
        if self.depth > MAX_TREE_DEPTH && !self.too_deep_reported {
            self.too_deep_reported = true;
            let at = TextSize::from(self.offset as u32);
            self.errors.push(SyntaxError {
                message: format!(
                    "this code is nested too deeply (more than {MAX_TREE_DEPTH} levels)"
                ),
                range: TextRange::new(at, at),
                label: Some("too deep here".to_string()),
                help: Some(
                    "split long chains of operators, `else if` or postfixes with `let` bindings or a `match`"
                        .to_string(),
                ),
            });
        }
    }

    fn finish(&mut self) {
        if self.depth == 1 {
            // The root owns all trailing trivia.
            while self.pos < self.tokens.len() {
                self.raw_token(None);
            }
        }
        if self.depth > 0 {
            self.builder.finish_node();
            self.depth -= 1;
        }
    }

    fn token(&mut self, kind: SyntaxKind) {
        self.trivia();
        if self.pos < self.tokens.len() {
            self.raw_token(Some(kind));
        }
    }

    fn trivia(&mut self) {
        while self.pos < self.tokens.len() && self.tokens[self.pos].kind.is_trivia() {
            self.raw_token(None);
        }
    }

    fn raw_token(&mut self, kind: Option<SyntaxKind>) {
        let tok = self.tokens[self.pos];
        let len = tok.len as usize;
        let text = &self.text[self.offset..self.offset + len];
        self.builder.token(kind.unwrap_or(tok.kind).into(), text);
        self.pos += 1;
        self.offset += len;
    }
}
