//! Typed HIR: the checked program, produced by [`crate::check`] and consumed by
//! MIR lowering.
//!
//! Names are resolved to ids ([`VarId`], [`CellId`], [`LoopId`]), every
//! expression carries its [`Type`], implicit conversions (Int → Float widening)
//! are explicit [`ExprKind::Cast`] nodes, compound assignments are desugared and
//! calls have their arguments in parameter order with defaults filled in. So
//! lowering never needs to look at the syntax tree or re-derive a type.

use lumen_diagnostics::Span;

pub use crate::types::{EnumInfo, FieldInfo, RecordInfo, Type, VariantInfo};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u32);

/// A local variable of one cell (parameters included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

/// A loop of one cell, the target of `break`/`continue`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoopId(pub u32);

#[derive(Clone, Debug)]
pub struct Program {
    pub cells: Vec<Cell>,
    /// `main`, explicit or made from top-level statements.
    pub entry: CellId,
    /// Declared records, indexed by `Nominal::id` of `Type::Record`.
    pub records: Vec<RecordInfo>,
    /// Declared enums, indexed by `Nominal::id` of `Type::Enum`.
    pub enums: Vec<EnumInfo>,
    /// For each cell, the module (source file) it comes from: spans of the
    /// cell point into that file.
    pub cell_modules: Vec<usize>,
    /// `@deterministic true`: deferred FIFO scheduling and virtual time.
    pub deterministic: bool,
}

#[derive(Clone, Debug)]
pub struct Cell {
    pub name: String,
    pub params: Vec<VarId>,
    pub ret: Type,
    pub vars: Vec<Var>,
    pub body: Block,
    /// The span of the cell's name (its header for the implicit main).
    pub span: Span,
    /// For a closure body (a lambda, or the wrapper that lets a named cell be
    /// used as a value): the variables initialised from the closure's
    /// captured values, in slot order. Such a cell takes the closure object as
    /// a hidden first parameter. `None` for ordinary cells.
    pub captures: Option<Vec<VarId>>,
}

#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub ty: Type,
    pub mutable: bool,
    pub span: Span,
}

/// A sequence of statements; `tail` is the block's value when it has one.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `let x = e` (also the desugared binding of a pattern).
    Let(VarId, Expr),
    /// `let pattern = e` with an irrefutable destructuring pattern (tuple,
    /// record, single-variant enum, nested): binds the pattern's variables.
    LetPattern(Pattern, Expr),
    /// `x = e` (compound assignments arrive desugared).
    Assign(VarId, Expr),
    Expr(Expr),
    While {
        id: LoopId,
        cond: Expr,
        body: Block,
    },
    Loop {
        id: LoopId,
        body: Block,
    },
    /// `for var in start..end step k if filter`. Without `end` (`0..`) the
    /// loop runs until `break`; counting past the Int range is an overflow.
    ForRange {
        id: LoopId,
        var: VarId,
        start: Expr,
        end: Option<Expr>,
        inclusive: bool,
        step: Option<Expr>,
        filter: Option<Expr>,
        body: Block,
    },
    Break(LoopId),
    /// `break value` out of a loop expression ([`ExprKind::Loop`]): the
    /// value is the loop's.
    BreakValue(LoopId, Expr),
    Continue(LoopId),
    Return(Option<Expr>),
    /// `halt msg`: the message is a String expression.
    Halt(Expr),
    /// `defer … end`: runs when the enclosing block exits (normally, or by
    /// `return`/`break`/`continue`), last registered first.
    Defer(Block),
    /// `x.f[i].g = value` on a `let mut` variable: updates the value held by
    /// the variable (copy-on-write at each step).
    AssignPlace {
        var: VarId,
        path: Vec<PlaceStep>,
        value: Expr,
    },
    /// `for c in string`: one-character strings, over the string as it was
    /// when the loop started.
    ForString {
        id: LoopId,
        var: VarId,
        string: Expr,
        filter: Option<Expr>,
        body: Block,
    },
    /// `for (k, v) in map` / `for x in set`: iterates over the collection as it
    /// was when the loop started, in ascending order. For a set only `key` is
    /// bound.
    ForCollection {
        id: LoopId,
        key: Option<VarId>,
        value: Option<VarId>,
        collection: Expr,
        filter: Option<Expr>,
        body: Block,
    },
    /// `for var in list if filter`: iterates over the list as it was when the
    /// loop started.
    ForList {
        id: LoopId,
        var: VarId,
        list: Expr,
        filter: Option<Expr>,
        body: Block,
    },
}

