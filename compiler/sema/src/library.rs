//! The builtin library: builtins that are plain runtime calls (`upper`,
//! `split`, `sqrt`, `sort`, …), as opposed to the builtins the checker and
//! lowering treat specially (`print`, `len`, `append`, …).
//!
//! The checker asks [`is_library`] whether a name is one of them and then
//! [`crate::check`] types the call through `Checker::check_library`
//! (`check/library.rs`), which resolves overloads (`contains` on a string or
//! a list, `min` of two numbers or of a list) into a [`LibOp`]; lowering
//! turns a `hir::LibraryCall` into the runtime call (`lumen_mir::lower::library`).

use crate::types::Type;

/// A one-argument Float function (`lumen_abi::FloatFn` at run time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Floor,
    Ceil,
    Round,
    Trunc,
    Sqrt,
    Exp,
    Log,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Abs,
}

/// What a library call does, argument types settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibOp {
    // Strings (arguments: strings unless noted).
    StrUpper,
    StrLower,
    StrTrim,
    StrTrimStart,
    StrTrimEnd,
    StrCapitalize,
    StrReverse,
    StrSplit,
    StrLines,
    StrChars,
    StrReplace,
    StrContains,
    StrStartsWith,
    StrEndsWith,
    StrIndexOf,
    /// `(s, start: Int, end: Int)`.
    StrSlice,
    /// `(s, width: Int, fill)`.
    StrPadLeft,
    StrPadRight,
    /// `(s, n: Int)`.
    StrRepeat,
    /// `(template, values…)`: values of any type.
    Format,
    /// `(template, parts: list[String])`: `format` with spread arguments,
    /// the display forms of its values already in a list.
    FormatList,
    /// `(xs: list[T], sep)`.
    Join,

    // Math.
    /// `(x: Float)`.
    FloatFn(MathFn),
    /// `(x: Int)`: `floor`, `ceil`, `round`, `trunc` of an Int are the Int.
    IntIdentity,
    IntAbs,
    IntMin,
    IntMax,
    FloatMin,
    FloatMax,
    IntClamp,
    FloatClamp,
    /// `(y: Float, x: Float)`.
    Atan2,
    Pow,
    IsNan,
    IsInf,

    // Lists (first argument `xs: list[T]`).
    /// `(xs, x: T)`.
    ListPrepend,
    /// `(xs, i: Int, x: T)`.
    ListInsert,
    /// `(xs, i: Int)`.
    ListRemoveAt,
    /// `(xs, ys)`.
    ListConcat,
    ListTake,
    ListDrop,
    /// `(xs, start: Int, end: Int)`.
    ListSlice,
    ListReverse,
    ListSort,
    ListUnique,
    ListFlatten,
    /// `(xs, x: T)`.
    ListContains,
    ListIndexOf,
    /// `(a, b, step)`, all Int (`step` defaults to 1).
    Range,
    /// `(xs, n: Int)`.
    ListChunk,
    ListWindow,
    ListSum,
    ListProduct,
    ListMin,
    ListMax,

    // Checks and environment.
    /// `(cond: Bool, msg: String)`.
    Assert,
    /// `(a, b)` of one type.
    AssertEq,
    AssertNe,
    /// `(x)`: the static type's name.
    TypeOf,
    /// `(x)`: display form on stderr with the location.
    Debug,
    Args,
    ReadStdin,

    // Conversions.
    /// `(x)`: `Int`, `Float`, `String` or `Bool`, to an `Int?`.
    ToInt,
    /// `(x)`: `Int`, `Float` or `String`, to a `Float?`.
    ToFloat,
    /// `(s: String)`: a `result[Int, String]` / `result[Float, String]`.
    ParseInt,
    ParseFloat,

    // More lists.
    /// `(xs)`: the first / last element as a `T?`.
    ListFirst,
    ListLast,
    /// `(xs, ys)`: a list of pairs.
    ListZip,
    /// `(xs)`: a list of `(index, element)` pairs.
    ListEnumerate,

    // Environment, files, time and randomness.
    /// `(name: String)`: a `String?`.
    Env,
    ReadLine,
    /// `(path: String)`: a `result[String, String]`.
    ReadFile,
    /// `(path: String, text: String)`: a `result[Null, String]`.
    WriteFile,
    NowMs,
    MonotonicMs,
    Random,
    /// `(lo: Int, hi: Int)`, inclusive.
    RandomInt,
    Uuid,

    // Hashing and encodings (`(s: String)`; decoders give a
    // `result[String, String]`).
    Sha256,
    Base64Encode,
    Base64Decode,
    HexEncode,
    HexDecode,
    UrlEncode,
    UrlDecode,

    // Bytes.
    /// `bytes(s: String)`: the UTF-8 bytes.
    BytesFromStr,
    /// `from_utf8(b: Bytes)`: a `result[String, String]`.
    BytesFromUtf8,
    /// `slice(b, start: Int, end: Int)`.
    BytesSlice,
    /// `concat(a, b)` of two `Bytes`.
    BytesConcat,
}

/// Whether `name` is a library builtin this version compiles.
pub fn is_library(name: &str) -> bool {
    crate::builtins::is(name, crate::builtins::LIBRARY)
}

/// The interned name of a library builtin.
pub fn library_name(name: &str) -> Option<&'static str> {
    crate::builtins::lookup(name)
        .filter(|b| b.kinds & crate::builtins::LIBRARY != 0)
        .map(|b| b.name)
}

/// What `type_of` returns for a value of static type `ty` (builtins.md).
pub fn type_name(ty: Type) -> &'static str {
    match ty {
        Type::Int => "Int",
        Type::Float => "Float",
        Type::Bool => "Bool",
        Type::Str => "String",
        Type::Bytes => "Bytes",
        Type::Null => "Null",
        Type::List(_) => "List",
        Type::Record(n) | Type::Enum(n) => n.name,
        Type::Fn(_) => "Function",
        Type::Map(..) => "Map",
        Type::Set(_) => "Set",
        Type::Tuple(_) => "Tuple",
        Type::Result(..) => "Result",
        Type::Future(_) => "Future",
        Type::Channel(_) => "Channel",
        // A union's answer depends on the member held at run time: lowering
        // tests the members and names each with this function.
        Type::Union(_) | Type::Json | Type::Never | Type::Error => "Null",
    }
}
