//! Static types as the checker sees them (`spec/types.md` §1).
//!
//! Only the types the native slice compiles exist so far; the others are
//! reported as "not supported yet" by the checker rather than half-handled.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    Null,
    /// The type of expressions that never complete (`return`, `halt`, …).
    Never,
    /// A type that could not be determined; an error was already reported, so
    /// no further errors are reported about it.
    Error,
}

impl Type {
    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    /// Whether a value of this type is accepted where `expected` is wanted,
    /// possibly after Int → Float widening.
    pub fn fits(self, expected: Type) -> bool {
        self == expected
            || self == Type::Never
            || self == Type::Error
            || expected == Type::Error
            || (self == Type::Int && expected == Type::Float)
    }

    /// The least upper bound of two branch types, if they have one.
    pub fn join(self, other: Type) -> Option<Type> {
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Type::Never, t) | (t, Type::Never) => Some(t),
            (Type::Error, _) | (_, Type::Error) => Some(Type::Error),
            (Type::Int, Type::Float) | (Type::Float, Type::Int) => Some(Type::Float),
            _ => None,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Int => "Int",
            Type::Float => "Float",
            Type::Bool => "Bool",
            Type::Str => "String",
            Type::Null => "Null",
            Type::Never => "Never",
            Type::Error => "{unknown}",
        })
    }
}