/// One step of an assignment target below the variable.
#[derive(Clone, Debug)]
pub enum PlaceStep {
    /// A record field, by index in declaration order.
    Field(u32),
    /// A list element.
    Index(Expr),
    /// A map entry (inserted when missing).
    Key(Expr),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Str(String),
    /// A `Bytes` literal (`b"4869"`), decoded.
    Bytes(Vec<u8>),
    Var(VarId),
    /// Arithmetic, bitwise and comparison operators; both operands already have
    /// the operation's operand type (see [`BinaryOp`]).
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Cast(CastKind, Box<Expr>),
    /// Short-circuit `and` / `or`.
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// Call of a user cell, arguments in parameter order.
    Call(CellId, Vec<Expr>),
    Builtin(Builtin, Vec<Expr>),
    /// Futures, orchestration and channels (async.md): see [`AsyncOp`].
    Async(AsyncOp, Vec<Expr>),
    /// String interpolation: the parts are concatenated.
    Interpolation(Vec<InterpPart>),
    If {
        cond: Box<Expr>,
        then_block: Block,
        else_block: Option<Block>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `when`: the first arm whose condition holds (`None` = `_`).
    When(Vec<WhenArm>),
    Block(Block),
    /// `loop … end` used as a value: it runs its body until a
    /// [`StmtKind::BreakValue`] targeting it gives the value (of the
    /// expression's type; every `break` of the loop gives one).
    Loop {
        id: LoopId,
        body: Block,
    },
    /// A record value: the field values in declaration order.
    Record(Vec<Expr>),
    /// Reading a record field or tuple element (index in declaration
    /// order), or the payload field of an enum value known to hold a
    /// variant with that field at that index.
    Field(Box<Expr>, u32),
    /// An enum value: the variant's index and its payload in declaration order.
    Variant(u32, Vec<Expr>),
    /// A list literal.
    List(Vec<Expr>),
    /// A tuple: the element values.
    Tuple(Vec<Expr>),
    /// A map literal: key/value pairs.
    Map(Vec<(Expr, Expr)>),
    /// A set literal.
    Set(Vec<Expr>),
    /// A map or set operation (see [`CollectionOp`]).
    Collection(CollectionOp, Vec<Expr>),
    /// `xs[i]` on a list.
    Index(Box<Expr>, Box<Expr>),
    /// A closure: the cell holding its body and the values it captures (in
    /// the order of that cell's `captures`).
    Closure(CellId, Vec<Expr>),
    /// A call of a function value.
    CallValue(Box<Expr>, Vec<Expr>),
    /// A value of a member type turned into a value of the union type `ty`.
    Inject(Box<Expr>),
    /// A union value known (by a test the checker saw) to hold a value of
    /// the member type `ty`.
    Narrow(Box<Expr>),
    /// Whether a union value currently holds a value of the member type.
    IsType(Box<Expr>, Type),
    /// `x as T` on a union: `x` narrowed to `T`, a runtime error otherwise.
    AssertMember(Box<Expr>),
    /// `x ?? default`.
    Coalesce(Box<Expr>, Box<Expr>),
    /// `x!` (false) or `unwrap(x)` (true): the value without `Null`, a
    /// runtime error when it is null (worded after the form used).
    Unwrap(Box<Expr>, bool),
    /// `item in start..end step k` (and without `end`): whether the range
    /// yields `item`. A zero step is a runtime error, as in a loop.
    InSteppedRange {
        item: Box<Expr>,
        start: Box<Expr>,
        end: Option<Box<Expr>>,
        inclusive: bool,
        step: Box<Expr>,
    },
    /// `if let pattern = value` (the pattern's bindings live in `then_block`).
    IfLet {
        pattern: Pattern,
        value: Box<Expr>,
        then_block: Block,
        else_block: Option<Block>,
    },
    /// A higher-order list builtin applied to a list and a function value
    /// (`init` is the initial accumulator of `reduce`).
    HigherOrder {
        op: HigherOrder,
        list: Box<Expr>,
        func: Box<Expr>,
        init: Option<Box<Expr>>,
    },
    /// A record value checked against its fields' `where` constraints.
    CheckWhere(Box<Expr>, Vec<WhereCheck>),
    /// `from_json(text)`: the expression's type is `result[T, String]`; the
    /// hooks run code the runtime's decoder cannot (defaults, `where`).
    FromJson(Box<Expr>, Vec<JsonHook>),
    /// `ok(v)` (true) / `err(e)` (false).
    ResultNew(bool, Box<Expr>),
    /// `try e` on an expression that is neither `await` nor a form
    /// (semantics.md §9): the operand is a thunk (a closure taking no
    /// arguments) computing `e`, run at once in the current task; the
    /// expression's type is `result[T, String]`: `ok(value)`, or
    /// `err(message)` when running it failed.
    Try(Box<Expr>),
    /// `r?`: the ok value, or return the err from the enclosing cell.
    Propagate(Box<Expr>),
    /// A result builtin on its operands (the result first).
    ResultOp(ResultOp, Vec<Expr>),
    /// A call of a library builtin (`crate::library`).
    Library(LibraryCall),
    /// A tool call (tools.md §1), one runtime call; the expression's type is
    /// the result type its context chose (tools-details §10).
    Tool(ToolCall),
    /// `fetch(url)` (tools.md §4): a `Future[String]`. `site` is as in
    /// [`ToolCall::site`], for the tool `fetch`.
    Fetch {
        url: Box<Expr>,
        site: String,
    },
    /// An algebraic-effect operation (tools.md §5) on its operands, one
    /// runtime call each (`runtime/src/exec/effects.rs`).
    Effect(EffectOp, Vec<Expr>),
    /// The expression could not be checked; an error was reported.
    Error,
}

/// Algebraic effects, as runtime operations. Operations are numbered
/// program-wide (`id`); values cross in the slot encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EffectOp {
    /// `perform E.op(args)`: `[arguments in parameter order]` → the
    /// operation's result. `name` (`E.op`) is for the unhandled error.
    Perform { id: u32, name: String },
    /// `[]` → `Bool`: whether a handler for operation `id` is installed
    /// (a bound `perform` calls its tool otherwise).
    Handled { id: u32 },
    /// `handle`: `[body fn() -> T, clause fn() -> T …]` → `T`; `ops[i]` is
    /// the operation clause `i` handles.
    Handle { ops: Vec<u32> },
    /// `[]` → parameter `index` of the operation the running clause
    /// handles (the clause's first statements bind them).
    Arg { index: u32 },
    /// `[]` → `Int`: the continuation of the running clause.
    Continuation,
    /// `resume(v)`: `[continuation, v]` → the `handle` expression's value.
    Resume,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// String `+` / `++`.
    Concat,
}

