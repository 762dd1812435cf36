//! Static types as the checker sees them (`spec/types.md` §1).
//!
//! [`Type`] is `Copy`: composite types refer to interned parts. List element
//! types are interned once per program run and live for the rest of the
//! process (a compiler run is short, and types are few), so `Type` needs no
//! lifetime and no table to print itself. Records and enums are nominal: they
//! carry their id and name; their fields live in [`RecordInfo`]/[`EnumInfo`].
//!
//! Types this version does not compile yet (maps, sets, tuples, unions, …) are
//! reported as "not supported yet" by the checker rather than half-handled.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use lumen_diagnostics::Span;

/// A nominal type's identity: its index among the program's records or enums
/// and its name (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Nominal {
    pub id: u32,
    pub name: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    /// `Bytes`: immutable byte strings.
    Bytes,
    Null,
    /// `list[T]`.
    List(&'static Type),
    Record(Nominal),
    Enum(Nominal),
    /// A function value (closure or named cell): `fn(A, B) -> R`.
    Fn(&'static FnSig),
    /// `map[K, V]`.
    Map(&'static Type, &'static Type),
    /// `result[T, E]` (`Never` on a side not known yet, see `check::results`).
    Result(&'static Type, &'static Type),
    /// `set[T]`.
    Set(&'static Type),
    /// `Future[T]`: the handle of a task (async.md §1).
    Future(&'static Type),
    /// `Channel[T]` (async.md §5.4).
    Channel(&'static Type),
    /// `(A, B, …)`: a fixed-size tuple.
    Tuple(&'static [Type]),
    /// `A | B | …` with at least two distinct members, none a union; `T?` is
    /// `T | Null`. Members are kept in a canonical order (see [`union_of`]).
    Union(&'static [Type]),
    /// `Json`: the built-in union `Null | Bool | Int | Float | String |
    /// list[Json] | map[String, Json]` (see [`json_members`]). It is its own
    /// variant because an interned union cannot contain itself.
    Json,
    /// The type of expressions that never complete (`return`, `halt`, …).
    Never,
    /// A type that could not be determined; an error was already reported, so
    /// no further errors are reported about it.
    Error,
}

thread_local! {
    static INTERNED: RefCell<HashSet<&'static Type>> = RefCell::new(HashSet::new());
}

/// Interns a type so composite types can refer to it by `&'static`.
pub fn intern(ty: Type) -> &'static Type {
    INTERNED.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(existing) = set.get(&ty) {
            return *existing;
        }
        let leaked: &'static Type = Box::leak(Box::new(ty));
        set.insert(leaked);
        leaked
    })
}

/// Interns a name (record, enum, variant) for use in [`Nominal`].
pub fn intern_name(name: &str) -> &'static str {
    thread_local! {
        static NAMES: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
    }
    NAMES.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(existing) = set.get(name) {
            return *existing;
        }
        let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
        set.insert(leaked);
        leaked
    })
}

/// Parameter and result types of a function type, and its effect row
/// (types.md §4: sorted, without repeats; `None` when the type has none,
/// and calls of such a value are not checked for effects).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnSig {
    pub params: Vec<Type>,
    pub ret: Type,
    pub row: Option<Vec<String>>,
}

thread_local! {
    static SIGS: RefCell<HashSet<&'static FnSig>> = RefCell::new(HashSet::new());
}

/// The interned function type `fn(params) -> ret`.
pub fn fn_type(params: Vec<Type>, ret: Type) -> Type {
    fn_type_with_row(params, ret, None)
}

/// The interned function type `fn(params) -> ret / {row}`.
pub fn fn_type_with_row(params: Vec<Type>, ret: Type, row: Option<Vec<String>>) -> Type {
    let row = row.map(|mut r| {
        r.sort();
        r.dedup();
        r
    });
    let sig = FnSig { params, ret, row };
    SIGS.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(existing) = set.get(&sig) {
            return Type::Fn(existing);
        }
        let leaked: &'static FnSig = Box::leak(Box::new(sig));
        set.insert(leaked);
        Type::Fn(leaked)
    })
}

