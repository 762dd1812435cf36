//! The builtin registry: every builtin function a program may call by name,
//! written once, with what the checker needs to know about it — which
//! checker family handles it, whether `spec/builtins.md` lists it, whether
//! `@deterministic true` rejects it, its arity (library builtins) and the
//! names of its parameters (for named arguments).
//!
//! The checker's families read their membership here instead of keeping
//! their own lists of names: adding a builtin is one row in [`BUILTINS`]
//! plus its typing rule and its runtime function. A name may belong to
//! several families (`contains` is a collection query and a string one);
//! the caller tries them in its own order.

/// Listed in `spec/builtins.md`: a name the language reserves; one that no
/// family handles gets a clear "not supported yet" error.
pub const SPEC: u8 = 1 << 0;
/// Checked directly by the call checker (`print`, `len`, `append`, JSON…).
pub const CORE: u8 = 1 << 1;
/// A library builtin: a [`crate::library::LibOp`] chosen by argument types.
pub const LIBRARY: u8 = 1 << 2;
/// Results and nulls (`unwrap`, `map_ok`, …).
pub const RESULT: u8 = 1 << 3;
/// Takes a function (`map`, `filter`, `sort_by`, …).
pub const HIGHER_ORDER: u8 = 1 << 4;
/// Maps and sets (`keys`, `union`, …).
pub const COLLECTION: u8 = 1 << 5;
/// Its result depends on the outside world: rejected under
/// `@deterministic true` (async.md §4).
pub const NONDETERMINISTIC: u8 = 1 << 6;

const NONE: u8 = 0;

/// One builtin.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    /// A set of the flags above.
    pub kinds: u8,
    /// `(min, max)` arguments of a library builtin (`max` `None`: any number).
    pub arity: (usize, Option<usize>),
    /// The names of its parameters by position; a position may have several
    /// names (overloads name it differently). Empty: no named arguments.
    pub params: &'static [&'static [&'static str]],
}

const BASE: Builtin = Builtin {
    name: "",
    kinds: NONE,
    arity: (1, Some(1)),
    params: &[],
};

