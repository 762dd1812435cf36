//! The contract between compiled Lumen code and the runtime `lumen_rt`.
//!
//! Both sides depend on this crate, so they cannot drift apart (the idea comes
//! from Mun's ABI crate and Brilift's single table of runtime functions):
//!
//! * [`RUNTIME_FUNCTIONS`] lists every `lm_*` function the code generator may
//!   call, with its C signature. The code generator declares its imports from
//!   this table; the runtime's tests check that it exports each of them.
//! * The layout constants describe heap objects that compiled code builds
//!   itself (string literals live in the object file's read-only data).
//! * [`RuntimeErrorCode`] numbers the runtime errors that compiled code raises
//!   by calling [`LM_RUNTIME_ERROR`].
//!
//! Conventions (see `docs/runtime-abi.md`):
//! * Every heap value is a pointer to an object that starts with an
//!   [`ObjectHeader`]. Runtime functions *borrow* their pointer arguments and
//!   return *owned* references (reference count already incremented).
//! * A `Bool` crosses the boundary as an `i8` (0 or 1); `Null` carries no data.
//! * Source locations are pointers to a static [`SourceLoc`] emitted by the
//!   code generator.

/// The machine-level type of one parameter or result of a runtime function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// 64-bit signed integer (`Int`).
    I64,
    /// 32-bit integer (small codes, stream numbers).
    I32,
    /// 8-bit integer (`Bool`).
    I8,
    /// IEEE double (`Float`).
    F64,
    /// A pointer (heap object, static data).
    Ptr,
}

/// One runtime function: its symbol and C signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeFn {
    pub name: &'static str,
    pub params: &'static [AbiType],
    pub returns: &'static [AbiType],
    /// `true` when the function never returns (`exit`).
    pub no_return: bool,
    /// Whether a call may fail (then generated code tests [`FAILING_SYMBOL`]
    /// after it and takes the cell's failure edge).
    pub fails: Fails,
    /// The inline fast path code generation may emit instead of (or in
    /// front of) the call.
    pub inline: Option<Inline>,
    /// What the MIR optimiser may assume about the function.
    pub props: Props,
}

/// What the MIR passes (`lumen_mir::optimize`) may assume about a runtime
/// function, declared with it in [`RUNTIME_FUNCTIONS`] as
/// `#[props(read_only, …)]`, so no pass keeps a list of names of its own.
/// Each property is a promise about the runtime's code: a wrong one is a
/// miscompilation, a missing one only a missed optimisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Props {
    /// Adds no reference to any object and frees none: a local holding the
    /// only reference to its object still does after the call, so a later
    /// `lm_unshare` of it is a copy (`unshare`).
    pub neutral: bool,
    /// Changes no object and frees none (it may retain what it returns): a
    /// loop of such calls and arithmetic leaves every list as it found it,
    /// so its loop-invariant row reads can be peeked before it
    /// (`hoist_rows`).
    pub read_only: bool,
    /// Reads the length or the slots of the list in argument 0: in the
    /// loop copy `hoist_rows` makes, such a read of a peeked row can read
    /// the row's frozen local instead.
    pub list_read: bool,
    /// Argument 0 may be a frozen list: the function only reads the list's
    /// length and buffer, or stores into an unshared list in place, which
    /// never moves the buffer or changes the length; codegen then loads
    /// both once, where the frozen local is assigned (`freeze_loops`).
    pub frozen_ok: bool,
    /// The result is a list, never null: its length and buffer may be
    /// loaded before a loop even when the loop does not run
    /// (`freeze_loops`).
    pub makes_list: bool,
    /// The result is an object nothing else refers to; a list in argument
    /// 0 is consumed (an update returns it): stores into the result need no
    /// count test until something could share it (`unique_lists`).
    pub fresh: bool,
    /// Takes no reference to a list it is passed (its other arguments are
    /// indices, slots and locations), so a list stays unshared across the
    /// call (`unique_lists`).
    pub keeps_lists: bool,
    /// A suspension point (async.md §1): the running task may be suspended
    /// inside the call and other tasks run meanwhile (`spawn` runs the child
    /// first, `await`, `sleep`, channels, the forms, effects, tool calls).
    /// Such a call can always fail, with `cancelled` when the task is
    /// cancelled while suspended, so it must be declared `fails` (a test
    /// below checks it). No pass needs more: values are copy-on-write and
    /// a task's locals are its own, so nothing another task does while this
    /// one is suspended changes what the other properties promise.
    pub suspends: bool,
}

impl Props {
    /// No property: what a pass must assume of an unknown function.
    pub const NONE: Props = Props {
        neutral: false,
        read_only: false,
        list_read: false,
        frozen_ok: false,
        makes_list: false,
        fresh: false,
        keeps_lists: false,
        suspends: false,
    };
}

/// Runtime functions with an inline fast path in generated code
/// (`compiler/codegen/src/fast_paths.rs`), declared with the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inline {
    FloatPow,
    Unshare,
    ListPeek,
    ListSlotMut,
    StrByteKey,
    StrIndex,
    StrEq,
    ListLen,
    ListGet,
    ListGetBorrowed,
    ListSetUnique,
    BoolsSetUnique,
    BoolsGet,
    ListSet,
    ListPush,
    ListPushOwned,
    BoolsSet,
    BoolsPush,
}

/// How a runtime function can fail (`runtime/src/exec/errors.rs`): failures
/// *return*, with the flag [`FAILING_SYMBOL`] set, and the caller leaves
/// its frame through its cleanup code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fails {
    /// Never fails: no test after the call.
    Never,
    /// May fail: the caller tests the flag after the call.
    May,
    /// Always fails (`halt`, runtime errors): the caller takes its failure
    /// edge right after the call.
    Always,
}