/// Operations on maps and sets, by their operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionOp {
    /// `m[k]` → `V?`.
    MapGet,
    /// The value of `m[k]` read for an assignment inside it (`m[k].f += 1`):
    /// `V`; a missing key is a runtime error.
    MapEntry,
    /// `get(m, k, default)` → `V`.
    MapGetOr,
    /// `has_key(m, k)`, `k in m`.
    MapHas,
    MapKeys,
    MapValues,
    /// `entries(m)` → `list[(K, V)]`.
    MapEntries,
    MapRemove,
    MapMerge,
    MapLen,
    SetAdd,
    SetRemove,
    /// `contains(s, x)`, `x in s`.
    SetContains,
    SetUnion,
    SetIntersection,
    SetDifference,
    SetLen,
    SetToList,
    /// `to_set(xs)`.
    ListToSet,
}

/// A checked call of a library builtin.
#[derive(Clone, Debug)]
pub struct LibraryCall {
    /// The builtin's name as written (`upper`, `split`, …).
    pub name: &'static str,
    /// The operation, with overloads resolved by the argument types.
    pub op: crate::library::LibOp,
    /// The arguments, checked and converted to the parameter types
    /// (defaults filled in).
    pub args: Vec<Expr>,
}

/// What a tool call passes to the runtime (`docs/runtime-abi.md`, Tools).
#[derive(Clone, Debug)]
pub struct ToolCall {
    /// Compact JSON fixed at compile time: `{"tool": ID, "alias": NAME,
    /// "grants": {…}}`, the grants merged for the call's scope.
    pub site: String,
    /// The named arguments given, in source order, as one record value
    /// whose field names are the argument names (a hidden record type per
    /// argument list); `None` when the call gives none.
    pub args: Option<Box<Expr>>,
    /// The calling cell's conversation, a `list[Message]` (tools.md §3):
    /// for `llm.*` calls in a body with `role` statements.
    pub conversation: Option<Box<Expr>>,
    /// Defaults and `where` checks of the records in the expected type,
    /// applied when the reply is decoded (tools-details §11).
    pub hooks: Vec<JsonHook>,
}

