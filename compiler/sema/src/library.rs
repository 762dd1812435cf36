//! The builtin library: builtins that are runtime calls (`upper`, `split`,
//! `sqrt`, `sort`, …), as opposed to the builtins the checker and lowering
//! treat specially (`print`, `len`, `append`, …).
//!
//! The checker asks [`is_library`] whether a name is one of them and then
//! types the call through `Checker::check_library` (`check/library.rs`),
//! which resolves overloads (`contains` on a string or a list, `min` of two
//! numbers or of a list) into a [`LibOp`]. Most overloads are declared as
//! data in the registry (`crate::builtins`: argument types, result type,
//! runtime call) and checked by one generic rule; the rest have a rule of
//! their own there. Lowering turns a `hir::LibraryCall` into the runtime
//! call (`lumen_mir::lower::library`): every [`LibOp::Call`] by one generic
//! arm, each intrinsic by its own code.

use lumen_abi as abi;

use crate::types::Type;

/// What a library call does, argument types settled: a runtime call with
/// the arguments in order, or an *intrinsic*, which lowering implements
/// with code of its own (element slots, branches, union tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibOp {
    /// A call of a runtime function (see [`RuntimeCall`]).
    Call(RuntimeCall),

    // Intrinsics.
    /// `(template, values…)`: values of any type, each displayed.
    Format,
    /// `(cond: Bool, msg: String)`: a branch to `lm_halt`.
    Assert,
    /// `(x)`: the static type's name, or a test of a union's members.
    TypeOf,
    /// `(x: Int)`: `floor`, `ceil`, `round`, `trunc` of an Int are the Int.
    IntIdentity,
    /// `(xs, x: T)`: the element passed as a slot.
    ListPrepend,
    /// `(xs, i: Int, x: T)`.
    ListInsert,
    /// `(xs, x: T)`.
    ListContains,
    ListIndexOf,
    /// `(xs)`: the result comes back as a slot.
    ListSum,
    ListProduct,
    ListMin,
    ListMax,
    /// `(a, b)` of one type, passed as slots with their descriptor.
    AssertEq,
    AssertNe,
    /// `(x)`: display form on stderr with the location.
    Debug,
    /// `(x)`: `Int`, `Float`, `String` or `Bool`, to an `Int?`.
    ToInt,
    /// `(x)`: `Int`, `Float` or `String`, to a `Float?`.
    ToFloat,
    /// `(xs)`: the first / last element as a `T?`.
    ListFirst,
    ListLast,
}

/// A library call lowered as a call of the runtime function `f`: the
/// operation `code` (if any), the call's arguments in order, the
/// descriptor `desc` (if any), then the call's location if `f` takes one
/// more parameter (a function that fails says where).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeCall {
    pub f: abi::RuntimeFn,
    /// An `i32` passed before the arguments (`lm_float_fn`'s [`abi::FloatFn`]).
    pub code: Option<i32>,
    pub desc: Option<Desc>,
}

/// The type descriptor a [`RuntimeCall`] passes after the arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desc {
    /// The call's result type (a `result[T, E]` or optional the runtime builds).
    Result,
    /// The element type of the call's result list.
    ResultElem,
}

/// `f` called with the arguments.
pub const fn call(f: abi::RuntimeFn) -> LibOp {
    LibOp::Call(RuntimeCall {
        f,
        code: None,
        desc: None,
    })
}

/// `f` called with the arguments and a descriptor.
pub const fn call_desc(f: abi::RuntimeFn, desc: Desc) -> LibOp {
    LibOp::Call(RuntimeCall {
        f,
        code: None,
        desc: Some(desc),
    })
}

/// `f` called with an operation code, then the arguments.
pub const fn call_code(f: abi::RuntimeFn, code: i32) -> LibOp {
    LibOp::Call(RuntimeCall {
        f,
        code: Some(code),
        desc: None,
    })
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
