//! The builtin registry: every builtin function a program may call by name,
//! written once, with what the compiler needs to know about it — which
//! checker family handles it, whether `spec/builtins.md` lists it, whether
//! it has effects and whether `@deterministic true` rejects it, the names
//! of its parameters (for named arguments) and, for library builtins, its
//! [`Overload`]s: argument types, result type and how it lowers (a runtime
//! function of `lumen_abi`, or an intrinsic [`LibOp`]). Whether a call may
//! suspend the task is a property of the runtime function it lowers to
//! (`lumen_abi::Props::suspends`, checked to be a call that may fail).
//!
//! The checker's families read their membership here instead of keeping
//! their own lists of names; the library family checks declared overloads
//! with one generic rule (`check/library.rs`) and MIR lowering lowers their
//! runtime calls with one generic arm (`lumen_mir::lower::library`).
//! Adding a builtin whose arguments have fixed types and which is one
//! runtime call touches three files: its row here, its entry in
//! `lumen_abi::RUNTIME_FUNCTIONS` (`runtime/abi/src/lib.rs`) and its
//! runtime function (`runtime/src/library/`). One whose types depend on its
//! arguments (a list's element type, a number's kind) also gets a rule in
//! `check/library.rs`, which may still lower it as a runtime call. A name
//! may belong to several families (`contains` is a collection query and a
//! string one); the caller tries them in its own order.

use lumen_abi as abi;

use crate::library::{call, call_code, call_desc, Desc, LibOp};
use crate::types::{list_of, optional, result_of, Type};

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
/// `@deterministic true` (async.md §4). Such a call has an effect too (it
/// reads the world), whether or not it is also marked [`EFFECTS`].
pub const NONDETERMINISTIC: u8 = 1 << 6;
/// Does something besides computing its value from its arguments (output,
/// files, the environment, a check that halts): a statement calling it is
/// not an unused result (W0003).
pub const EFFECTS: u8 = 1 << 7;

const NONE: u8 = 0;

/// A parameter or result type of a declared [`Overload`]: the checker's
/// types that are fixed, written as constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Int,
    Float,
    Bool,
    Str,
    Bytes,
    Null,
    List(&'static Sig),
    Optional(&'static Sig),
    Result(&'static Sig, &'static Sig),
}

const INT: Sig = Sig::Int;
const FLOAT: Sig = Sig::Float;
const BOOL: Sig = Sig::Bool;
const STR: Sig = Sig::Str;
const BYTES: Sig = Sig::Bytes;
const NULL: Sig = Sig::Null;

impl Sig {
    /// The checker's type.
    pub fn ty(self) -> Type {
        match self {
            Sig::Int => Type::Int,
            Sig::Float => Type::Float,
            Sig::Bool => Type::Bool,
            Sig::Str => Type::Str,
            Sig::Bytes => Type::Bytes,
            Sig::Null => Type::Null,
            Sig::List(t) => list_of(t.ty()),
            Sig::Optional(t) => optional(t.ty()),
            Sig::Result(t, e) => result_of(t.ty(), e.ty()),
        }
    }

    /// How a value of the type crosses into a runtime function.
    pub fn abi(self) -> abi::AbiType {
        match self {
            Sig::Int => abi::AbiType::I64,
            Sig::Float => abi::AbiType::F64,
            Sig::Bool => abi::AbiType::I8,
            _ => abi::AbiType::Ptr,
        }
    }
}

/// One parameter of a declared [`Overload`].
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub ty: Sig,
    /// What the builtin takes there, for the help line of a mismatch:
    /// "`{name}` takes {what}".
    pub what: &'static str,
    /// The `String` an omitted trailing argument stands for.
    pub default: Option<&'static str>,
}

/// A parameter of type `ty`; `what` as for [`Param::what`].
const fn arg(ty: Sig, what: &'static str) -> Param {
    Param {
        ty,
        what,
        default: None,
    }
}

impl Param {
    /// The parameter with a default.
    const fn or(self, default: &'static str) -> Param {
        Param {
            default: Some(default),
            ..self
        }
    }
}