macro_rules! runtime_functions {
    ($( $(#[doc = $doc:literal])* $(#[props($($prop:ident),*)])? $konst:ident = $f:ident ( $($p:ident),* ) -> [ $($r:ident),* ] $(, $flag:ident)? $(=> $inline:ident)? ; )*) => {
        $(
            #[doc = concat!("`", stringify!($f), "`")]
            $(#[doc = $doc])*
            pub const $konst: RuntimeFn = RuntimeFn {
                name: stringify!($f),
                params: &[$(AbiType::$p),*],
                returns: &[$(AbiType::$r),*],
                no_return: runtime_functions!(@noret $($flag)?),
                fails: runtime_functions!(@fails $($flag)?),
                inline: runtime_functions!(@inline $($inline)?),
                props: Props {
                    $($($prop: true,)*)?
                    ..Props::NONE
                },
            };
        )*
        /// Every runtime function compiled code may call.
        pub const RUNTIME_FUNCTIONS: &[RuntimeFn] = &[$($konst),*];
    };
    (@noret noreturn) => { true };
    (@noret $($other:ident)?) => { false };
    (@fails fails) => { Fails::May };
    (@fails raises) => { Fails::Always };
    (@fails $($other:ident)?) => { Fails::Never };
    (@inline $inline:ident) => { Some(Inline::$inline) };
    (@inline) => { None };
}

/// The table of runtime functions, handed to the macro `$callback` as
/// rows `NAME = symbol(params) -> [results], flag => Inline;` with their
/// doc comments and `#[props(…)]`. This crate makes [`RUNTIME_FUNCTIONS`]
/// from it; the runtime's ABI test makes from the same rows a check that
/// each symbol is a function with exactly that signature, so the table is
/// written once.
#[macro_export]
macro_rules! runtime_function_table {
    ($callback:ident) => {
        $callback! {
            // Reference counting. `ptr` may be any heap object; static objects are ignored.
            LM_RETAIN = lm_retain(Ptr) -> [];
            LM_RELEASE = lm_release(Ptr) -> [];

            // Output. `stream` is 1 (stdout, buffered) or 2 (stderr). `print(a, b)` is
            // lowered to write_* calls separated by write_space and ended by write_newline.
            LM_WRITE_INT = lm_write_int(I32, I64) -> [];
            LM_WRITE_FLOAT = lm_write_float(I32, F64) -> [];
            LM_WRITE_BOOL = lm_write_bool(I32, I8) -> [];
            LM_WRITE_NULL = lm_write_null(I32) -> [];
            LM_WRITE_STR = lm_write_str(I32, Ptr) -> [];
            LM_WRITE_SPACE = lm_write_space(I32) -> [];
            LM_WRITE_NEWLINE = lm_write_newline(I32) -> [];

            // Display form as a new string (semantics.md §7).
            LM_STR_FROM_INT = lm_str_from_int(I64) -> [Ptr];
            LM_STR_FROM_FLOAT = lm_str_from_float(F64) -> [Ptr];
            LM_STR_FROM_BOOL = lm_str_from_bool(I8) -> [Ptr];
            LM_STR_FROM_NULL = lm_str_from_null() -> [Ptr];

            // Formatting with a spec `{x:spec}` (semantics.md §7). Arguments after the
            // value: fill (Unicode scalar), align (FmtAlign), flags (FMT_FLAG_*), width
            // (-1 = none), precision (-1 = none), kind (FmtKind).
            LM_FMT_INT = lm_fmt_int(I64, I32, I32, I32, I64, I64, I32) -> [Ptr];
            LM_FMT_FLOAT = lm_fmt_float(F64, I32, I32, I32, I64, I64, I32) -> [Ptr];
            LM_FMT_STR = lm_fmt_str(Ptr, I32, I32, I32, I64, I64, I32) -> [Ptr];

            // Strings. Indices count characters (Unicode scalar values).
            LM_STR_CONCAT = lm_str_concat(Ptr, Ptr) -> [Ptr];
            /// `s + t` replacing `s` (`s = s + t`, `s += t`): consumes `s`, borrows
            /// `t` (which may be `s`); appends in place when `s` is an unshared heap
            /// string, so the result may be `s` itself, at the same or a new address.
            LM_STR_APPEND = lm_str_append(Ptr, Ptr) -> [Ptr];
            /// Concatenates `count` strings from an array of pointers (interpolation).
            LM_STR_CONCAT_N = lm_str_concat_n(Ptr, I64) -> [Ptr];
            /// The byte of a one-byte string, -1 for any other length: a `match` with
            /// several one-character string arms compares this key to each arm's
            /// byte instead of comparing strings.
            LM_STR_BYTE_KEY = lm_str_byte_key(Ptr) -> [I64] => StrByteKey;
            #[props(neutral, read_only)]
            LM_STR_EQ = lm_str_eq(Ptr, Ptr) -> [I8] => StrEq;
            /// Lexicographic by code point: -1, 0 or 1.
            LM_STR_CMP = lm_str_cmp(Ptr, Ptr) -> [I64];
            LM_STR_LEN = lm_str_len(Ptr) -> [I64];
            /// `s[i]`; negative counts from the end; out of range is a runtime error at `loc`.
            LM_STR_INDEX = lm_str_index(Ptr, I64, Ptr) -> [Ptr], fails => StrIndex;

            // Arithmetic that is not worth inlining.
            /// `a ** b` on Int with the errors of semantics.md §2.
            LM_INT_POW = lm_int_pow(I64, I64, Ptr) -> [I64], fails;
            #[props(neutral, read_only)]
            LM_FLOAT_POW = lm_float_pow(F64, F64) -> [F64] => FloatPow;
            /// `%` on floats: the sign of the divisor.
            LM_FLOAT_MOD = lm_float_mod(F64, F64) -> [F64];

            // Compound values: lists, records, enums with payloads (layouts below).
            // Every such object records its type descriptor, so release, display,
            // equality and ordering work on any value without help from compiled code.
            // Values cross the boundary as 64-bit "slots": Int as is, Float as its bit
            // pattern, Bool as 0/1, Null as 0, heap values as pointers.

            /// A new record of the record type `desc` with every field slot zero; the
            /// compiled code then stores each field (the record owns those references).
            LM_RECORD_NEW = lm_record_new(Ptr) -> [Ptr];
            /// A new enum value of the enum type `desc` with variant `tag` and zeroed
            /// field slots, filled in by compiled code like a record.
            LM_ENUM_NEW = lm_enum_new(Ptr, I64) -> [Ptr];
            /// Makes an object safe to mutate: consumes one reference to `obj` and
            /// returns an object with reference count 1 and the same contents — `obj`
            /// itself when it was not shared, else a shallow copy (children retained).
            #[props(fresh)]
            LM_UNSHARE = lm_unshare(Ptr) -> [Ptr] => Unshare;
            /// An empty list of elements of type `elem_desc`, with room for `capacity`.
            #[props(makes_list, fresh)]
            LM_LIST_NEW = lm_list_new(Ptr, I64) -> [Ptr];
            /// A list of elements of type `elem_desc` holding copies of the `n`
            /// slots at `slots` (a constant list literal's static array).
            #[props(makes_list, fresh)]
            LM_LIST_FROM_STATIC = lm_list_from_static(Ptr, Ptr, I64) -> [Ptr];
            /// Appends a slot to a list, consuming the list reference (copy-on-write:
            /// in place when unshared) and borrowing the element (retained when heap).
            #[props(makes_list, fresh)]
            LM_LIST_PUSH = lm_list_push(Ptr, I64) -> [Ptr] => ListPush;
            /// `lm_list_push` taking over the element's reference instead of
            /// retaining it (a heap temporary moved into the list).
            #[props(makes_list, fresh)]
            LM_LIST_PUSH_OWNED = lm_list_push_owned(Ptr, I64) -> [Ptr] => ListPushOwned;
            #[props(neutral, read_only, list_read, frozen_ok, keeps_lists)]
            LM_LIST_LEN = lm_list_len(Ptr) -> [I64] => ListLen;
            /// `xs[i]` (negative from the end); the slot is returned owned (retained
            /// when heap); out of range is the runtime error of semantics.md §5 at `loc`.
            #[props(read_only, list_read, frozen_ok, keeps_lists)]
            LM_LIST_GET = lm_list_get(Ptr, I64, Ptr) -> [I64], fails => ListGet;
            /// `xs[i]` *borrowed*: as `lm_list_get` but the element is not retained;
            /// the caller only reads through it while `xs` still holds it (the row
            /// in `m[i][j]`).
            #[props(neutral, read_only, list_read, frozen_ok, keeps_lists)]
            LM_LIST_GET_BORROWED = lm_list_get_borrowed(Ptr, I64, Ptr) -> [I64], fails => ListGetBorrowed;
            /// Element `i` (negative from the end) of a list, borrowed, or 0 when `i`
            /// is out of range: a read that never fails, done before a loop on
            /// speculation (`mir::optimize::hoist_rows`).
            #[props(neutral, read_only, keeps_lists)]
            LM_LIST_PEEK = lm_list_peek(Ptr, I64) -> [I64] => ListPeek;
            /// The address of slot `i` of an unshared list whose element is then
            /// unshared too, for an update of the element in place (`xs[i].f = v`).
            /// Out of range is a runtime error at `loc`.
            #[props(neutral, keeps_lists)]
            LM_LIST_SLOT_MUT = lm_list_slot_mut(Ptr, I64, Ptr) -> [Ptr], fails => ListSlotMut;
            /// `xs[i] = v`: consumes the list (copy-on-write), borrows `v`; returns the
            /// list. Out of range is a runtime error at `loc`.
            #[props(makes_list, fresh)]
            LM_LIST_SET = lm_list_set(Ptr, I64, I64, Ptr) -> [Ptr], fails => ListSet;
            /// `xs[i]`, `xs[i] = v` and `append(xs, v)` on a `list[Bool]`, whose
            /// elements are packed (a byte each): exactly `lm_list_get`,
            /// `lm_list_set` and `lm_list_push`; the names tell the code generator
            /// the layout, so its inline fast paths need not read the descriptor.
            #[props(neutral, read_only, frozen_ok, keeps_lists)]
            LM_BOOLS_GET = lm_bools_get(Ptr, I64, Ptr) -> [I64], fails => BoolsGet;
            #[props(makes_list, fresh)]
            LM_BOOLS_SET = lm_bools_set(Ptr, I64, I64, Ptr) -> [Ptr], fails => BoolsSet;
            #[props(makes_list, fresh)]
            LM_BOOLS_PUSH = lm_bools_push(Ptr, I64) -> [Ptr] => BoolsPush;
            /// `xs[i] = v` where the MIR proved the list unshared
            /// (`mir::optimize::unique_lists`): exactly `lm_list_set` /
            /// `lm_bools_set`, but the code generator's inline store needs no count
            /// test, and its only call is the failing one (index out of range).
            #[props(frozen_ok, makes_list, fresh)]
            LM_LIST_SET_UNIQUE = lm_list_set_unique(Ptr, I64, I64, Ptr) -> [Ptr], fails => ListSetUnique;
            #[props(frozen_ok, makes_list, fresh)]
            LM_BOOLS_SET_UNIQUE = lm_bools_set_unique(Ptr, I64, I64, Ptr) -> [Ptr], fails => BoolsSetUnique;
            /// `xs ++ ys` / `concat`: a new list.
            LM_LIST_CONCAT = lm_list_concat(Ptr, Ptr) -> [Ptr];
            /// The display form of any value (semantics.md §7) as a new string; strings
            /// at top level are not quoted.
            LM_STR_FROM_VALUE = lm_str_from_value(I64, Ptr) -> [Ptr];
            /// The display form as inside a collection (strings quoted), for the
            /// value in a `where` failure (`(name = "")`).
            LM_STR_REPR = lm_str_repr(I64, Ptr) -> [Ptr];
            /// `json_encode(x)` / `json_pretty(x)`: `(slot, desc, pretty, loc)` -> a
            /// new string; a function value inside is a runtime error at `loc`.
            LM_JSON_ENCODE = lm_json_encode(I64, Ptr, I32, Ptr) -> [Ptr], fails;
            /// `json_parse(s, result_desc)`: `result[Json, String]`, `ok` holding
            /// the `Json` value (a boxed union built with the descriptors under
            /// `result_desc`), `err` a message with `line:column`.
            LM_JSON_PARSE = lm_json_parse(Ptr, Ptr) -> [Ptr];
            /// `j[key]` on a `Json` (borrowed) with a String key: the entry (owned),
            /// or 0 (null) when `j` is not an object or has no such key.
            LM_JSON_GET = lm_json_get(Ptr, Ptr) -> [Ptr];
            /// `j[i]` on a `Json` with an Int index (negative from the end): the
            /// element (owned), or 0 when `j` is not a list or `i` is out of range.
            LM_JSON_AT = lm_json_at(Ptr, I64) -> [Ptr];
            /// `from_json(s, result_desc, hooks, count)`: `result[T, String]` for the
            /// `T` of `result_desc`'s `ok` variant. `hooks` points to `count` groups
            /// of 4 words `[record_desc, field, code, text]`: `text` 0 means `code`
            /// is a `() -> F` cell giving field `field`'s default, otherwise a
            /// `(record) -> Bool` `where` check whose failure message starts with the
            /// string `text`.
            LM_FROM_JSON = lm_from_json(Ptr, Ptr, Ptr, I64) -> [Ptr], fails;
            /// Writes the display form of any value to a stream.
            LM_WRITE_VALUE = lm_write_value(I32, I64, Ptr) -> [];
            /// Structural equality of two values of type `desc` (semantics.md §3).
            LM_VALUE_EQ = lm_value_eq(I64, I64, Ptr) -> [I8];
            /// Ordering of two values of type `desc`: -1, 0 or 1 (numbers, strings,
            /// Bools, lists element-wise).
            LM_VALUE_CMP = lm_value_cmp(I64, I64, Ptr) -> [I64];
            /// A new closure of the closure type `desc` (kind `Closure`: its children
            /// are the captured values' types) calling `code`, with zeroed capture
            /// slots that compiled code then fills (the closure owns them).
            LM_CLOSURE_NEW = lm_closure_new(Ptr, Ptr) -> [Ptr];
            /// A box holding a union member value: `desc` is the member's type, the
            /// slot is borrowed (retained when heap).
            LM_BOX_NEW = lm_box_new(Ptr, I64) -> [Ptr];
            /// Whether a boxed union value (or 0 for null) holds a value of the type
            /// `desc` (kind Null: whether it is null).
            LM_BOX_IS = lm_box_is(Ptr, Ptr) -> [I8];

            // Maps and sets: sorted by key (the ordering of `lm_value_cmp`), so
            // iteration, display and `keys` are in ascending order. Objects carry
            // their type descriptor (kind Map: children [K, V]; kind Set: [T]).
            // Functions that take a map or set to change it consume that reference
            // and return the result (copy-on-write, in place when unshared); keys and
            // values are borrowed slots (retained when heap); results are owned.
            LM_MAP_NEW = lm_map_new(Ptr) -> [Ptr];
            /// `m[k] = v`.
            LM_MAP_SET = lm_map_set(Ptr, I64, I64) -> [Ptr];
            /// Whether the map has the key.
            LM_MAP_HAS = lm_map_has(Ptr, I64) -> [I8];
            /// The value for a key the map has (owned); a missing key is an internal error.
            LM_MAP_GET = lm_map_get(Ptr, I64) -> [I64];
            /// The value of a key for an update inside it, owned; `take` (I8 1)
            /// empties the entry of an unshared map instead of retaining; a missing
            /// key fails the task at `loc`.
            LM_MAP_ENTRY = lm_map_entry(Ptr, I64, I8, Ptr) -> [I64], fails;
            /// `remove(m, k)`: consumes the map; a missing key is no change.
            LM_MAP_REMOVE = lm_map_remove(Ptr, I64) -> [Ptr];
            LM_MAP_LEN = lm_map_len(Ptr) -> [I64];
            /// The key / value of the `i`-th entry in ascending key order (owned).
            LM_MAP_KEY_AT = lm_map_key_at(Ptr, I64) -> [I64];
            LM_MAP_VALUE_AT = lm_map_value_at(Ptr, I64) -> [I64];
            /// `keys(m)` / `values(m)`: new lists (`list_desc` is the list type's descriptor).
            LM_MAP_KEYS = lm_map_keys(Ptr, Ptr) -> [Ptr];
            LM_MAP_VALUES = lm_map_values(Ptr, Ptr) -> [Ptr];
            /// `merge(a, b)`: a new map, `b` wins.
            LM_MAP_MERGE = lm_map_merge(Ptr, Ptr) -> [Ptr];
            LM_SET_NEW = lm_set_new(Ptr) -> [Ptr];
            /// Adds an element: consumes the set.
            LM_SET_ADD = lm_set_add(Ptr, I64) -> [Ptr];
            LM_SET_CONTAINS = lm_set_contains(Ptr, I64) -> [I8];
            /// Removes an element: consumes the set; a missing element is no change.
            LM_SET_REMOVE = lm_set_remove(Ptr, I64) -> [Ptr];
            LM_SET_LEN = lm_set_len(Ptr) -> [I64];
            /// The `i`-th element in ascending order (owned).
            LM_SET_AT = lm_set_at(Ptr, I64) -> [I64];
            /// `a | b`, `a & b`, `a - b`: new sets.
            LM_SET_UNION = lm_set_union(Ptr, Ptr) -> [Ptr];
            LM_SET_INTERSECTION = lm_set_intersection(Ptr, Ptr) -> [Ptr];
            LM_SET_DIFFERENCE = lm_set_difference(Ptr, Ptr) -> [Ptr];
            /// `to_list(s)`: a new list of the elements in order.
            LM_SET_TO_LIST = lm_set_to_list(Ptr, Ptr) -> [Ptr];
            /// `sort_by`: a new list of the elements of `xs` ordered (stably) by the
            /// keys in the list `keys` (same length, compared with `lm_value_cmp`).
            LM_LIST_SORT_BY_KEYS = lm_list_sort_by_keys(Ptr, Ptr) -> [Ptr];
            /// A new tuple of the tuple type `desc` with zeroed element slots, filled
            /// by compiled code like a record (tuples use the record layout).
            LM_TUPLE_NEW = lm_tuple_new(Ptr) -> [Ptr];

            // Failures (`runtime/src/exec/errors.rs`): record the running task's failure,
            // set the flag and return; the caller takes its failure edge.
            LM_RUNTIME_ERROR = lm_runtime_error(I32, Ptr) -> [], raises;
            /// `halt msg`: the message is a string object.
            LM_HALT = lm_halt(Ptr, Ptr) -> [], raises;
            /// The landing of a cell with `defer` blocks: clears the flag while they
            /// run (the failure stays pending) ...
            LM_FAILURE_HOLD = lm_failure_hold() -> [];
            /// ... and sets it again after them.
            LM_FAILURE_RESUME = lm_failure_resume() -> [];
            /// On the failure edge of a call of a cell: `(loc of the call)` adds
            /// `called from CELL (FILE:LINE:COL)` to the pending failure's report.
            LM_FAILURE_CALLED_FROM = lm_failure_called_from(Ptr) -> [];

            // Futures and orchestration (async.md; `runtime/src/exec/futures.rs`,
            // `forms.rs`, `channels.rs`). Closures passed here take no arguments;
            // values cross as slots; results are owned, arguments borrowed.
            /// `spawn(…)`: `(closure fn() -> T, Future[T] desc)` -> future handle.
            #[props(suspends)]
            LM_SPAWN = lm_spawn(Ptr, Ptr) -> [Ptr], fails;
            /// `await f` on a `Future[T]`: `(future, loc)` -> the value's slot.
            #[props(suspends)]
            LM_AWAIT = lm_await(Ptr, Ptr) -> [I64], fails;
            /// `await v` through lists, tuples, maps, nested futures: `(slot, from
            /// desc, to desc, loc)` -> slot.
            #[props(suspends)]
            LM_AWAIT_DEEP = lm_await_deep(I64, Ptr, Ptr, Ptr) -> [I64], fails;
            /// `try await f`: `(future, Future[T] desc, result[T, String] desc)`.
            #[props(suspends)]
            LM_AWAIT_TRY = lm_await_try(Ptr, Ptr, Ptr) -> [Ptr], fails;
            /// `try e` on anything but `await` or a form: `(thunk, result[T,
            /// String] desc)` -> `ok(v)` / `err(message)`; fails only when the
            /// task is cancelled meanwhile.
            LM_TRY_CALL = lm_try_call(Ptr, Ptr) -> [Ptr], fails;
            /// `match await f` with a `String` arm: `(future, Future[T] desc, T |
            /// String desc)` -> union slot.
            #[props(suspends)]
            LM_AWAIT_OUTCOME = lm_await_outcome(Ptr, Ptr, Ptr) -> [I64], fails;
            /// 0 pending, 1 completed, 2 failed.
            LM_FUTURE_STATUS = lm_future_status(Ptr) -> [I64];
            LM_FUTURE_ERROR = lm_future_error(Ptr) -> [Ptr];
            LM_FUTURE_CANCEL = lm_future_cancel(Ptr) -> [];
            #[props(suspends)]
            LM_SLEEP = lm_sleep(I64) -> [], fails;
            LM_SET_DETERMINISTIC = lm_set_deterministic() -> [];
            /// `(closures list, List or Tuple desc, loc)` -> list or tuple.
            #[props(suspends)]
            LM_FORM_ALL = lm_form_all(Ptr, Ptr, Ptr) -> [Ptr], fails;
            /// `(closures list, value desc, loc)` -> slot.
            #[props(suspends)]
            LM_FORM_RACE = lm_form_race(Ptr, Ptr, Ptr) -> [I64], fails;
            #[props(suspends)]
            LM_FORM_VOTE = lm_form_vote(Ptr, Ptr, Ptr) -> [I64], fails;
            /// `(closures list, (Int, T1?, …) desc, loc)` -> tuple.
            #[props(suspends)]
            LM_FORM_SELECT = lm_form_select(Ptr, Ptr, Ptr) -> [Ptr], fails;
            /// `(ms, closure fn() -> T?, T? desc, loc)` -> slot.
            #[props(suspends)]
            LM_FORM_TIMEOUT = lm_form_timeout(I64, Ptr, Ptr, Ptr) -> [I64], fails;
            /// `channel()`: `(Channel[T] desc)`.
            LM_CHANNEL_NEW = lm_channel_new(Ptr) -> [Ptr];
            /// `channel(n)`: `(n, Channel[T] desc, loc)`.
            LM_CHANNEL_BOUNDED = lm_channel_bounded(I64, Ptr, Ptr) -> [Ptr], fails;
            #[props(suspends)]
            LM_CHANNEL_SEND = lm_channel_send(Ptr, I64, Ptr) -> [], fails;
            /// `(channel, T? desc)` -> `T?` slot.
            #[props(suspends)]
            LM_CHANNEL_RECEIVE = lm_channel_receive(Ptr, Ptr, Ptr) -> [I64], fails;
            LM_CHANNEL_CLOSE = lm_channel_close(Ptr) -> [];
            LM_CHANNEL_LEN = lm_channel_len(Ptr) -> [I64];

            // Algebraic effects (tools.md §5; `runtime/src/exec/effects.rs`).
            // Operations are numbered program-wide; values cross as slots, results
            // owned, arguments borrowed; closures take no arguments.
            /// `perform E.op(args)`: `(op id, "E.op" string, argument slots,
            /// argument descs, count, result desc, loc)` -> result slot.
            #[props(suspends)]
            LM_PERFORM = lm_perform(I64, Ptr, Ptr, Ptr, I64, Ptr, Ptr) -> [I64], fails;
            /// Whether a handler for the operation is installed: 1 or 0.
            LM_EFFECT_HANDLED = lm_effect_handled(I64) -> [I64];
            /// `handle`: `(body closure, clause closures, their op ids, count,
            /// value desc, loc)` -> value slot.
            #[props(suspends)]
            LM_HANDLE = lm_handle(Ptr, Ptr, Ptr, I64, Ptr, Ptr) -> [I64], fails;
            /// In a clause: argument `index` of the operation it handles, `(index,
            /// desc)` -> slot.
            LM_EFFECT_ARG = lm_effect_arg(I64, Ptr) -> [I64];
            /// In a clause: its continuation.
            LM_EFFECT_CONTINUATION = lm_effect_continuation() -> [I64];
            /// `resume(v)`: `(continuation, v slot, v desc, value desc, loc)` -> the
            /// `handle`'s value slot.
            #[props(suspends)]
            LM_EFFECT_RESUME = lm_effect_resume(I64, I64, Ptr, Ptr, Ptr) -> [I64], fails;

            // Tools (tools.md; `runtime/src/tools/`, docs/runtime-abi.md "Tools").
            // `site` is an immortal string of compact JSON fixed at compile time:
            // `{"tool", "alias", "grants"}`.
            /// A tool call (tools.md §1): `(site, args, args desc, conversation,
            /// expected desc, hooks, hook count, loc)` -> result slot (owned); the
            /// hooks as for `lm_from_json` (defaults and `where` checks of the
            /// expected type's records).
            #[props(suspends)]
            LM_TOOL_CALL = lm_tool_call(Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, I64, Ptr) -> [I64], fails;
            /// `fetch(url)`: `(url string, site, Future[String] desc, loc)` -> a
            /// Future[String] handle (owned).
            #[props(suspends)]
            LM_FETCH = lm_fetch(Ptr, Ptr, Ptr, Ptr) -> [Ptr], fails;
            /// Called by a function prologue when the stack pointer is below `lm_stack_limit`.
            LM_STACK_OVERFLOW = lm_stack_overflow(Ptr) -> [], raises;
            /// `unwrap(r)` on an err / `unwrap_err(r)` on an ok: fails with the
            /// payload's display form (`unwrap on err: <e>`).
            LM_UNWRAP_FAILED = lm_unwrap_failed(Ptr, Ptr) -> [], raises;
            /// `exit(code)`: flush output and end the process.
            LM_EXIT = lm_exit(I64) -> [], noreturn;

            // Builtin library (builtins.md): plain runtime calls made by
            // `lumen_mir::lower::library`. Pointer arguments are borrowed, results
            // owned; `loc` arguments locate the runtime errors these functions raise.
            // Lists of strings/lists are built with the element descriptor passed in.

            // Strings (indices and lengths count characters).
            LM_STR_UPPER = lm_str_upper(Ptr) -> [Ptr];
            LM_STR_LOWER = lm_str_lower(Ptr) -> [Ptr];
            LM_STR_TRIM = lm_str_trim(Ptr) -> [Ptr];
            LM_STR_TRIM_START = lm_str_trim_start(Ptr) -> [Ptr];
            LM_STR_TRIM_END = lm_str_trim_end(Ptr) -> [Ptr];
            /// The first character upper-cased, the rest unchanged.
            LM_STR_CAPITALIZE = lm_str_capitalize(Ptr) -> [Ptr];
            LM_STR_REVERSE = lm_str_reverse(Ptr) -> [Ptr];
            /// `split(s, sep)`: a `list[String]` (`str_desc` is the String descriptor).
            LM_STR_SPLIT = lm_str_split(Ptr, Ptr, Ptr) -> [Ptr];
            /// `lines(s)`, `chars(s)`: a `list[String]` (`str_desc` as for split).
            LM_STR_LINES = lm_str_lines(Ptr, Ptr) -> [Ptr];
            LM_STR_CHARS = lm_str_chars(Ptr, Ptr) -> [Ptr];
            LM_STR_REPLACE = lm_str_replace(Ptr, Ptr, Ptr) -> [Ptr];
            LM_STR_CONTAINS = lm_str_contains(Ptr, Ptr) -> [I8];
            LM_STR_STARTS_WITH = lm_str_starts_with(Ptr, Ptr) -> [I8];
            LM_STR_ENDS_WITH = lm_str_ends_with(Ptr, Ptr) -> [I8];
            /// Character index of the first occurrence, or -1.
            LM_STR_INDEX_OF = lm_str_index_of(Ptr, Ptr) -> [I64];
            /// `slice(s, start, end)`: negative from the end, clamped.
            LM_STR_SLICE = lm_str_slice(Ptr, I64, I64) -> [Ptr];
            /// `pad_left(s, width, fill, loc)`; `fill` must be one character.
            LM_STR_PAD_LEFT = lm_str_pad_left(Ptr, I64, Ptr, Ptr) -> [Ptr], fails;
            LM_STR_PAD_RIGHT = lm_str_pad_right(Ptr, I64, Ptr, Ptr) -> [Ptr], fails;
            /// `repeat(s, n, loc)`; a negative count is a runtime error.
            LM_STR_REPEAT = lm_str_repeat(Ptr, I64, Ptr) -> [Ptr], fails;
            /// `format(template, …)`: `parts` is an array of `count` strings (the
            /// arguments' display forms) that replace the `{}` of the template.
            LM_STR_FORMAT = lm_str_format(Ptr, Ptr, I64, Ptr) -> [Ptr], fails;
            /// `format(template, …)` with spread arguments: `(template, parts, loc)`,
            /// the display forms in a `list[String]`; a count that does not match the
            /// template fails at `loc` as for `lm_str_format`.
            LM_STR_FORMAT_LIST = lm_str_format_list(Ptr, Ptr, Ptr) -> [Ptr], fails;
            /// `join(xs, sep)`: display forms (strings unquoted) joined by `sep`.
            LM_LIST_JOIN = lm_list_join(Ptr, Ptr) -> [Ptr];

            // Math.
            /// A one-argument Float function ([`FloatFn`]).
            LM_FLOAT_FN = lm_float_fn(I32, F64) -> [F64];
            LM_FLOAT_ATAN2 = lm_float_atan2(F64, F64) -> [F64];
            LM_FLOAT_IS_NAN = lm_float_is_nan(F64) -> [I8];
            LM_FLOAT_IS_INF = lm_float_is_inf(F64) -> [I8];
            /// `min`/`max` of two Floats by the ordering of semantics.md §3 (NaN last).
            LM_FLOAT_MIN = lm_float_min(F64, F64) -> [F64];
            LM_FLOAT_MAX = lm_float_max(F64, F64) -> [F64];
            LM_INT_MIN = lm_int_min(I64, I64) -> [I64];
            LM_INT_MAX = lm_int_max(I64, I64) -> [I64];
            /// `abs` of an Int; `MIN_INT` is the error `integer overflow in abs` at `loc`.
            LM_INT_ABS = lm_int_abs(I64, Ptr) -> [I64], fails;
            /// `clamp(x, lo, hi, loc)`; `lo > hi` is a runtime error.
            LM_INT_CLAMP = lm_int_clamp(I64, I64, I64, Ptr) -> [I64], fails;
            LM_FLOAT_CLAMP = lm_float_clamp(F64, F64, F64, Ptr) -> [F64], fails;

            // Lists: every function returns a new list (the argument is borrowed).
            /// `insert(xs, i, v, loc)` (`prepend` is `i = 0`).
            LM_LIST_INSERT = lm_list_insert(Ptr, I64, I64, Ptr) -> [Ptr], fails;
            LM_LIST_REMOVE_AT = lm_list_remove_at(Ptr, I64, Ptr) -> [Ptr], fails;
            /// `slice(xs, start, end)`: negative from the end, clamped.
            LM_LIST_SLICE = lm_list_slice(Ptr, I64, I64) -> [Ptr];
            LM_LIST_TAKE = lm_list_take(Ptr, I64) -> [Ptr];
            LM_LIST_DROP = lm_list_drop(Ptr, I64) -> [Ptr];
            LM_LIST_REVERSE = lm_list_reverse(Ptr) -> [Ptr];
            /// Stable ascending sort by the ordering of `lm_value_cmp`.
            LM_LIST_SORT = lm_list_sort(Ptr) -> [Ptr];
            /// Equal elements (`lm_value_eq`) after the first removed.
            LM_LIST_UNIQUE = lm_list_unique(Ptr) -> [Ptr];
            /// `flatten(xs, elem_desc)`: `elem_desc` is the inner lists' element type.
            LM_LIST_FLATTEN = lm_list_flatten(Ptr, Ptr) -> [Ptr];
            /// Index of the first element equal to the slot `v`, or -1.
            LM_LIST_INDEX_OF = lm_list_index_of(Ptr, I64) -> [I64];
            /// `range(a, b, step, int_desc, loc)`: `list[Int]`; step 0 is an error.
            LM_LIST_RANGE = lm_list_range(I64, I64, I64, Ptr, Ptr) -> [Ptr], fails;
            /// `chunk(xs, n, list_desc, loc)`: `list_desc` describes `list[T]`.
            LM_LIST_CHUNK = lm_list_chunk(Ptr, I64, Ptr, Ptr) -> [Ptr], fails;
            LM_LIST_WINDOW = lm_list_window(Ptr, I64, Ptr, Ptr) -> [Ptr], fails;
            /// Sum / product of a `list[Int]` or `list[Float]` as a slot; Int
            /// overflow is a runtime error at `loc`.
            LM_LIST_SUM = lm_list_sum(Ptr, Ptr) -> [I64], fails;
            LM_LIST_PRODUCT = lm_list_product(Ptr, Ptr) -> [I64], fails;
            /// The least / greatest element (owned slot); an empty list is an error.
            LM_LIST_MIN = lm_list_min(Ptr, Ptr) -> [I64], fails;
            LM_LIST_MAX = lm_list_max(Ptr, Ptr) -> [I64], fails;

            // Checks and environment.
            /// `assert_eq(a, b)`: fails at `loc` unless equal (`lm_value_eq`).
            LM_ASSERT_EQ = lm_assert_eq(I64, I64, Ptr, Ptr) -> [], fails;
            LM_ASSERT_NE = lm_assert_ne(I64, I64, Ptr, Ptr) -> [], fails;
            /// `debug(x)`: `[file:line:col] display` on stderr.
            LM_DEBUG = lm_debug(I64, Ptr, Ptr) -> [];
            /// `args()`: the program arguments as a `list[String]` (`str_desc`).
            LM_ARGS = lm_args(Ptr) -> [Ptr];
            /// `read_stdin()`: all of standard input (stdout is flushed first).
            LM_READ_STDIN = lm_read_stdin() -> [Ptr];

            // Conversions, environment, time, randomness, encodings (builtins.md).
            // An `Int?`/`Float?` result is a box of the Int/Float descriptor passed
            // in, or 0 for null; a `String?` is the string or 0; a `result[T, E]` is
            // an enum object of the result descriptor passed in.
            /// `to_int(x)` on a Float: truncated, null when NaN, infinite or out of range.
            LM_FLOAT_TO_INT = lm_float_to_int(F64, Ptr) -> [Ptr];
            /// `to_int(s)` / `to_float(s)`: parsed after trimming, or null.
            LM_STR_TO_INT = lm_str_to_int(Ptr, Ptr) -> [Ptr];
            LM_STR_TO_FLOAT = lm_str_to_float(Ptr, Ptr) -> [Ptr];
            /// `parse_int(s, result_desc)` / `parse_float`: `ok(n)` or `err(message)`.
            LM_PARSE_INT = lm_parse_int(Ptr, Ptr) -> [Ptr];
            LM_PARSE_FLOAT = lm_parse_float(Ptr, Ptr) -> [Ptr];
            /// `zip(xs, ys, pair_desc)`, `enumerate(xs, pair_desc)`: lists of tuples.
            LM_LIST_ZIP = lm_list_zip(Ptr, Ptr, Ptr) -> [Ptr];
            LM_LIST_ENUMERATE = lm_list_enumerate(Ptr, Ptr) -> [Ptr];
            /// `group_by` step: appends the slot `v` to the list under key `k` of a
            /// `map[K, list[T]]` (a new list for a new key); consumes the map.
            LM_MAP_GROUP_PUSH = lm_map_group_push(Ptr, I64, I64) -> [Ptr];
            /// `env(name)`: `String?`.
            LM_ENV = lm_env(Ptr) -> [Ptr];
            /// `read_line()`: `String?` (null at end of input); flushes stdout first.
            LM_READ_LINE = lm_read_line() -> [Ptr];
            /// `read_file(path, result_desc)`: `result[String, String]`.
            LM_READ_FILE = lm_read_file(Ptr, Ptr) -> [Ptr];
            /// `write_file(path, text, result_desc)`: `result[Null, String]`.
            LM_WRITE_FILE = lm_write_file(Ptr, Ptr, Ptr) -> [Ptr];
            LM_NOW_MS = lm_now_ms() -> [I64];
            LM_MONOTONIC_MS = lm_monotonic_ms() -> [I64];
            /// `random()`: a Float in [0, 1).
            LM_RANDOM = lm_random() -> [F64];
            /// `random_int(lo, hi, loc)`: inclusive; `lo > hi` is a runtime error.
            LM_RANDOM_INT = lm_random_int(I64, I64, Ptr) -> [I64], fails;
            LM_UUID = lm_uuid() -> [Ptr];
            /// `sha256(s)`: 64 lower-case hex digits.
            LM_SHA256 = lm_sha256(Ptr) -> [Ptr];
            LM_BASE64_ENCODE = lm_base64_encode(Ptr) -> [Ptr];
            LM_HEX_ENCODE = lm_hex_encode(Ptr) -> [Ptr];
            LM_URL_ENCODE = lm_url_encode(Ptr) -> [Ptr];
            /// Decoders: `(s, result_desc)` -> `result[String, String]`.
            LM_BASE64_DECODE = lm_base64_decode(Ptr, Ptr) -> [Ptr];
            LM_HEX_DECODE = lm_hex_decode(Ptr, Ptr) -> [Ptr];
            LM_URL_DECODE = lm_url_decode(Ptr, Ptr) -> [Ptr];

            // Bytes (layout below). Indices count bytes.
            /// `bytes(s)`: the UTF-8 bytes of a string.
            LM_BYTES_FROM_STR = lm_bytes_from_str(Ptr) -> [Ptr];
            /// `from_utf8(b, result_desc)`: `ok(text)` or `err("invalid UTF-8 at byte N")`.
            LM_BYTES_FROM_UTF8 = lm_bytes_from_utf8(Ptr, Ptr) -> [Ptr];
            LM_BYTES_LEN = lm_bytes_len(Ptr) -> [I64];
            /// `b[i]`: the byte as an Int 0..=255; negative counts from the end; out
            /// of range is a runtime error at `loc`.
            LM_BYTES_INDEX = lm_bytes_index(Ptr, I64, Ptr) -> [I64], fails;
            /// `slice(b, start, end)`: negative from the end, clamped (as for strings).
            LM_BYTES_SLICE = lm_bytes_slice(Ptr, I64, I64) -> [Ptr];
            /// `a + b`, `a ++ b`, `concat(a, b)`: a new Bytes object.
            LM_BYTES_CONCAT = lm_bytes_concat(Ptr, Ptr) -> [Ptr];
        }
    };
}

runtime_function_table!(runtime_functions);

/// The functions of [`LM_FLOAT_FN`] (builtin library).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatFn {
    Floor = 0,
    Ceil = 1,
    /// Half away from zero.
    Round = 2,
    Trunc = 3,
    Sqrt = 4,
    Exp = 5,
    /// Natural logarithm.
    Log = 6,
    Log2 = 7,
    Log10 = 8,
    Sin = 9,
    Cos = 10,
    Tan = 11,
    Abs = 12,
}

impl FloatFn {
    pub const ALL: &'static [FloatFn] = &[
        Self::Floor,
        Self::Ceil,
        Self::Round,
        Self::Trunc,
        Self::Sqrt,
        Self::Exp,
        Self::Log,
        Self::Log2,
        Self::Log10,
        Self::Sin,
        Self::Cos,
        Self::Tan,
        Self::Abs,
    ];

    pub fn from_i32(op: i32) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| *f as i32 == op)
    }
}