/// One `where` constraint of a record field: the cell that tests it (taking
/// the record) and the text of the failure before ` (field = value)`.
#[derive(Clone, Debug)]
pub struct WhereCheck {
    pub cell: CellId,
    pub field: u32,
    pub message: String,
    pub field_name: String,
}

/// A hidden cell `from_json` hands to the runtime for a record type it
/// decodes: the default of a field missing from the JSON (`check: None`, a
/// `() -> F` cell), or a `where` constraint (`(self) -> Bool`), with the
/// failure text before the field's value (`constraint failed: … (age = `).
#[derive(Clone, Debug)]
pub struct JsonHook {
    pub record: Type,
    pub field: u32,
    pub cell: CellId,
    pub check: Option<String>,
}

/// Result builtins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultOp {
    IsOk,
    IsErr,
    Unwrap,
    UnwrapErr,
    UnwrapOr,
    MapOk,
    MapErr,
}

/// The higher-order list builtins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HigherOrder {
    Map,
    Filter,
    Reduce,
    Any,
    All,
    Count,
    Find,
    Position,
    FlatMap,
    SortBy,
    /// `partition(xs, p)`: `(kept, rest)`.
    Partition,
    /// `group_by(xs, key)`: `map[K, list[T]]`.
    GroupBy,
    /// `sort_with(xs, cmp)`: stable, `cmp(a, b) > 0` puts `b` first.
    SortWith,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
    BitNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastKind {
    IntToFloat,
    FloatToInt,
}

/// Builtin functions and statements implemented by lowering or the runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `print(a, b, …)`: display forms joined by spaces, then a newline.
    Print,
    /// `eprint(…)`: the same on stderr.
    Eprint,
    /// `to_string(x)` / `string(x)`.
    ToString,
    /// `json_encode(x)` (compact) / `json_pretty(x)`.
    JsonEncode { pretty: bool },
    /// `json_parse(s)`: `result[Json, String]`.
    JsonParse,
    /// `j[k]` on a `Json` with a `String` key or an `Int` index: `Json`,
    /// null when `j` is not an object/list or has no such entry.
    JsonIndex,
    /// `len(s)` on a String.
    StrLen,
    /// `s[i]` on a String.
    StrIndex,
    /// `len(b)` on Bytes: the byte count.
    BytesLen,
    /// `b[i]` on Bytes: the byte as an `Int`.
    BytesIndex,
    /// `exit(code)`.
    Exit,
    /// `len(xs)` on a list.
    ListLen,
    /// `append(xs, x)`.
    Append,
}

/// An operation of async.md, lowered to one runtime call. Branches and
/// spawned computations arrive as closures taking no arguments (the checker
/// wraps each branch expression, awaiting a branch whose value is a future
/// and injecting it into the form's value type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsyncOp {
    /// `[closure fn() -> T]` → `Future[T]`.
    Spawn,
    /// `[value]` → the value with every future awaited (`ty` says which).
    Await,
    /// `[future]` → `result[T, String]` (`try await`).
    AwaitTry,
    /// `[future]` → `T | String` (`match await` with a `String` arm).
    AwaitOutcome,
    /// `parallel`: `[list of closures]` → `list[T]` or a tuple.
    All,
    /// `[list of closures fn() -> U]` → `U`.
    Race,
    Vote,
    /// `[list of closures fn() -> Ti?]` → `(Int, T1?, …, Tn?)`.
    Select,
    /// `[ms, closure fn() -> T?]` → `T?`.
    Timeout,
    /// `[ms]` → `Null`.
    Sleep,
    /// `[]` → `Channel[T]` (unbounded).
    ChannelNew,
    /// `[n]` → `Channel[T]`.
    ChannelBounded,
    /// `[channel, value]`.
    Send,
    /// `[channel]` → `T?`.
    Receive,
    Close,
    /// `[channel]` → `Int`.
    ChannelLen,
    /// `[future]` → `Int`: 0 pending, 1 completed, 2 failed.
    FutureStatus,
    /// `[future]` → `String`: the failure message.
    FutureError,
    /// `[future]`.
    Cancel,
}

#[derive(Clone, Debug)]
pub enum InterpPart {
    Text(String),
    Value(Expr, Option<FormatSpec>),
}