// The parameter lists several builtins share.
const A_STRING: &[Param] = &[arg(STR, "a `String`")];
const TWO_STRINGS: &[Param] = &[arg(STR, "two `String`s"), arg(STR, "two `String`s")];
const THREE_STRINGS: &[Param] = &[
    arg(STR, "three `String`s"),
    arg(STR, "three `String`s"),
    arg(STR, "three `String`s"),
];
const SPLIT: &[Param] = &[
    arg(STR, "a `String` to split"),
    arg(STR, "the separator as a `String`"),
];
/// The string form of `contains` and `index_of`.
const SEARCH: &[Param] = &[
    arg(STR, "a `String`"),
    arg(STR, "a `String` to look for in a `String`"),
];
const STRING_SLICE: &[Param] = &[
    arg(STR, "a `String`"),
    arg(INT, "the start index as an `Int`"),
    arg(INT, "the end index as an `Int`"),
];
const BYTES_SLICE: &[Param] = &[
    arg(BYTES, "`Bytes`"),
    arg(INT, "the start index as an `Int`"),
    arg(INT, "the end index as an `Int`"),
];
const PAD: &[Param] = &[
    arg(STR, "a `String` to pad"),
    arg(INT, "the width as an `Int`"),
    arg(STR, "the fill character as a `String`").or(" "),
];
const REPEAT: &[Param] = &[
    arg(STR, "a `String` to repeat"),
    arg(INT, "the count as an `Int`"),
];
const A_NUMBER: &[Param] = &[arg(FLOAT, "a number")];
/// The `Int` form of `abs`, `floor`, … (only a `Float` gets to the
/// help text: an argument that is neither is their own rule's error).
const AN_INT: &[Param] = &[arg(INT, "a number")];
const TO_ENCODE_BYTES: &[Param] = &[arg(BYTES, "a `String` or `Bytes`")];
const TO_ENCODE_STRING: &[Param] = &[arg(STR, "a `String` or `Bytes`")];
const A_PATH: &[Param] = &[arg(STR, "the path as a `String`")];
const TWO_NUMBERS: &[Param] = &[arg(FLOAT, "two numbers"), arg(FLOAT, "two numbers")];
const TWO_BYTES: &[Param] = &[
    arg(BYTES, "two `Bytes` or two lists"),
    arg(BYTES, "two `Bytes` or two lists"),
];
const WRITE_FILE: &[Param] = &[A_PATH[0], arg(STR, "the text as a `String`")];
const INT_BOUNDS: &[Param] = &[arg(INT, "`Int` bounds"), arg(INT, "`Int` bounds")];

/// An overload.
const fn form(params: &'static [Param], result: Sig, op: LibOp) -> Overload {
    Overload { params, result, op }
}

/// `abs`, `floor`, …: of an `Int` by `int`, of a `Float` by `lm_float_fn`.
const fn int_or_float(int: LibOp, float: abi::FloatFn) -> [Overload; 2] {
    [
        form(AN_INT, INT, int),
        form(A_NUMBER, FLOAT, call_code(abi::LM_FLOAT_FN, float as i32)),
    ]
}

/// The encoders read bytes: of `Bytes`, or of a `String`'s UTF-8.
const fn encoder(f: abi::RuntimeFn) -> [Overload; 2] {
    [
        form(TO_ENCODE_BYTES, STR, call(f)),
        form(TO_ENCODE_STRING, STR, call(f)),
    ]
}

/// One form of a library builtin: the call is checked by the generic rule
/// of `check/library.rs` — each argument converted to its parameter's type
/// (Int widened to Float), defaults filled in — and lowered by `op`.
#[derive(Debug, Clone, Copy)]
pub struct Overload {
    pub params: &'static [Param],
    pub result: Sig,
    /// A runtime call (`library::call`…) or an intrinsic.
    pub op: LibOp,
}