/// Symbol of the program entry that compiled code defines: `extern "C" fn() -> i64`
/// returning the exit status. The runtime's C `main` runs it as the first task.
pub const PROGRAM_ENTRY: &str = "lm_program_main";

/// Symbol of the runtime's global stack limit (an `usize` the runtime updates on
/// every switch between task stacks). Every generated function compares its stack
/// pointer with it in the prologue and calls [`LM_STACK_OVERFLOW`] below it.
pub const STACK_LIMIT_SYMBOL: &str = "lm_stack_limit";

/// The runtime's failure flag (a byte, non-zero while a failure propagates,
/// `runtime/src/exec/errors.rs`): generated code loads it after every call that
/// may fail.
pub const FAILING_SYMBOL: &str = "lm_failing";

/// The runtime's table of 128 immortal one-character strings, one per ASCII
/// character in code order, [`ASCII_CHAR_STRIDE`] bytes apart: `s[i]` on an
/// ASCII string returns an entry instead of allocating (also inline, in
/// generated code).
pub const ASCII_CHARS_SYMBOL: &str = "lm_ascii_chars";
/// The size of one entry of [`ASCII_CHARS_SYMBOL`]: a string object with one
/// byte of text, padded to 8 bytes.
pub const ASCII_CHAR_STRIDE: usize = 24;

