//! Parser output: a flat list of events, later turned into a tree by the sink.

use crate::SyntaxKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) message: String,
    /// Byte range in the source.
    pub(crate) range: (u32, u32),
    pub(crate) label: Option<String>,
    pub(crate) help: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// Opens a node. `forward_parent` (an offset to a later `Start`) implements
    /// `CompletedMarker::precede`: that later node becomes this node's parent.
    /// A `Start` of kind `ERROR` with no parent that was abandoned is a tombstone.
    Start {
        kind: crate::SyntaxKind,
        forward_parent: Option<u32>,
    },
    Finish,
    /// Consumes the next significant token, giving it `kind` in the tree.
    Token {
        kind: SyntaxKind,
    },
    Error {
        err: ParseError,
    },
}

impl Event {
    pub(crate) fn tombstone() -> Event {
        Event::Start {
            kind: SyntaxKind::TOMBSTONE,
            forward_parent: None,
        }
    }
}
