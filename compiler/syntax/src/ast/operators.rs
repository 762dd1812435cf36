//! Operator enums for expression nodes.

use crate::SyntaxKind::{self, *};

/// Binary operators (syntax.md §6), loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `~>`
    Compose,
    /// `|>`
    Pipe,
    /// `??`
    Coalesce,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    BitOr,
    BitXor,
    BitAnd,
    Shl,
    Shr,
    /// `++`
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Rem,
    /// `**`
    Pow,
}

impl BinaryOp {
    pub fn from_kind(kind: SyntaxKind) -> Option<BinaryOp> {
        use BinaryOp::*;
        Some(match kind {
            TILDE_GT => Compose,
            PIPE_GT => Pipe,
            QUESTION2 => Coalesce,
            OR_KW => Or,
            AND_KW => And,
            EQ2 => Eq,
            NEQ => Ne,
            LT => Lt,
            LTEQ => Le,
            GT => Gt,
            GTEQ => Ge,
            IN_KW => In,
            PIPE => BitOr,
            CARET => BitXor,
            AMP => BitAnd,
            SHL => Shl,
            SHR => Shr,
            PLUS2 => Concat,
            PLUS => Add,
            MINUS => Sub,
            STAR => Mul,
            SLASH => Div,
            SLASH2 => FloorDiv,
            PERCENT => Rem,
            STAR2 => Pow,
            _ => return None,
        })
    }

    /// `+=` → `Add`, …; `None` for plain `=`.
    pub fn from_compound_assign(kind: SyntaxKind) -> Option<BinaryOp> {
        use BinaryOp::*;
        Some(match kind {
            PLUSEQ => Add,
            MINUSEQ => Sub,
            STAREQ => Mul,
            SLASHEQ => Div,
            SLASH2EQ => FloorDiv,
            PERCENTEQ => Rem,
            STAR2EQ => Pow,
            AMPEQ => BitAnd,
            PIPEEQ => BitOr,
            CARETEQ => BitXor,
            _ => return None,
        })
    }

    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrefixOp {
    /// `-`
    Neg,
    /// `not`
    Not,
    /// `~`
    BitNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostfixOp {
    /// `!`
    Unwrap,
    /// `?`
    Propagate,
}