/// Runtime errors raised through [`LM_RUNTIME_ERROR`]; the runtime owns the text.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeErrorCode {
    OverflowAdd = 1,
    OverflowSub = 2,
    OverflowMul = 3,
    OverflowNeg = 4,
    OverflowDiv = 5,
    OverflowPow = 6,
    DivisionByZero = 7,
    ShiftOutOfRange = 8,
    NegativeExponent = 9,
    /// A `match` used as a value found no arm (defensive; exhaustiveness is checked).
    Unmatched = 10,
    /// Float to Int conversion of NaN/inf/out-of-range value with `as Int`.
    FloatToIntOutOfRange = 11,
    /// A range with `step 0`.
    StepZero = 12,
    /// `x!` on null.
    NullUnwrap = 13,
    /// `x as T` on a union value that holds another member.
    FailedAs = 14,
    /// `unwrap(x)` on null (builtins.md).
    UnwrapNull = 15,
}

impl RuntimeErrorCode {
    /// Every code, for the runtime's exhaustive message test.
    pub const ALL: &'static [RuntimeErrorCode] = &[
        Self::OverflowAdd,
        Self::OverflowSub,
        Self::OverflowMul,
        Self::OverflowNeg,
        Self::OverflowDiv,
        Self::OverflowPow,
        Self::DivisionByZero,
        Self::ShiftOutOfRange,
        Self::NegativeExponent,
        Self::Unmatched,
        Self::FloatToIntOutOfRange,
        Self::StepZero,
        Self::NullUnwrap,
        Self::FailedAs,
        Self::UnwrapNull,
    ];

    pub fn from_i32(code: i32) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| *c as i32 == code)
    }

    /// The text after `error: ` (semantics.md §2, §8).
    pub fn message(self) -> &'static str {
        match self {
            Self::OverflowAdd => "integer overflow in addition",
            Self::OverflowSub => "integer overflow in subtraction",
            Self::OverflowMul => "integer overflow in multiplication",
            Self::OverflowNeg => "integer overflow in negation",
            Self::OverflowDiv => "integer overflow in division",
            Self::OverflowPow => "integer overflow in exponentiation",
            Self::DivisionByZero => "division by zero",
            Self::ShiftOutOfRange => "shift amount out of range",
            Self::NegativeExponent => "negative exponent",
            Self::Unmatched => "no match arm matched the value",
            Self::FloatToIntOutOfRange => "float value cannot be converted to Int",
            Self::StepZero => "range step must not be zero",
            Self::NullUnwrap => "unwrapped a null value with `!`",
            Self::FailedAs => "`as` failed: the value has another type",
            Self::UnwrapNull => "unwrap on null",
        }
    }
}