thread_local! {
    static UNIONS: RefCell<HashSet<&'static [Type]>> = RefCell::new(HashSet::new());
}

/// A rank for ordering union members canonically (so `Int | String` and
/// `String | Int` are the same type).
fn rank(t: &Type) -> (u8, String) {
    let r = match t {
        Type::Int => 0,
        Type::Float => 1,
        Type::Bool => 2,
        Type::Str => 3,
        Type::Bytes => 3,
        Type::List(_) | Type::Map(..) | Type::Set(_) | Type::Result(..) => 4,
        Type::Future(_) | Type::Channel(_) => 4,
        Type::Record(_) => 5,
        Type::Enum(_) => 6,
        Type::Fn(_) => 7,
        Type::Union(_) | Type::Json => 8,
        Type::Tuple(_) => 8,
        Type::Never | Type::Error => 9,
        Type::Null => 10,
    };
    (r, t.to_string())
}

/// The union of some types: nested unions flattened, duplicates removed,
/// members sorted; a single member is just that type.
pub fn union_of(types: &[Type]) -> Type {
    let mut members: Vec<Type> = Vec::new();
    for t in types {
        match t {
            Type::Union(inner) => members.extend(inner.iter().copied()),
            Type::Never => {}
            other => members.push(*other),
        }
    }
    if members.iter().any(|m| m.has_error()) {
        return Type::Error;
    }
    // `Json` is the union of its members, so it is flattened like any
    // union: `Json | Int` and `Json?` are `Json` again (below), `Json |
    // Point` is a union of Json's members and `Point` (so a box always
    // names a member type, never a nested union).
    if let Some(at) = members.iter().position(|m| *m == Type::Json) {
        members.remove(at);
        members.extend(json_members().iter().copied());
        members.retain(|m| *m != Type::Json);
    }
    members.sort_by_key(rank);
    members.dedup();
    if members.as_slice() == json_members() {
        return Type::Json;
    }
    match members.len() {
        0 => Type::Never,
        1 => members[0],
        _ => UNIONS.with(|set| {
            let mut set = set.borrow_mut();
            if let Some(existing) = set.get(members.as_slice()) {
                return Type::Union(existing);
            }
            let leaked: &'static [Type] = Box::leak(members.into_boxed_slice());
            set.insert(leaked);
            Type::Union(leaked)
        }),
    }
}

thread_local! {
    static JSON_MEMBERS: &'static [Type] = Box::leak(Box::new([
        Type::Int,
        Type::Float,
        Type::Bool,
        Type::Str,
        list_of(Type::Json),
        map_of(Type::Str, Type::Json),
        Type::Null,
    ]));
}

/// The members of `Json`, in the canonical union order (`union_of`'s).
pub fn json_members() -> &'static [Type] {
    JSON_MEMBERS.with(|m| *m)
}

thread_local! {
    static TUPLES: RefCell<HashSet<&'static [Type]>> = RefCell::new(HashSet::new());
}

/// The tuple type `(elements…)`.
pub fn tuple_of(elements: &[Type]) -> Type {
    if elements.iter().any(|e| e.has_error()) {
        return Type::Error;
    }
    TUPLES.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(existing) = set.get(elements) {
            return Type::Tuple(existing);
        }
        let leaked: &'static [Type] = Box::leak(elements.to_vec().into_boxed_slice());
        set.insert(leaked);
        Type::Tuple(leaked)
    })
}

/// `T?`.
pub fn optional(t: Type) -> Type {
    union_of(&[t, Type::Null])
}

pub fn result_of(ok: Type, err: Type) -> Type {
    Type::Result(intern(ok), intern(err))
}

pub fn map_of(key: Type, value: Type) -> Type {
    Type::Map(intern(key), intern(value))
}

pub fn set_of(elem: Type) -> Type {
    Type::Set(intern(elem))
}

pub fn list_of(elem: Type) -> Type {
    Type::List(intern(elem))
}

pub fn future_of(value: Type) -> Type {
    Type::Future(intern(value))
}

pub fn channel_of(elem: Type) -> Type {
    Type::Channel(intern(elem))
}