/// Every builtin, in the order of `spec/builtins.md`'s sections.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "print",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "eprint",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "to_string",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "string",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "to_int",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "to_float",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "parse_int",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "parse_float",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "type_of",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "debug",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "len",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "length",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "upper",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "lower",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "trim",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "trim_start",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "trim_end",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "capitalize",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "split",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["s"], &["sep"]],
        ..BASE
    },
    Builtin {
        name: "lines",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "join",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["sep"]],
        ..BASE
    },
    Builtin {
        name: "replace",
        kinds: SPEC | LIBRARY,
        arity: (3, Some(3)),
        params: &[&["s"], &["from"], &["to"]],
        ..BASE
    },
    Builtin {
        name: "contains",
        kinds: SPEC | LIBRARY | COLLECTION,
        arity: (2, Some(2)),
        params: &[&["s", "xs"], &["sub", "x"]],
        ..BASE
    },
    Builtin {
        name: "starts_with",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["s"], &["p", "prefix"]],
        ..BASE
    },
    Builtin {
        name: "ends_with",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["s"], &["p", "suffix"]],
        ..BASE
    },
    Builtin {
        name: "index_of",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["s", "xs"], &["sub", "x"]],
        ..BASE
    },
    Builtin {
        name: "slice",
        kinds: SPEC | LIBRARY,
        arity: (3, Some(3)),
        params: &[&["s", "xs"], &["start"], &["end"]],
        ..BASE
    },
    Builtin {
        name: "chars",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "bytes",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "from_utf8",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "pad_left",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(3)),
        params: &[&["s"], &["width"], &["fill"]],
        ..BASE
    },
    Builtin {
        name: "pad_right",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(3)),
        params: &[&["s"], &["width"], &["fill"]],
        ..BASE
    },
    Builtin {
        name: "repeat",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["s"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "reverse",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "format",
        kinds: SPEC | LIBRARY,
        arity: (1, None),
        ..BASE
    },
    Builtin {
        name: "abs",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "min",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(2)),
        params: &[&["a", "xs"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "max",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(2)),
        params: &[&["a", "xs"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "clamp",
        kinds: SPEC | LIBRARY,
        arity: (3, Some(3)),
        params: &[&["x"], &["lo"], &["hi"]],
        ..BASE
    },
    Builtin {
        name: "sum",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "product",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "floor",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "ceil",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "round",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "trunc",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "sqrt",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "exp",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "log",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "log2",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "log10",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "sin",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "cos",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "tan",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "atan2",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["y"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "pow",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "is_nan",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "is_inf",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "is_empty",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "append",
        kinds: SPEC | CORE,
        params: &[&["xs"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "prepend",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "insert",
        kinds: SPEC | LIBRARY,
        arity: (3, Some(3)),
        params: &[&["xs"], &["i"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "remove_at",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["i"]],
        ..BASE
    },
    Builtin {
        name: "concat",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["ys"]],
        ..BASE
    },
    Builtin {
        name: "first",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "last",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "take",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "drop",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "sort",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "sort_by",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["key"]],
        ..BASE
    },
    Builtin {
        name: "sort_with",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["cmp"]],
        ..BASE
    },
    Builtin {
        name: "unique",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "flatten",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "range",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(3)),
        params: &[&["a"], &["b"], &["step"]],
        ..BASE
    },
    Builtin {
        name: "zip",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["ys"]],
        ..BASE
    },
    Builtin {
        name: "enumerate",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "chunk",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "window",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "map",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "filter",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "reduce",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["f"], &["init"]],
        ..BASE
    },
    Builtin {
        name: "fold",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["f"], &["init"]],
        ..BASE
    },
    Builtin {
        name: "flat_map",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "any",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "all",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "find",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "position",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "count",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "partition",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "group_by",
        kinds: SPEC | HIGHER_ORDER,
        params: &[&["xs"], &["key"]],
        ..BASE
    },
    Builtin {
        name: "keys",
        kinds: SPEC | COLLECTION,
        ..BASE
    },
    Builtin {
        name: "values",
        kinds: SPEC | COLLECTION,
        ..BASE
    },
    Builtin {
        name: "entries",
        kinds: SPEC | COLLECTION,
        ..BASE
    },
    Builtin {
        name: "has_key",
        kinds: SPEC | COLLECTION,
        params: &[&["m"], &["k"]],
        ..BASE
    },
    Builtin {
        name: "get",
        kinds: SPEC | COLLECTION,
        params: &[&["m"], &["k"], &["default"]],
        ..BASE
    },
    Builtin {
        name: "merge",
        kinds: SPEC | COLLECTION,
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "remove",
        kinds: SPEC | COLLECTION,
        params: &[&["m", "s"], &["k", "x"]],
        ..BASE
    },
    Builtin {
        name: "to_set",
        kinds: SPEC | COLLECTION,
        ..BASE
    },
    Builtin {
        name: "to_list",
        kinds: SPEC | COLLECTION,
        ..BASE
    },
    Builtin {
        name: "add",
        kinds: SPEC | COLLECTION,
        params: &[&["s"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "union",
        kinds: SPEC | COLLECTION,
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "intersection",
        kinds: SPEC | COLLECTION,
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "difference",
        kinds: SPEC | COLLECTION,
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "is_ok",
        kinds: SPEC | RESULT,
        ..BASE
    },
    Builtin {
        name: "is_err",
        kinds: SPEC | RESULT,
        ..BASE
    },
    Builtin {
        name: "unwrap",
        kinds: SPEC | RESULT,
        ..BASE
    },
    Builtin {
        name: "unwrap_or",
        kinds: SPEC | RESULT,
        params: &[&["r", "x"], &["d", "default"]],
        ..BASE
    },
    Builtin {
        name: "unwrap_err",
        kinds: SPEC | RESULT,
        ..BASE
    },
    Builtin {
        name: "map_ok",
        kinds: SPEC | RESULT,
        params: &[&["r"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "map_err",
        kinds: SPEC | RESULT,
        params: &[&["r"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "assert",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(2)),
        params: &[&["cond"], &["msg"]],
        ..BASE
    },
    Builtin {
        name: "assert_eq",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "assert_ne",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "json_parse",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "json_encode",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "json_pretty",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "from_json",
        kinds: SPEC,
        ..BASE
    },
    Builtin {
        name: "sha256",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "base64_encode",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "base64_decode",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "hex_encode",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "hex_decode",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "url_encode",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "url_decode",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "args",
        kinds: SPEC | LIBRARY,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "env",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "exit",
        kinds: SPEC | CORE,
        ..BASE
    },
    Builtin {
        name: "read_file",
        kinds: SPEC | LIBRARY,
        arity: (1, Some(1)),
        ..BASE
    },
    Builtin {
        name: "write_file",
        kinds: SPEC | LIBRARY,
        arity: (2, Some(2)),
        params: &[&["path"], &["text"]],
        ..BASE
    },
    Builtin {
        name: "read_line",
        kinds: SPEC | LIBRARY,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "read_stdin",
        kinds: SPEC | LIBRARY,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "now_ms",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "monotonic_ms",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "random",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "random_int",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        arity: (2, Some(2)),
        params: &[&["lo"], &["hi"]],
        ..BASE
    },
    Builtin {
        name: "uuid",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        arity: (0, Some(0)),
        ..BASE
    },
    Builtin {
        name: "sleep",
        kinds: SPEC,
        ..BASE
    },
    Builtin {
        name: "channel",
        kinds: SPEC,
        ..BASE
    },
    Builtin {
        name: "fetch",
        kinds: SPEC | NONDETERMINISTIC,
        ..BASE
    },
];

/// The builtin called `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Whether `name` is a builtin with any of the `kinds` flags.
pub fn is(name: &str, kinds: u8) -> bool {
    lookup(name).is_some_and(|b| b.kinds & kinds != 0)
}

/// The names of the builtins with any of the `kinds` flags.
pub fn names(kinds: u8) -> impl Iterator<Item = &'static str> {
    BUILTINS
        .iter()
        .filter(move |b| b.kinds & kinds != 0)
        .map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_written_once() {
        let mut seen = std::collections::HashSet::new();
        for b in BUILTINS {
            assert!(seen.insert(b.name), "{} is in the registry twice", b.name);
        }
    }

    #[test]
    fn families_have_their_members() {
        assert!(is("contains", LIBRARY) && is("contains", COLLECTION));
        assert!(is("fetch", NONDETERMINISTIC));
        assert_eq!(lookup("pad_left").map(|b| b.arity), Some((2, Some(3))));
        assert!(names(SPEC).count() >= 130);
        assert!(!is("no_such_builtin", SPEC));
    }
}