/// Header at the start of every heap object.
///
/// `rc` is the reference count; [`RC_IMMORTAL`] marks static objects (string
/// literals in read-only data) that are never counted or freed. `kind` is an
/// [`ObjectKind`]; `flags` has [`FLAG_SHARED`] reserved for atomic counting once
/// objects cross threads (not used by the single-threaded scheduler yet), and
/// for strings [`FLAG_STR_ASCII`] and [`FLAG_STR_HEAP`].
#[repr(C)]
#[derive(Debug)]
pub struct ObjectHeader {
    pub rc: u32,
    pub kind: u16,
    pub flags: u16,
}

pub const RC_IMMORTAL: u32 = u32::MAX;
/// Any object: counted atomically (shared between threads).
pub const FLAG_SHARED: u16 = 1;
/// String only: every byte is ASCII, so character index = byte index and
/// `len(s)` is the byte length. The runtime sets it on the strings it makes
/// once it knows; the code generator *may* set it on a literal whose bytes are
/// all ASCII (a literal with `flags = 0` is scanned when indexed). Never set
/// it on a string with a non-ASCII byte.
pub const FLAG_STR_ASCII: u16 = 2;
/// String only, runtime-private: the object was allocated by the runtime with
/// its bookkeeping (capacity, cached character count) in the 16 bytes before
/// the header. The code generator must never set it.
pub const FLAG_STR_HEAP: u16 = 4;