impl Type {
    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    /// Whether the type contains an error (so no further error is reported).
    pub fn has_error(self) -> bool {
        match self {
            Type::Error => true,
            Type::List(elem) | Type::Set(elem) | Type::Future(elem) | Type::Channel(elem) => {
                elem.has_error()
            }
            Type::Map(k, v) | Type::Result(k, v) => k.has_error() || v.has_error(),
            Type::Fn(sig) => sig.ret.has_error() || sig.params.iter().any(|p| p.has_error()),
            Type::Union(members) | Type::Tuple(members) => members.iter().any(|m| m.has_error()),
            _ => false,
        }
    }

    /// Whether `Json` occurs in this type (`list[Json]`, `map[String, Json]`,
    /// …), where literals need the type to check their elements as `Json`.
    pub fn mentions_json(self) -> bool {
        match self {
            Type::Json => true,
            Type::List(e) | Type::Set(e) => e.mentions_json(),
            Type::Map(k, v) | Type::Result(k, v) => k.mentions_json() || v.mentions_json(),
            Type::Union(m) | Type::Tuple(m) => m.iter().any(|t| t.mentions_json()),
            _ => false,
        }
    }

    /// Whether a value of this type is accepted where `expected` is wanted,
    /// possibly after Int → Float widening.
    pub fn fits(self, expected: Type) -> bool {
        if let (Type::Result(..), Type::Result(..)) = (self, expected) {
            return self.holds_as(expected);
        }
        self == expected
            || self == Type::Never
            || self.has_error()
            || expected.has_error()
            || (self == Type::Int && expected == Type::Float)
    }

    /// The type with each immediate part (element, key, side, member,
    /// parameter) replaced by `f` of it; nominal and scalar types as they are.
    pub fn map_parts(self, f: &mut impl FnMut(Type) -> Type) -> Type {
        match self {
            Type::List(t) => list_of(f(*t)),
            Type::Set(t) => set_of(f(*t)),
            Type::Future(t) => future_of(f(*t)),
            Type::Channel(t) => channel_of(f(*t)),
            Type::Map(k, v) => map_of(f(*k), f(*v)),
            Type::Result(t, e) => result_of(f(*t), f(*e)),
            Type::Tuple(ts) => tuple_of(&ts.iter().map(|t| f(*t)).collect::<Vec<_>>()),
            Type::Union(ms) => union_of(&ms.iter().map(|t| f(*t)).collect::<Vec<_>>()),
            Type::Fn(sig) => fn_type_with_row(
                sig.params.iter().map(|t| f(*t)).collect(),
                f(sig.ret),
                sig.row.clone(),
            ),
            other => other,
        }
    }

    /// Whether every value of `self` already is a value of `expected`, with
    /// no conversion: the same type, or results whose sides are (a side that
    /// is `Never`, like the err side of `ok(1)`, holds nothing). `Int` inside
    /// a result is *not* a `Float`: widening converts a value, and a result
    /// made elsewhere is not rebuilt (docs/language-decisions.md).
    pub fn holds_as(self, expected: Type) -> bool {
        if let (Type::Result(t, e), Type::Result(wt, we)) = (self, expected) {
            let side = |have: Type, want: Type| have == Type::Never || have.holds_as(want);
            return side(*t, *wt) && side(*e, *we);
        }
        self == expected || self == Type::Never || self.has_error() || expected.has_error()
    }