/// One builtin.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    /// A set of the flags above.
    pub kinds: u8,
    /// `(min, max)` arguments of a library builtin (`max` `None`: any
    /// number); `None` for one whose arity its overloads give.
    pub arity: Option<(usize, Option<usize>)>,
    /// The names of its parameters by position; a position may have several
    /// names (overloads name it differently). Empty: no named arguments.
    pub param_names: &'static [&'static [&'static str]],
    /// The declared forms of a library builtin. The checker takes the first
    /// whose first parameter has the first argument's type exactly; if none
    /// does, the builtin's own rule in `check/library.rs` if it has one,
    /// else the last overload (whose conversions then report the mismatch).
    pub overloads: &'static [Overload],
}

const BASE: Builtin = Builtin {
    name: "",
    kinds: NONE,
    arity: None,
    param_names: &[],
    overloads: &[],
};

impl Builtin {
    /// `(min, max)` arguments of a library builtin: declared, or from its
    /// overloads (the parameters without a default; all of them).
    pub fn library_arity(&self) -> (usize, Option<usize>) {
        if let Some(arity) = self.arity {
            return arity;
        }
        let required = |o: &Overload| o.params.iter().filter(|p| p.default.is_none()).count();
        let min = self.overloads.iter().map(required).min().unwrap_or(0);
        let max = self.overloads.iter().map(|o| o.params.len()).max();
        (min, max)
    }
}

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
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "string",
        kinds: SPEC | CORE,
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "to_int",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "to_float",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "parse_int",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::Result(&INT, &STR),
            call_desc(abi::LM_PARSE_INT, Desc::Result),
        )],
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "parse_float",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::Result(&FLOAT, &STR),
            call_desc(abi::LM_PARSE_FLOAT, Desc::Result),
        )],
        ..BASE
    },
    Builtin {
        name: "type_of",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "debug",
        kinds: SPEC | LIBRARY | EFFECTS,
        arity: Some((1, Some(1))),
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "len",
        kinds: SPEC | CORE,
        param_names: &[&["s", "xs"]],
        ..BASE
    },
    Builtin {
        name: "length",
        kinds: SPEC | CORE,
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "upper",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_UPPER))],
        ..BASE
    },
    Builtin {
        name: "lower",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_LOWER))],
        ..BASE
    },
    Builtin {
        name: "trim",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_TRIM))],
        ..BASE
    },
    Builtin {
        name: "trim_start",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_TRIM_START))],
        ..BASE
    },
    Builtin {
        name: "trim_end",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_TRIM_END))],
        ..BASE
    },
    Builtin {
        name: "capitalize",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_CAPITALIZE))],
        ..BASE
    },
    Builtin {
        name: "split",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            SPLIT,
            Sig::List(&STR),
            call_desc(abi::LM_STR_SPLIT, Desc::ResultElem),
        )],
        param_names: &[&["s"], &["sep"]],
        ..BASE
    },
    Builtin {
        name: "lines",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::List(&STR),
            call_desc(abi::LM_STR_LINES, Desc::ResultElem),
        )],
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "join",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["sep"]],
        ..BASE
    },
    Builtin {
        name: "replace",
        kinds: SPEC | LIBRARY,
        overloads: &[form(THREE_STRINGS, STR, call(abi::LM_STR_REPLACE))],
        param_names: &[&["s"], &["from"], &["to"]],
        ..BASE
    },
    Builtin {
        name: "contains",
        kinds: SPEC | LIBRARY | COLLECTION,
        overloads: &[form(SEARCH, BOOL, call(abi::LM_STR_CONTAINS))],
        param_names: &[&["s", "xs"], &["sub", "x"]],
        ..BASE
    },
    Builtin {
        name: "starts_with",
        kinds: SPEC | LIBRARY,
        overloads: &[form(TWO_STRINGS, BOOL, call(abi::LM_STR_STARTS_WITH))],
        param_names: &[&["s"], &["p", "prefix"]],
        ..BASE
    },
    Builtin {
        name: "ends_with",
        kinds: SPEC | LIBRARY,
        overloads: &[form(TWO_STRINGS, BOOL, call(abi::LM_STR_ENDS_WITH))],
        param_names: &[&["s"], &["p", "suffix"]],
        ..BASE
    },
    Builtin {
        name: "index_of",
        kinds: SPEC | LIBRARY,
        overloads: &[form(SEARCH, INT, call(abi::LM_STR_INDEX_OF))],
        param_names: &[&["s", "xs"], &["sub", "x"]],
        ..BASE
    },
    Builtin {
        name: "slice",
        kinds: SPEC | LIBRARY,
        overloads: &[
            form(STRING_SLICE, STR, call(abi::LM_STR_SLICE)),
            form(BYTES_SLICE, BYTES, call(abi::LM_BYTES_SLICE)),
        ],
        param_names: &[&["s", "xs"], &["start"], &["end"]],
        ..BASE
    },
    Builtin {
        name: "chars",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::List(&STR),
            call_desc(abi::LM_STR_CHARS, Desc::ResultElem),
        )],
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "bytes",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, BYTES, call(abi::LM_BYTES_FROM_STR))],
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "from_utf8",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            &[arg(BYTES, "`Bytes`")],
            Sig::Result(&STR, &STR),
            call_desc(abi::LM_BYTES_FROM_UTF8, Desc::Result),
        )],
        param_names: &[&["b"]],
        ..BASE
    },
    Builtin {
        name: "pad_left",
        kinds: SPEC | LIBRARY,
        overloads: &[form(PAD, STR, call(abi::LM_STR_PAD_LEFT))],
        param_names: &[&["s"], &["width"], &["fill"]],
        ..BASE
    },
    Builtin {
        name: "pad_right",
        kinds: SPEC | LIBRARY,
        overloads: &[form(PAD, STR, call(abi::LM_STR_PAD_RIGHT))],
        param_names: &[&["s"], &["width"], &["fill"]],
        ..BASE
    },
    Builtin {
        name: "repeat",
        kinds: SPEC | LIBRARY,
        overloads: &[form(REPEAT, STR, call(abi::LM_STR_REPEAT))],
        param_names: &[&["s"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "reverse",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_STRING, STR, call(abi::LM_STR_REVERSE))],
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "format",
        kinds: SPEC | LIBRARY,
        arity: Some((1, None)),
        ..BASE
    },
    Builtin {
        name: "abs",
        kinds: SPEC | LIBRARY,
        overloads: &int_or_float(call(abi::LM_INT_ABS), abi::FloatFn::Abs),
        ..BASE
    },
    Builtin {
        name: "min",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(2))),
        param_names: &[&["a", "xs"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "max",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(2))),
        param_names: &[&["a", "xs"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "clamp",
        kinds: SPEC | LIBRARY,
        arity: Some((3, Some(3))),
        param_names: &[&["x"], &["lo"], &["hi"]],
        ..BASE
    },
    Builtin {
        name: "sum",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "product",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "floor",
        kinds: SPEC | LIBRARY,
        overloads: &int_or_float(LibOp::IntIdentity, abi::FloatFn::Floor),
        ..BASE
    },
    Builtin {
        name: "ceil",
        kinds: SPEC | LIBRARY,
        overloads: &int_or_float(LibOp::IntIdentity, abi::FloatFn::Ceil),
        ..BASE
    },
    Builtin {
        name: "round",
        kinds: SPEC | LIBRARY,
        overloads: &int_or_float(LibOp::IntIdentity, abi::FloatFn::Round),
        ..BASE
    },
    Builtin {
        name: "trunc",
        kinds: SPEC | LIBRARY,
        overloads: &int_or_float(LibOp::IntIdentity, abi::FloatFn::Trunc),
        ..BASE
    },
    Builtin {
        name: "sqrt",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Sqrt as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "exp",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Exp as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "log",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Log as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "log2",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Log2 as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "log10",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Log10 as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "sin",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Sin as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "cos",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Cos as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "tan",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_NUMBER,
            FLOAT,
            call_code(abi::LM_FLOAT_FN, abi::FloatFn::Tan as i32),
        )],
        ..BASE
    },
    Builtin {
        name: "atan2",
        kinds: SPEC | LIBRARY,
        overloads: &[form(TWO_NUMBERS, FLOAT, call(abi::LM_FLOAT_ATAN2))],
        param_names: &[&["y"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "pow",
        kinds: SPEC | LIBRARY,
        overloads: &[form(TWO_NUMBERS, FLOAT, call(abi::LM_FLOAT_POW))],
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "is_nan",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_NUMBER, BOOL, call(abi::LM_FLOAT_IS_NAN))],
        ..BASE
    },
    Builtin {
        name: "is_inf",
        kinds: SPEC | LIBRARY,
        overloads: &[form(A_NUMBER, BOOL, call(abi::LM_FLOAT_IS_INF))],
        ..BASE
    },
    Builtin {
        name: "is_empty",
        kinds: SPEC | CORE,
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "append",
        kinds: SPEC | CORE,
        param_names: &[&["xs"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "prepend",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "insert",
        kinds: SPEC | LIBRARY,
        arity: Some((3, Some(3))),
        param_names: &[&["xs"], &["i"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "remove_at",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["i"]],
        ..BASE
    },
    Builtin {
        name: "concat",
        kinds: SPEC | LIBRARY,
        overloads: &[form(TWO_BYTES, BYTES, call(abi::LM_BYTES_CONCAT))],
        param_names: &[&["xs"], &["ys"]],
        ..BASE
    },
    Builtin {
        name: "first",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "last",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "take",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "drop",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "sort",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        ..BASE
    },
    Builtin {
        name: "sort_by",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["key"]],
        ..BASE
    },
    Builtin {
        name: "sort_with",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["cmp"]],
        ..BASE
    },
    Builtin {
        name: "unique",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        ..BASE
    },
    Builtin {
        name: "flatten",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        ..BASE
    },
    Builtin {
        name: "range",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(3))),
        param_names: &[&["a"], &["b"], &["step"]],
        ..BASE
    },
    Builtin {
        name: "zip",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["ys"]],
        ..BASE
    },
    Builtin {
        name: "enumerate",
        kinds: SPEC | LIBRARY,
        arity: Some((1, Some(1))),
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "chunk",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "window",
        kinds: SPEC | LIBRARY,
        arity: Some((2, Some(2))),
        param_names: &[&["xs"], &["n"]],
        ..BASE
    },
    Builtin {
        name: "map",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "filter",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "reduce",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["f"], &["init"]],
        ..BASE
    },
    Builtin {
        name: "fold",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["f"], &["init"]],
        ..BASE
    },
    Builtin {
        name: "flat_map",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "any",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "all",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "find",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "position",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "count",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "partition",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["p", "f"]],
        ..BASE
    },
    Builtin {
        name: "group_by",
        kinds: SPEC | HIGHER_ORDER,
        param_names: &[&["xs"], &["key"]],
        ..BASE
    },
    Builtin {
        name: "keys",
        kinds: SPEC | COLLECTION,
        param_names: &[&["m"]],
        ..BASE
    },
    Builtin {
        name: "values",
        kinds: SPEC | COLLECTION,
        param_names: &[&["m"]],
        ..BASE
    },
    Builtin {
        name: "entries",
        kinds: SPEC | COLLECTION,
        param_names: &[&["m"]],
        ..BASE
    },
    Builtin {
        name: "has_key",
        kinds: SPEC | COLLECTION,
        param_names: &[&["m"], &["k"]],
        ..BASE
    },
    Builtin {
        name: "get",
        kinds: SPEC | COLLECTION,
        param_names: &[&["m"], &["k"], &["default"]],
        ..BASE
    },
    Builtin {
        name: "merge",
        kinds: SPEC | COLLECTION,
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "remove",
        kinds: SPEC | COLLECTION,
        param_names: &[&["m", "s"], &["k", "x"]],
        ..BASE
    },
    Builtin {
        name: "to_set",
        kinds: SPEC | COLLECTION,
        param_names: &[&["xs"]],
        ..BASE
    },
    Builtin {
        name: "to_list",
        kinds: SPEC | COLLECTION,
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "add",
        kinds: SPEC | COLLECTION,
        param_names: &[&["s"], &["x"]],
        ..BASE
    },
    Builtin {
        name: "union",
        kinds: SPEC | COLLECTION,
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "intersection",
        kinds: SPEC | COLLECTION,
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "difference",
        kinds: SPEC | COLLECTION,
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "is_ok",
        kinds: SPEC | RESULT,
        param_names: &[&["r"]],
        ..BASE
    },
    Builtin {
        name: "is_err",
        kinds: SPEC | RESULT,
        param_names: &[&["r"]],
        ..BASE
    },
    Builtin {
        name: "unwrap",
        kinds: SPEC | RESULT,
        param_names: &[&["r", "x"]],
        ..BASE
    },
    Builtin {
        name: "unwrap_or",
        kinds: SPEC | RESULT,
        param_names: &[&["r", "x"], &["d", "default"]],
        ..BASE
    },
    Builtin {
        name: "unwrap_err",
        kinds: SPEC | RESULT,
        param_names: &[&["r"]],
        ..BASE
    },
    Builtin {
        name: "map_ok",
        kinds: SPEC | RESULT,
        param_names: &[&["r"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "map_err",
        kinds: SPEC | RESULT,
        param_names: &[&["r"], &["f"]],
        ..BASE
    },
    Builtin {
        name: "assert",
        kinds: SPEC | LIBRARY | EFFECTS,
        arity: Some((1, Some(2))),
        param_names: &[&["cond"], &["msg"]],
        ..BASE
    },
    Builtin {
        name: "assert_eq",
        kinds: SPEC | LIBRARY | EFFECTS,
        arity: Some((2, Some(2))),
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "assert_ne",
        kinds: SPEC | LIBRARY | EFFECTS,
        arity: Some((2, Some(2))),
        param_names: &[&["a"], &["b"]],
        ..BASE
    },
    Builtin {
        name: "json_parse",
        kinds: SPEC | CORE,
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "json_encode",
        kinds: SPEC | CORE,
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "json_pretty",
        kinds: SPEC | CORE,
        param_names: &[&["x"]],
        ..BASE
    },
    Builtin {
        name: "from_json",
        kinds: SPEC,
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "sha256",
        kinds: SPEC | LIBRARY,
        overloads: &encoder(abi::LM_SHA256),
        param_names: &[&["s"]],
        ..BASE
    },
    Builtin {
        name: "base64_encode",
        kinds: SPEC | LIBRARY,
        overloads: &encoder(abi::LM_BASE64_ENCODE),
        ..BASE
    },
    Builtin {
        name: "base64_decode",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::Result(&STR, &STR),
            call_desc(abi::LM_BASE64_DECODE, Desc::Result),
        )],
        ..BASE
    },
    Builtin {
        name: "hex_encode",
        kinds: SPEC | LIBRARY,
        overloads: &encoder(abi::LM_HEX_ENCODE),
        ..BASE
    },
    Builtin {
        name: "hex_decode",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::Result(&STR, &STR),
            call_desc(abi::LM_HEX_DECODE, Desc::Result),
        )],
        ..BASE
    },
    Builtin {
        name: "url_encode",
        kinds: SPEC | LIBRARY,
        overloads: &encoder(abi::LM_URL_ENCODE),
        ..BASE
    },
    Builtin {
        name: "url_decode",
        kinds: SPEC | LIBRARY,
        overloads: &[form(
            A_STRING,
            Sig::Result(&STR, &STR),
            call_desc(abi::LM_URL_DECODE, Desc::Result),
        )],
        ..BASE
    },
    Builtin {
        name: "args",
        kinds: SPEC | LIBRARY | EFFECTS,
        overloads: &[form(
            &[],
            Sig::List(&STR),
            call_desc(abi::LM_ARGS, Desc::ResultElem),
        )],
        ..BASE
    },
    Builtin {
        name: "env",
        kinds: SPEC | LIBRARY | EFFECTS,
        overloads: &[form(
            &[arg(STR, "the variable's name as a `String`")],
            Sig::Optional(&STR),
            call(abi::LM_ENV),
        )],
        param_names: &[&["name"]],
        ..BASE
    },
    Builtin {
        name: "exit",
        kinds: SPEC | CORE,
        param_names: &[&["code"]],
        ..BASE
    },
    Builtin {
        name: "read_file",
        kinds: SPEC | LIBRARY | EFFECTS,
        overloads: &[form(
            A_PATH,
            Sig::Result(&STR, &STR),
            call_desc(abi::LM_READ_FILE, Desc::Result),
        )],
        param_names: &[&["path"]],
        ..BASE
    },
    Builtin {
        name: "write_file",
        kinds: SPEC | LIBRARY | EFFECTS,
        overloads: &[form(
            WRITE_FILE,
            Sig::Result(&NULL, &STR),
            call_desc(abi::LM_WRITE_FILE, Desc::Result),
        )],
        param_names: &[&["path"], &["text"]],
        ..BASE
    },
    Builtin {
        name: "read_line",
        kinds: SPEC | LIBRARY | EFFECTS,
        overloads: &[form(&[], Sig::Optional(&STR), call(abi::LM_READ_LINE))],
        ..BASE
    },
    Builtin {
        name: "read_stdin",
        kinds: SPEC | LIBRARY | EFFECTS,
        overloads: &[form(&[], STR, call(abi::LM_READ_STDIN))],
        ..BASE
    },
    Builtin {
        name: "now_ms",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        overloads: &[form(&[], INT, call(abi::LM_NOW_MS))],
        ..BASE
    },
    Builtin {
        name: "monotonic_ms",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        overloads: &[form(&[], INT, call(abi::LM_MONOTONIC_MS))],
        ..BASE
    },
    Builtin {
        name: "random",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        overloads: &[form(&[], FLOAT, call(abi::LM_RANDOM))],
        ..BASE
    },
    Builtin {
        name: "random_int",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        overloads: &[form(INT_BOUNDS, INT, call(abi::LM_RANDOM_INT))],
        param_names: &[&["lo"], &["hi"]],
        ..BASE
    },
    Builtin {
        name: "uuid",
        kinds: SPEC | LIBRARY | NONDETERMINISTIC,
        overloads: &[form(&[], STR, call(abi::LM_UUID))],
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
        assert_eq!(
            lookup("pad_left").map(|b| b.library_arity()),
            Some((2, Some(3)))
        );
        assert!(names(SPEC).count() >= 130);
        assert!(!is("no_such_builtin", SPEC));
    }

    #[test]
    fn library_builtins_have_an_arity() {
        for b in BUILTINS.iter().filter(|b| b.kinds & LIBRARY != 0) {
            assert!(
                b.arity.is_some() != !b.overloads.is_empty(),
                "{}: an arity or overloads, not both",
                b.name
            );
        }
    }

    /// Every declared runtime call passes what its function takes: the
    /// operation code, one value per parameter of the type's ABI type, the
    /// descriptor, and the location exactly when one parameter is left.
    #[test]
    fn declared_calls_match_the_abi() {
        for b in BUILTINS {
            for o in b.overloads {
                let LibOp::Call(c) = o.op else { continue };
                let mut passed: Vec<abi::AbiType> = Vec::new();
                if c.code.is_some() {
                    passed.push(abi::AbiType::I32);
                }
                passed.extend(o.params.iter().map(|p| p.ty.abi()));
                if c.desc.is_some() {
                    passed.push(abi::AbiType::Ptr);
                }
                if c.f.params.len() == passed.len() + 1 {
                    passed.push(abi::AbiType::Ptr);
                }
                assert_eq!(c.f.params, passed.as_slice(), "parameters of {}", b.name);
                assert_eq!(c.f.returns, &[o.result.abi()], "result of {}", b.name);
            }
        }
    }
}