/// What a heap object is.
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    String = 1,
    List = 2,
    Record = 3,
    Enum = 4,
    Closure = 5,
    Box = 6,
    Map = 7,
    Set = 8,
    /// Immutable bytes: the string layout (`[ObjectHeader] [len: u64]
    /// [bytes]`) with any bytes. Functions that only read a string's bytes
    /// (`lm_sha256`, `lm_hex_encode`, `lm_base64_encode`, `lm_url_encode`)
    /// accept a Bytes object too.
    Bytes = 9,
    /// A handle to runtime state that compiled code never reads (futures,
    /// channels): `[ObjectHeader] [desc] [pointer to the runtime's state]`;
    /// the runtime frees the state with the object.
    Handle = 10,
}

/// A map: `[ObjectHeader] [desc (kind Map)] [len: u64] [cap: u64] [data]`, the
/// data being `len` (key slot, value slot) pairs sorted by key. A set has the
/// same layout with one slot per element (desc kind Set). Compiled code only
/// goes through the `lm_map_*`/`lm_set_*` functions.
pub const MAP_DESC_OFFSET: usize = 8;

/// A union value that needs a box: `[ObjectHeader] [desc: the member type of
/// the value held] [slot]`. Optionals of heap types (`String?`, `Point?`) are
/// not boxed: they are the pointer itself, or 0 for null.
pub const BOX_DESC_OFFSET: usize = 8;
pub const BOX_SLOT_OFFSET: usize = 16;