    /// The least upper bound of two branch types, if they have one.
    pub fn join(self, other: Type) -> Option<Type> {
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Type::Never, t) | (t, Type::Never) => Some(t),
            (a, b) if a.has_error() || b.has_error() => Some(Type::Error),
            // `if c then ok(1) else err("x")`: each side from whichever knows it.
            (Type::Result(t1, e1), Type::Result(t2, e2)) => {
                let t = t1.join(*t2)?;
                let e = e1.join(*e2)?;
                Some(result_of(t, e))
            }
            (Type::Int, Type::Float) | (Type::Float, Type::Int) => Some(Type::Float),
            // Branches of different types meet in a union (types.md §2),
            // e.g. `if c then 1 else null` is `Int?`.
            (a, b) => Some(union_of(&[a, b])),
        }
    }

    /// The members of a union (or the type itself).
    pub fn members(self) -> Vec<Type> {
        match self.union_members() {
            Some(m) => m.to_vec(),
            None => vec![self],
        }
    }

    /// The members when this type is a union (`Json` included: it is the
    /// union of [`json_members`]), `None` for any other type.
    pub fn union_members(self) -> Option<&'static [Type]> {
        match self {
            Type::Union(m) => Some(m),
            Type::Json => Some(json_members()),
            _ => None,
        }
    }

    /// Whether `null` is a value of this type.
    pub fn admits_null(self) -> bool {
        self == Type::Null
            || self
                .union_members()
                .is_some_and(|m| m.contains(&Type::Null))
    }

    /// The type without `Null` (what `x ?? d`, `x!` and `x != null` leave).
    pub fn without_null(self) -> Type {
        let rest: Vec<Type> = self
            .members()
            .into_iter()
            .filter(|m| *m != Type::Null)
            .collect();
        union_of(&rest)
    }

    /// Whether `==` compares values of this type (everything compiled so far).
    pub fn has_equality(self) -> bool {
        !matches!(self, Type::Never)
    }

    /// Whether `<` and friends order values of this type (semantics.md §3).
    pub fn has_ordering(self) -> bool {
        match self {
            Type::Int | Type::Float | Type::Str | Type::Bytes | Type::Bool => true,
            Type::List(elem) => elem.has_ordering(),
            Type::Tuple(elems) => elems.iter().all(|e| e.has_ordering()),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => f.write_str("Int"),
            Type::Float => f.write_str("Float"),
            Type::Bool => f.write_str("Bool"),
            Type::Str => f.write_str("String"),
            Type::Bytes => f.write_str("Bytes"),
            Type::Null => f.write_str("Null"),
            Type::List(elem) => write!(f, "list[{elem}]"),
            Type::Map(k, v) => write!(f, "map[{k}, {v}]"),
            Type::Result(t, e) => write!(f, "result[{t}, {e}]"),
            Type::Set(elem) => write!(f, "set[{elem}]"),
            Type::Future(t) => write!(f, "Future[{t}]"),
            Type::Channel(t) => write!(f, "Channel[{t}]"),
            Type::Record(n) | Type::Enum(n) => f.write_str(n.name),
            Type::Tuple(elems) => {
                f.write_str("(")?;
                for (i, e) in elems.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                if elems.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Type::Union(members) => {
                // `T?` for a union of one type and Null.
                if members.len() == 2 && members[1] == Type::Null {
                    return write!(f, "{}?", members[0]);
                }
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{m}")?;
                }
                Ok(())
            }
            Type::Fn(sig) => {
                f.write_str("fn(")?;
                for (i, p) in sig.params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                write!(f, ") -> {}", sig.ret)?;
                match &sig.row {
                    Some(row) => write!(f, " / {{{}}}", row.join(", ")),
                    None => Ok(()),
                }
            }
            Type::Json => f.write_str("Json"),
            Type::Never => f.write_str("Never"),
            Type::Error => f.write_str("{unknown}"),
        }
    }
}

/// A declared record.
#[derive(Clone, Debug)]
pub struct RecordInfo {
    pub name: String,
    pub fields: Vec<FieldInfo>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldInfo {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

/// A declared enum.
#[derive(Clone, Debug)]
pub struct EnumInfo {
    pub name: String,
    pub variants: Vec<VariantInfo>,
    pub span: Span,
}

impl EnumInfo {
    /// Whether any variant has a payload; if not, values are plain tags.
    pub fn has_payloads(&self) -> bool {
        self.variants.iter().any(|v| !v.fields.is_empty())
    }
}

#[derive(Clone, Debug)]
pub struct VariantInfo {
    pub name: String,
    /// Payload fields; positional payloads have `None` names.
    pub fields: Vec<(Option<String>, Type)>,
    pub span: Span,
}

impl VariantInfo {
    pub fn is_named(&self) -> bool {
        self.fields.first().is_some_and(|(n, _)| n.is_some())
    }
}