/// A parsed format spec `[[fill]align][+][#][0][width][.precision][f|x|X|o|b]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FormatSpec {
    pub fill: Option<char>,
    /// `<`, `>` or `^`.
    pub align: Option<char>,
    pub plus: bool,
    pub alt: bool,
    pub zero: bool,
    pub width: Option<u32>,
    pub precision: Option<u32>,
    /// `f`, `x`, `X`, `o` or `b`.
    pub kind: Option<char>,
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct WhenArm {
    pub cond: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Pattern {
    Wildcard,
    /// Binds the scrutinee to a new variable.
    Bind(VarId),
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// A `Bytes` literal.
    Bytes(Vec<u8>),
    Null,
    /// `lo..hi` or `lo..=hi` on Int.
    IntRange {
        lo: i64,
        hi: i64,
        inclusive: bool,
    },
    Or(Vec<Pattern>),
    /// `ok(p)` (true) / `err(p)` (false) on a result.
    ResultCase {
        is_ok: bool,
        inner: Box<Pattern>,
        ty: Type,
    },
    /// A tuple pattern, one pattern per element of the tuple type `ty`.
    Tuple {
        elems: Vec<Pattern>,
        ty: Type,
    },
    /// A union member type test (`n: Int`, or `null` on a union), binding the
    /// narrowed value when a variable is given.
    Member {
        member: Type,
        union: Type,
        var: Option<VarId>,
    },
    /// An enum variant (by index) with patterns for some of its payload
    /// fields (by index); the others match anything.
    Variant {
        enum_id: u32,
        tag: u32,
        fields: Vec<(u32, Pattern)>,
    },
    /// A pattern on one member type of a union (`0` or `"a"` on
    /// `Int | String`): the value holds that member and, narrowed to it,
    /// matches `inner`.
    MemberValue {
        member: Type,
        union: Type,
        inner: Box<Pattern>,
    },
    /// A record pattern (`Point(x: a, ..)`): patterns for some fields (by
    /// index) of the record type `ty`; the others match anything.
    Record {
        fields: Vec<(u32, Pattern)>,
        ty: Type,
    },
    /// `[p, q]` on a list of type `ty`: exactly that many elements, or with
    /// `rest` (`[p, ...tail]`) at least that many, the remaining ones bound
    /// as a list to the variable when one is named.
    List {
        elems: Vec<Pattern>,
        rest: Option<Option<VarId>>,
        ty: Type,
    },
}

impl Pattern {
    /// The variables this pattern binds, in order of appearance.
    pub fn bindings(&self) -> Vec<VarId> {
        let mut out = Vec::new();
        self.collect_bindings(&mut out);
        out
    }

    fn collect_bindings(&self, out: &mut Vec<VarId>) {
        match self {
            Pattern::Bind(v) => out.push(*v),
            Pattern::Member { var: Some(v), .. } => out.push(*v),
            Pattern::Or(alts) => {
                // Every alternative binds the same variables (the checker
                // makes sure), so the first one names them all.
                if let Some(first) = alts.first() {
                    first.collect_bindings(out);
                }
            }
            Pattern::ResultCase { inner, .. } | Pattern::MemberValue { inner, .. } => {
                inner.collect_bindings(out)
            }
            Pattern::Tuple { elems, .. } => elems.iter().for_each(|p| p.collect_bindings(out)),
            Pattern::Variant { fields, .. } | Pattern::Record { fields, .. } => {
                fields.iter().for_each(|(_, p)| p.collect_bindings(out))
            }
            Pattern::List { elems, rest, .. } => {
                elems.iter().for_each(|p| p.collect_bindings(out));
                if let Some(Some(v)) = rest {
                    out.push(*v);
                }
            }
            _ => {}
        }
    }

    /// Renames bound variables through `map` (variables not in it stay).
    pub fn rename_bindings(&mut self, map: &dyn Fn(VarId) -> VarId) {
        match self {
            Pattern::Bind(v) => *v = map(*v),
            Pattern::Member { var: Some(v), .. } => *v = map(*v),
            Pattern::Or(alts) => alts.iter_mut().for_each(|p| p.rename_bindings(map)),
            Pattern::ResultCase { inner, .. } | Pattern::MemberValue { inner, .. } => {
                inner.rename_bindings(map)
            }
            Pattern::Tuple { elems, .. } => elems.iter_mut().for_each(|p| p.rename_bindings(map)),
            Pattern::Variant { fields, .. } | Pattern::Record { fields, .. } => {
                fields.iter_mut().for_each(|(_, p)| p.rename_bindings(map))
            }
            Pattern::List { elems, rest, .. } => {
                elems.iter_mut().for_each(|p| p.rename_bindings(map));
                if let Some(Some(v)) = rest {
                    *v = map(*v);
                }
            }
            _ => {}
        }
    }
}