/// A closure: `[ObjectHeader] [desc: *const TypeDesc (kind Closure)]
/// [code: function pointer] [captured value slots …]`. The code takes the
/// closure itself as a hidden first argument, then the declared parameters.
pub const CLOSURE_DESC_OFFSET: usize = 8;
pub const CLOSURE_CODE_OFFSET: usize = 16;
pub const CLOSURE_CAPTURES_OFFSET: usize = 24;

/// A record: `[ObjectHeader (8)] [desc: *const TypeDesc (8)] [field slots, 8 each …]`.
pub const RECORD_DESC_OFFSET: usize = 8;
pub const RECORD_FIELDS_OFFSET: usize = 16;

/// An enum value with payloads: `[ObjectHeader] [desc: *const TypeDesc of the
/// enum] [tag: u64] [field slots of the variant …]`. Enums whose variants have no
/// payload at all are not objects: their values are the tag as an `Int`.
pub const ENUM_DESC_OFFSET: usize = 8;
pub const ENUM_TAG_OFFSET: usize = 16;
pub const ENUM_FIELDS_OFFSET: usize = 24;

/// A list: `[ObjectHeader] [elem desc] [len: u64] [cap: u64] [data: *mut u64]`,
/// elements as 8-byte slots in a separately allocated buffer (so the list object
/// keeps its address when it grows).
pub const LIST_DESC_OFFSET: usize = 8;
pub const LIST_LEN_OFFSET: usize = 16;
pub const LIST_CAP_OFFSET: usize = 24;
pub const LIST_DATA_OFFSET: usize = 32;

/// What a [`TypeDesc`] describes.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Int = 1,
    Float = 2,
    Bool = 3,
    Null = 4,
    String = 5,
    /// `children[0]` is the element type.
    List = 6,
    /// `name`, `count` fields: `children` their types, `field_names` their names.
    Record = 7,
    /// An enum whose values are objects: `children` are its variants (kind
    /// `Variant`), `count` of them.
    Enum = 8,
    /// One variant: `name`, `count` payload fields with `children` types and
    /// `field_names` (null when the payload is positional).
    Variant = 9,
    /// An enum without payloads: values are `Int` tags; `children` are its
    /// variants (kind `Variant`, `count` 0) for their names.
    TagEnum = 10,
    /// A function value: `children` are the types of the captured values (in
    /// a closure object's own descriptor); `name` is the cell's name for a
    /// named cell used as a value (displayed `<fn name>`), null for a lambda
    /// (displayed `<closure>`). Equality is identity.
    Closure = 11,
    /// A union: `children` are the member types. A union of `Null` and one
    /// heap type is that type's pointer or 0; any other union value is 0 for
    /// null or a pointer to a box object naming the member type it holds.
    Union = 12,
    /// `map[K, V]`: children `[K, V]`.
    Map = 13,
    /// `set[T]`: children `[T]`.
    Set = 14,
    /// A tuple: children are the element types. Tuple values are objects in
    /// the record layout (kind Record) whose descriptor has kind Tuple;
    /// displayed `(1, "a")`, `(1,)`; ordered element-wise.
    Tuple = 15,
    /// `Bytes`: objects of kind [`ObjectKind::Bytes`]; displayed
    /// `b"48656c6c6f"`, ordered byte-wise (lexicographic).
    Bytes = 16,
    /// `Future[T]`: children `[T]`; values are handle objects; displayed
    /// `<future>`; equality is identity.
    Future = 17,
    /// `Channel[T]`: children `[T]`; values are handle objects; displayed
    /// `<channel>`; equality is identity.
    Channel = 18,
}

/// A static description of a type, emitted by the code generator (one per type
/// used by a program) and read by the runtime for generic operations.
///
/// Layout (32 bytes): `kind: u32, count: u32, name: *const u8 (NUL-terminated,
/// or null), children: *const *const TypeDesc, field_names: *const *const u8
/// (or null)`.
#[repr(C)]
#[derive(Debug)]
pub struct TypeDesc {
    pub kind: u32,
    pub count: u32,
    pub name: *const u8,
    pub children: *const *const TypeDesc,
    pub field_names: *const *const u8,
}
pub const TYPE_DESC_SIZE: usize = 32;

/// A string object: header, byte length, then the UTF-8 bytes (not NUL-terminated).
///
/// Layout: `[ObjectHeader (8)] [len: u64 (8)] [bytes …]`. Literals are emitted by
/// the code generator in exactly this layout with `rc = RC_IMMORTAL`.
pub const STRING_LEN_OFFSET: usize = 8;
pub const STRING_DATA_OFFSET: usize = 16;

/// A Bytes object: `[ObjectHeader (8)] [len: u64 (8)] [bytes …]`, the string
/// layout with [`ObjectKind::Bytes`] and no flags. Literals (`b"4869"`) are
/// emitted by the code generator in this layout with `rc = RC_IMMORTAL`.
pub const BYTES_LEN_OFFSET: usize = 8;
pub const BYTES_DATA_OFFSET: usize = 16;

/// A source location, emitted as static data by the code generator.
///
/// `file` and `cell` point at NUL-terminated UTF-8 text; `line` and `column` are
/// 1-based.
#[repr(C)]
#[derive(Debug)]
pub struct SourceLoc {
    pub file: *const u8,
    pub cell: *const u8,
    pub line: u32,
    pub column: u32,
}
pub const SOURCE_LOC_SIZE: usize = 24;

/// Alignment of a format spec (`<`, `>`, `^`, or none: the type's default).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FmtAlign {
    Default = 0,
    Left = 1,
    Right = 2,
    Center = 3,
}

/// `+`: always print a sign.
pub const FMT_FLAG_PLUS: i32 = 1;
/// `0`: pad numbers with zeros after the sign.
pub const FMT_FLAG_ZERO: i32 = 2;
/// `#`: add a `0x`/`0o`/`0b` prefix.
pub const FMT_FLAG_ALT: i32 = 4;

/// The presentation kind of a format spec.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FmtKind {
    /// No letter: display form (with precision for floats).
    Default = 0,
    /// `f`: fixed precision (same as Default with a precision).
    Fixed = 1,
    LowerHex = 2,
    UpperHex = 3,
    Octal = 4,
    Binary = 5,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed() {
        let mut names: Vec<_> = RUNTIME_FUNCTIONS.iter().map(|f| f.name).collect();
        assert!(names.iter().all(|n| n.starts_with("lm_")));
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate runtime function name");
    }

    #[test]
    fn list_reads_may_read_frozen_lists() {
        // `hoist_rows` points a `list_read` at a frozen row, whose length
        // and buffer codegen loads once, as for `frozen_ok`.
        for f in RUNTIME_FUNCTIONS.iter().filter(|f| f.props.list_read) {
            assert!(f.props.frozen_ok && f.props.read_only, "{}", f.name);
        }
    }

    #[test]
    fn suspension_points_may_fail() {
        // A task cancelled while suspended fails at the suspension point
        // (async.md §6): the caller must test the failure flag after it.
        let suspending: Vec<_> = RUNTIME_FUNCTIONS
            .iter()
            .filter(|f| f.props.suspends)
            .collect();
        assert!(suspending.iter().any(|f| f.name == "lm_sleep"));
        for f in suspending {
            assert_eq!(f.fails, Fails::May, "{}", f.name);
            assert!(!f.props.read_only && !f.props.neutral, "{}", f.name);
        }
    }

    #[test]
    fn error_codes_round_trip() {
        for code in RuntimeErrorCode::ALL {
            assert_eq!(RuntimeErrorCode::from_i32(*code as i32), Some(*code));
        }
    }

    #[test]
    fn layouts_match_constants() {
        assert_eq!(std::mem::size_of::<ObjectHeader>(), 8);
        assert_eq!(std::mem::size_of::<SourceLoc>(), SOURCE_LOC_SIZE);
        assert_eq!(std::mem::size_of::<TypeDesc>(), TYPE_DESC_SIZE);
    }
}
