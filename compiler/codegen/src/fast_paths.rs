//! Inline fast paths for the hottest runtime calls.
//!
//! Reference counting and list access go through the runtime
//! (`lm_retain`, `lm_release`, `lm_list_get`, `lm_list_set`, `lm_list_push`,
//! `lm_list_len`); a call per element access or per count change dominates
//! tight loops. Here the common case is done inline, following the layout
//! contract of `lumen_abi` (`docs/runtime-abi.md`), and everything else
//! calls the very same runtime function from a cold block, so semantics,
//! error messages and locations are untouched:
//!
//! * retain: null and immortal objects are skipped, an unshared
//!   (`FLAG_SHARED` clear) object gets `rc + 1`; a shared one calls
//!   `lm_retain` (atomic counting).
//! * release: null and immortal objects are skipped, a count above 1 of an
//!   unshared object is decremented inline; the last reference (freeing)
//!   and shared objects call `lm_release`.
//! * `lm_list_len`: a load of `len`.
//! * `lm_str_index(s, i)` on an ASCII string with `i` in range: the
//!   character's immortal entry in the runtime's `lm_ascii_chars` table.
//! * `lm_unshare(p)` (before an in-place update): an object with `rc == 1`
//!   is returned as is; null and shared objects call the runtime (copy).
//! * `lm_str_byte_key(s)` (a `match` on one-character strings): the length,
//!   then the byte.
//! * `lm_str_eq(s, "lit")` with a literal of at most 8 bytes (`c == ";"`,
//!   `match` arms on short strings): the length, then the bytes, compared
//!   inline.
//! * `lm_list_get(xs, i)`: when `0 <= i < len`, a load from the buffer (plus
//!   an inline retain for heap elements; none for `lm_list_get_borrowed`);
//!   a negative index is resolved from the end inline; only an index out of
//!   range calls `lm_list_get`, which fails the task and never returns.
//! * `lm_list_peek(xs, i)` (a row read before a loop versioned on it,
//!   `mir::optimize`): a bounds test and a load; 0 when out of range.
//! * `lm_list_slot_mut(xs, i)` (an element updated in place): the slot's
//!   address when `i` is in range and the element's count is 1.
//! * `lm_bools_get`, `lm_bools_set`, `lm_bools_push`: the same on a packed
//!   `list[Bool]`, a byte per element.
//! * `lm_list_set_unique` / `lm_bools_set_unique` (a store into a list the
//!   MIR proved unshared): no count test; an index from the end is resolved
//!   inline and only an index out of range calls the runtime, which fails.
//! * `lm_list_set(xs, i, v)` / `lm_list_push(xs, v)`: when the list is
//!   unshared (`rc == 1`) and the index is in range / there is spare
//!   capacity, the slot is written inline (heap elements: retain the new
//!   value, release the old one, in the runtime's order); otherwise the
//!   runtime call (copy-on-write, growth, errors).
//!
//! The list fast paths need to know how the elements sit in the buffer
//! ([`Layout`]): a whole slot each, counted (heap values) or not, or one
//! byte each (`list[Bool]` is packed, `objects::is_packed` in the runtime).
//! The runtime call learns it from the list's descriptor. Codegen learns it
//! from the MIR when it can ([`SlotTypes`]): the value stored comes from a
//! `to_slot` of an `Int`, `Float` or heap operand, the element read goes into
//! `from_slot` at such a type. Otherwise (a `Bool`, or nothing evident) the
//! fast path reads the descriptor as the runtime would and branches to the
//! matching body, so a wrong guess can cost time but never correctness.

use cranelift_codegen::ir::{condcodes::IntCC, types, Block, InstBuilder, Value};
use lumen_abi::{
    FLAG_SHARED, LIST_CAP_OFFSET, LIST_DATA_OFFSET, LIST_DESC_OFFSET, LIST_LEN_OFFSET, RC_IMMORTAL,
    STRING_DATA_OFFSET, STRING_LEN_OFFSET,
};
use lumen_mir::{self as mir, Local, Operand, RtArg};

use crate::function::FnCx;
use crate::slot_facts::{flags, Layout};
use crate::CodegenError;

/// Offset of the header's `flags` (`u16`) within an object.
const FLAGS_OFFSET: i32 = 6;

/// Bit `k` set for every heap `TypeKind` `k`.
const HEAP_KINDS: u64 = {
    use lumen_abi::TypeKind as K;
    let kinds = [
        K::String,
        K::List,
        K::Record,
        K::Enum,
        K::Closure,
        K::Union,
        K::Map,
        K::Set,
        K::Tuple,
    ];
    let mut mask = 0u64;
    let mut i = 0;
    while i < kinds.len() {
        mask |= 1 << (kinds[i] as u32);
        i += 1;
    }
    mask
};

/// A list update with a fast path, with its elements' layout when the MIR
/// tells (reads have their own, [`FnCx::list_get`]).
#[derive(Clone, Copy)]
enum ListOp {
    Set(Option<Layout>),
    /// Whether the list takes over the element's reference
    /// (`lm_list_push_owned`) instead of retaining it.
    Push(Option<Layout>, bool),
}

impl FnCx<'_, '_> {
    /// Inline `lm_retain(p)`.
    pub(crate) fn emit_retain(&mut self, p: Value) -> Result<(), CodegenError> {
        let done = self.b.create_block();
        let check = self.b.create_block();
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(p, check, &[], done, &[]);

        self.b.switch_to_block(check);
        let rc = self.b.ins().load(types::I32, self.mem.header, p, 0);
        let immortal = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, rc, i64::from(RC_IMMORTAL as i32));
        let fl = self
            .b
            .ins()
            .uload16(types::I32, self.mem.header, p, FLAGS_OFFSET);
        let shared = self.b.ins().band_imm_u(fl, i64::from(FLAG_SHARED));
        let rc1 = self.b.ins().iadd_imm_s(rc, 1);
        let not_fast = {
            let s = self.b.ins().icmp_imm_s(IntCC::NotEqual, shared, 0);
            self.b.ins().bor(s, immortal)
        };
        self.b.ins().brif(not_fast, slow, &[], fast, &[]);

        self.b.switch_to_block(fast);
        self.b.ins().store(self.mem.header, rc1, p, 0);
        self.b.ins().jump(done, &[]);

        self.b.switch_to_block(slow);
        // Immortal objects are ignored by the runtime too; shared ones are
        // counted atomically there.
        self.call_runtime(lumen_abi::LM_RETAIN.name, &[p])?;
        self.b.ins().jump(done, &[]);

        self.b.switch_to_block(done);
        Ok(())
    }

    /// Inline `lm_release(p)`.
    pub(crate) fn emit_release(&mut self, p: Value) -> Result<(), CodegenError> {
        let done = self.b.create_block();
        let check = self.b.create_block();
        let counted = self.b.create_block();
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(p, check, &[], done, &[]);

        self.b.switch_to_block(check);
        let rc = self.b.ins().load(types::I32, self.mem.header, p, 0);
        let immortal = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, rc, i64::from(RC_IMMORTAL as i32));
        self.b.ins().brif(immortal, done, &[], counted, &[]);

        self.b.switch_to_block(counted);
        let fl = self
            .b
            .ins()
            .uload16(types::I32, self.mem.header, p, FLAGS_OFFSET);
        let shared = self.b.ins().band_imm_u(fl, i64::from(FLAG_SHARED));
        let s = self.b.ins().icmp_imm_s(IntCC::NotEqual, shared, 0);
        let last = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, rc, 1);
        let not_fast = self.b.ins().bor(s, last);
        self.b.ins().brif(not_fast, slow, &[], fast, &[]);

        self.b.switch_to_block(fast);
        let rc1 = self.b.ins().iadd_imm_s(rc, -1);
        self.b.ins().store(self.mem.header, rc1, p, 0);
        self.b.ins().jump(done, &[]);

        self.b.switch_to_block(slow);
        self.call_runtime(lumen_abi::LM_RELEASE.name, &[p])?;
        self.b.ins().jump(done, &[]);

        self.b.switch_to_block(done);
        Ok(())
    }

    /// `lm_unshare(p)`: `p` itself when it is the only reference.
    fn unshare(&mut self, p: Value) -> Result<Value, CodegenError> {
        let check = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.set_cold_block(slow);
        let result = self.b.append_block_param(join, self.pointer);
        self.b.ins().brif(p, check, &[], slow, &[]);

        self.b.switch_to_block(check);
        let rc = self.b.ins().load(types::I32, self.mem.header, p, 0);
        let unique = self.b.ins().icmp_imm_s(IntCC::Equal, rc, 1);
        self.b.ins().brif(unique, join, &[p.into()], slow, &[]);

        self.b.switch_to_block(slow);
        let copy = self
            .call_runtime(lumen_abi::LM_UNSHARE.name, &[p])?
            .ok_or_else(|| self.error("lm_unshare returns a value"))?;
        self.b.ins().jump(join, &[copy.into()]);

        self.b.switch_to_block(join);
        Ok(result)
    }

    /// `s == "lit"` for a short literal: equal lengths, then equal bytes.
    fn str_eq_literal(&mut self, args: &[RtArg]) -> Result<Option<Option<Value>>, CodegenError> {
        let literal = |a: &RtArg| match a {
            RtArg::Operand(Operand::Const(mir::Const::Str(s))) => Some(s.clone()),
            _ => None,
        };
        let (lit, other) = match (literal(&args[0]), literal(&args[1])) {
            (Some(l), None) => (l, &args[1]),
            (None, Some(l)) => (l, &args[0]),
            _ => return Ok(None),
        };
        let bytes = lit.as_bytes();
        if bytes.is_empty() || bytes.len() > 8 {
            return Ok(None);
        }
        let s = self.rt_arg(other)?;
        let check = self.b.create_block();
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, types::I8);
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, s, STRING_LEN_OFFSET as i32);
        let same_len = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, len, bytes.len() as i64);
        let no = self.b.ins().iconst(types::I8, 0);
        self.b.ins().brif(same_len, check, &[], join, &[no.into()]);
        self.b.switch_to_block(check);
        let mut all = self.b.ins().iconst(types::I8, 1);
        for (k, byte) in bytes.iter().enumerate() {
            let loaded =
                self.b
                    .ins()
                    .uload8(types::I32, flags(), s, (STRING_DATA_OFFSET + k) as i32);
            let eq = self
                .b
                .ins()
                .icmp_imm_u(IntCC::Equal, loaded, i64::from(*byte));
            all = self.b.ins().band(all, eq);
        }
        self.b.ins().jump(join, &[all.into()]);
        self.b.switch_to_block(join);
        Ok(Some(Some(result)))
    }

    /// Emits `rf(args)` with an inline fast path when there is one; `None`
    /// when the plain call should be emitted.
    pub(crate) fn runtime_fast_path(
        &mut self,
        rf: &lumen_abi::RuntimeFn,
        args: &[RtArg],
        dest: Option<Local>,
    ) -> Result<Option<Option<Value>>, CodegenError> {
        use lumen_abi::Inline;
        let name = rf.name;
        let Some(inline) = rf.inline else {
            return Ok(None);
        };
        let op = match (inline, args.len()) {
            (Inline::FloatPow, _) => {
                if self.em.passes.runs(crate::passes::ClifPassId::FloatPow) {
                    if let Some(r) = self.float_pow_half(args)? {
                        return Ok(Some(Some(r)));
                    }
                }
                return Ok(None);
            }
            (Inline::Unshare, 1) => {
                let p = self.rt_arg(&args[0])?;
                return self.unshare(p).map(|v| Some(Some(v)));
            }
            (Inline::ListPeek, 2) => {
                let values = self.rt_args(args)?;
                return self.list_peek(&values).map(|v| Some(Some(v)));
            }
            (Inline::ListSlotMut, 3) => {
                let values = self.rt_args(args)?;
                return self.list_slot_mut(&values).map(|v| Some(Some(v)));
            }
            (Inline::StrByteKey, 1) => {
                let s = self.rt_arg(&args[0])?;
                return self.str_byte_key(s).map(|v| Some(Some(v)));
            }
            (Inline::StrIndex, 3) => {
                let values = self.rt_args(args)?;
                return self.str_index(&values).map(|v| Some(Some(v)));
            }
            (Inline::StrEq, 2) => return self.str_eq_literal(args),
            (Inline::ListLen, 1) => {
                let list = self.rt_arg(&args[0])?;
                let len =
                    self.b
                        .ins()
                        .load(types::I64, self.mem.header, list, LIST_LEN_OFFSET as i32);
                return Ok(Some(Some(len)));
            }
            (Inline::ListGet | Inline::ListGetBorrowed, 3) => {
                // A borrowed get is never retained, whatever the element type.
                let retain = inline == Inline::ListGet;
                let layout = self.slot_types.read_layout(dest);
                let values = self.rt_args(args)?;
                return self
                    .list_get(name, layout, retain, &values)
                    .map(|v| Some(Some(v)));
            }
            (Inline::ListSetUnique | Inline::BoolsSetUnique, 4) => {
                let layout = if inline == Inline::ListSetUnique {
                    self.slot_types.written_layout(&args[2])
                } else {
                    Some(Layout::Byte)
                };
                let values = self.rt_args(args)?;
                return self
                    .list_set_unique(name, layout, &values)
                    .map(|v| Some(Some(v)));
            }
            (Inline::BoolsGet, 3) => {
                let values = self.rt_args(args)?;
                return self
                    .list_get(name, Some(Layout::Byte), false, &values)
                    .map(|v| Some(Some(v)));
            }
            (Inline::ListSet, 4) => ListOp::Set(self.slot_types.written_layout(&args[2])),
            (Inline::ListPush, 2) => ListOp::Push(self.slot_types.written_layout(&args[1]), false),
            (Inline::ListPushOwned, 2) => {
                ListOp::Push(self.slot_types.written_layout(&args[1]), true)
            }
            (Inline::BoolsSet, 4) => ListOp::Set(Some(Layout::Byte)),
            (Inline::BoolsPush, 2) => ListOp::Push(Some(Layout::Byte), false),
            // A call with another number of arguments than the fast path
            // expects (none is made today) stays a call.
            _ => return Ok(None),
        };
        let values = self.rt_args(args)?;
        let list = values[0];
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, self.pointer);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);

        // The guard: everything the fast path assumes.
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, list, LIST_LEN_OFFSET as i32);
        let rc = self.b.ins().load(types::I32, self.mem.header, list, 0);
        let unshared = self.b.ins().icmp_imm_s(IntCC::Equal, rc, 1);
        let fits = match op {
            ListOp::Set(_) => self.b.ins().icmp(IntCC::UnsignedLessThan, values[1], len),
            ListOp::Push(..) => {
                let cap =
                    self.b
                        .ins()
                        .load(types::I64, self.mem.header, list, LIST_CAP_OFFSET as i32);
                self.b.ins().icmp(IntCC::UnsignedLessThan, len, cap)
            }
        };
        let ok = self.b.ins().band(unshared, fits);
        self.b.ins().brif(ok, fast, &[], slow, &[]);

        self.b.switch_to_block(slow);
        let r = self
            .call_runtime(name, &values)?
            .ok_or_else(|| self.error(format!("`{name}` returns nothing")))?;
        self.b.ins().jump(join, &[r.into()]);

        self.b.switch_to_block(fast);
        let known = match op {
            ListOp::Set(l) | ListOp::Push(l, _) => l,
        };
        self.with_layout(list, known, true, join, |cx, layout| {
            cx.list_fast_body(op, layout, &values, len)
        })?;

        self.b.switch_to_block(join);
        Ok(Some(Some(result)))
    }

    /// `lm_list_get(xs, i, loc)` (or `_borrowed`) inline: an index in range
    /// is read at once, a negative one from the end is resolved inline, and
    /// only an index out of range calls the runtime, which fails the task.
    /// That call never returns, so nothing stays live across it and the
    /// register allocator has no reason to keep loop values on the stack
    /// (a returning slow path made it spill float accumulators).
    fn list_get(
        &mut self,
        name: &str,
        layout: Option<Layout>,
        retain: bool,
        values: &[Value],
    ) -> Result<Value, CodegenError> {
        let list = values[0];
        let blocks = self.resolve_index(name, values)?;
        // The join is made after the blocks before it: the frontend's
        // variable resolution (and so register allocation) is sensitive to
        // block order, and this order keeps matmul's inner loop unspilled.
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, types::I64);
        // The read itself is emitted twice (in-range index, index from the
        // end) so the hot path passes no block parameter, which would cost
        // register moves and a jump per access.
        for (block, index, _) in blocks {
            self.b.switch_to_block(block);
            self.with_layout(list, layout, retain, join, |cx, layout| {
                cx.list_read(layout, retain, list, index)
            })?;
        }
        self.b.switch_to_block(join);
        Ok(result)
    }

    /// `lm_list_set_unique(xs, i, v, loc)` (or `lm_bools_set_unique`) inline:
    /// the list is unshared (the MIR proved it), so an index in range, or
    /// from the end, is stored at once, and only an index out of range calls
    /// the runtime, which fails the task; as for reads, nothing stays live
    /// across that call. Returns the list, which stays the same object.
    fn list_set_unique(
        &mut self,
        name: &str,
        layout: Option<Layout>,
        values: &[Value],
    ) -> Result<Value, CodegenError> {
        let (list, v) = (values[0], values[2]);
        let blocks = self.resolve_index(name, values)?;
        let join = self.b.create_block();
        // Every path gives back `list` itself; the result is that value,
        // not the join's parameter, so a loop storing into the list keeps
        // one SSA value for it (and its header loads can be shared).
        self.b.append_block_param(join, self.pointer);
        for (block, index, len) in blocks {
            self.b.switch_to_block(block);
            let op = ListOp::Set(layout);
            self.with_layout(list, layout, true, join, |cx, layout| {
                cx.list_fast_body(op, layout, &[list, index, v], len)
            })?;
        }
        self.b.switch_to_block(join);
        Ok(list)
    }

    /// Resolves index `values[1]` of list `values[0]` inline for an access
    /// that fails out of range: returns the two (empty, unfilled) blocks
    /// reached with a position in range, the hot one for `0 <= i < len` and
    /// a cold one for `-len <= i < 0`, each with its position and the length.
    /// Any other index calls the runtime function `name`, which fails the
    /// task and never returns.
    fn resolve_index(
        &mut self,
        name: &str,
        values: &[Value],
    ) -> Result<[(Block, Value, Value); 2], CodegenError> {
        let (list, i) = (values[0], values[1]);
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, list, LIST_LEN_OFFSET as i32);
        let fast = self.b.create_block();
        let from_end = self.b.create_block();
        let from_end_fast = self.b.create_block();
        let fail = self.b.create_block();
        for cold in [from_end, from_end_fast, fail] {
            self.b.set_cold_block(cold);
        }
        let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
        self.b.ins().brif(in_range, fast, &[], from_end, &[]);

        // `-len <= i < 0` counts from the end; anything else is out of range
        // (`i + len` is then `>= len` as an unsigned number, wrapping too).
        self.b.switch_to_block(from_end);
        let resolved = self.b.ins().iadd(i, len);
        let negative = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0);
        let resolved_ok = self.b.ins().icmp(IntCC::UnsignedLessThan, resolved, len);
        let ok = self.b.ins().band(negative, resolved_ok);
        self.b.ins().brif(ok, from_end_fast, &[], fail, &[]);

        self.b.switch_to_block(fail);
        self.call_runtime_that_fails(name, values)?;
        Ok([(fast, i, len), (from_end_fast, resolved, len)])
    }

    /// `lm_list_peek(xs, i)`: the element when `0 <= i < len`, else 0 (the
    /// runtime would resolve a negative index; a 0 only means the loop runs
    /// its original, checked version). Rows peeked are lists, so the list
    /// peeked holds heap slots, never packed Bools.
    fn list_peek(&mut self, values: &[Value]) -> Result<Value, CodegenError> {
        let list = values[0];
        let i = values[1];
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, types::I64);
        let fast = self.b.create_block();
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, list, LIST_LEN_OFFSET as i32);
        let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.ins().brif(in_range, fast, &[], join, &[zero.into()]);
        self.b.switch_to_block(fast);
        let addr = self.elem_addr(list, i, Layout::Heap);
        let v = self.b.ins().load(types::I64, self.mem.elem, addr, 0);
        self.b.ins().jump(join, &[v.into()]);
        self.b.switch_to_block(join);
        Ok(result)
    }

    /// `lm_str_byte_key(s)`: the only byte of a one-byte string, else -1
    /// (the byte is read only when there is one).
    fn str_byte_key(&mut self, s: Value) -> Result<Value, CodegenError> {
        let read = self.b.create_block();
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, types::I64);
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, s, STRING_LEN_OFFSET as i32);
        let one = self.b.ins().icmp_imm_s(IntCC::Equal, len, 1);
        let none = self.b.ins().iconst(types::I64, -1);
        self.b.ins().brif(one, read, &[], join, &[none.into()]);
        self.b.switch_to_block(read);
        let byte = self
            .b
            .ins()
            .uload8(types::I64, flags(), s, STRING_DATA_OFFSET as i32);
        self.b.ins().jump(join, &[byte.into()]);
        self.b.switch_to_block(join);
        Ok(result)
    }

    /// `lm_str_index(s, i, loc)`: on an ASCII string with `0 <= i < len`, the
    /// character's entry in the runtime's `lm_ascii_chars` table (immortal,
    /// so the result needs no counting); anything else calls the runtime.
    fn str_index(&mut self, values: &[Value]) -> Result<Value, CodegenError> {
        let s = values[0];
        let i = values[1];
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, self.pointer);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let string_flags = self
            .b
            .ins()
            .uload16(types::I32, self.mem.header, s, FLAGS_OFFSET);
        let ascii = self
            .b
            .ins()
            .band_imm_u(string_flags, i64::from(lumen_abi::FLAG_STR_ASCII));
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, s, STRING_LEN_OFFSET as i32);
        let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
        let is_ascii = self.b.ins().icmp_imm_u(IntCC::NotEqual, ascii, 0);
        let ok = self.b.ins().band(is_ascii, in_range);
        self.b.ins().brif(ok, fast, &[], slow, &[]);

        self.b.switch_to_block(fast);
        let offset = self.slot_to_ptr(i);
        let byte_addr = self.b.ins().iadd(s, offset);
        let byte = self
            .b
            .ins()
            .uload8(self.pointer, flags(), byte_addr, STRING_DATA_OFFSET as i32);
        let stride = self
            .b
            .ins()
            .imul_imm_s(byte, lumen_abi::ASCII_CHAR_STRIDE as i64);
        let table = self.data_addr(self.em.ascii_chars);
        let entry = self.b.ins().iadd(table, stride);
        self.b.ins().jump(join, &[entry.into()]);

        self.b.switch_to_block(slow);
        let r = self
            .call_runtime(lumen_abi::LM_STR_INDEX.name, values)?
            .ok_or_else(|| self.error("lm_str_index returns a value"))?;
        self.b.ins().jump(join, &[r.into()]);

        self.b.switch_to_block(join);
        Ok(result)
    }

    /// `lm_list_slot_mut(xs, i, loc)`: the slot's address at once when `i` is
    /// in range and the element is an object only the list holds (count 1);
    /// anything else (negative index, shared or null element, out of range)
    /// goes to the runtime. The MIR asks for slots of containers only, so the
    /// list holds heap slots.
    fn list_slot_mut(&mut self, values: &[Value]) -> Result<Value, CodegenError> {
        let list = values[0];
        let i = values[1];
        let join = self.b.create_block();
        let result = self.b.append_block_param(join, self.pointer);
        let check_elem = self.b.create_block();
        let check_rc = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let len = self
            .b
            .ins()
            .load(types::I64, self.mem.header, list, LIST_LEN_OFFSET as i32);
        let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
        self.b.ins().brif(in_range, check_elem, &[], slow, &[]);

        self.b.switch_to_block(check_elem);
        let addr = self.elem_addr(list, i, Layout::Heap);
        let elem = self.b.ins().load(types::I64, self.mem.elem, addr, 0);
        let elem = self.slot_to_ptr(elem);
        self.b.ins().brif(elem, check_rc, &[], slow, &[]);

        self.b.switch_to_block(check_rc);
        let rc = self.b.ins().load(types::I32, self.mem.header, elem, 0);
        let unique = self.b.ins().icmp_imm_s(IntCC::Equal, rc, 1);
        self.b.ins().brif(unique, join, &[addr.into()], slow, &[]);

        self.b.switch_to_block(slow);
        let r = self
            .call_runtime(lumen_abi::LM_LIST_SLOT_MUT.name, values)?
            .ok_or_else(|| self.error("lm_list_slot_mut returns a value"))?;
        self.b.ins().jump(join, &[r.into()]);

        self.b.switch_to_block(join);
        Ok(result)
    }

    /// Reads element `index` (in range) of `list`, laid out as `layout`,
    /// as a slot; retained when `retain` and the element is a heap value.
    fn list_read(
        &mut self,
        layout: Layout,
        retain: bool,
        list: Value,
        index: Value,
    ) -> Result<Value, CodegenError> {
        let addr = self.elem_addr(list, index, layout);
        if layout == Layout::Byte {
            return Ok(self.b.ins().uload8(types::I64, self.mem.elem, addr, 0));
        }
        let v = self.b.ins().load(types::I64, self.mem.elem, addr, 0);
        if retain && layout == Layout::Heap {
            let p = self.slot_to_ptr(v);
            self.emit_retain(p)?;
        }
        Ok(v)
    }

    /// The inline body of a list operation once its guard passed; returns
    /// the call's result.
    fn list_fast_body(
        &mut self,
        op: ListOp,
        layout: Layout,
        values: &[Value],
        len: Value,
    ) -> Result<Value, CodegenError> {
        let list = values[0];
        let (index, v) = match op {
            ListOp::Set(_) => (values[1], values[2]),
            ListOp::Push(..) => (len, values[1]),
        };
        let addr = self.elem_addr(list, index, layout);
        match (op, layout) {
            (_, Layout::Byte) => {
                // A Bool slot is 0 or 1: its low byte is the element.
                let byte = self.b.ins().ireduce(types::I8, v);
                self.b.ins().store(self.mem.elem, byte, addr, 0);
            }
            (ListOp::Set(_), Layout::Heap) => {
                // The runtime's order: retain the new value first (it may be
                // the element it replaces), then release the old one.
                let new = self.slot_to_ptr(v);
                self.emit_retain(new)?;
                let old = self.b.ins().load(types::I64, self.mem.elem, addr, 0);
                self.b.ins().store(self.mem.elem, v, addr, 0);
                let old = self.slot_to_ptr(old);
                self.emit_release(old)?;
            }
            (ListOp::Push(_, owned), Layout::Heap) => {
                self.b.ins().store(self.mem.elem, v, addr, 0);
                if !owned {
                    let p = self.slot_to_ptr(v);
                    self.emit_retain(p)?;
                }
            }
            (_, Layout::Plain) => {
                self.b.ins().store(self.mem.elem, v, addr, 0);
            }
        }
        if let ListOp::Push(..) = op {
            let len1 = self.b.ins().iadd_imm_s(len, 1);
            self.b
                .ins()
                .store(self.mem.header, len1, list, LIST_LEN_OFFSET as i32);
        }
        Ok(list)
    }

    /// Emits `body` for the layout of `list`'s elements and jumps to `join`
    /// with its result: once when `known`, else once per layout the list's
    /// element descriptor may give, chosen at run time as the runtime
    /// chooses (`is_packed`, `Ty::is_heap`). When `heap_matters` is false
    /// the body treats heap and plain slots alike and gets `Plain` for both.
    fn with_layout(
        &mut self,
        list: Value,
        known: Option<Layout>,
        heap_matters: bool,
        join: Block,
        mut body: impl FnMut(&mut Self, Layout) -> Result<Value, CodegenError>,
    ) -> Result<(), CodegenError> {
        if let Some(layout) = known {
            let v = body(self, layout)?;
            self.b.ins().jump(join, &[v.into()]);
            return Ok(());
        }
        // One load of the descriptor and of its kind decide: a null
        // descriptor reads as `Int` (runtime `Ty::kind`), `Bool` is packed,
        // the heap kinds are counted (`Ty::is_heap`).
        let desc = self
            .b
            .ins()
            .load(self.pointer, self.mem.header, list, LIST_DESC_OFFSET as i32);
        let has_desc = self.b.create_block();
        let byte_block = self.b.create_block();
        let other_kind = self.b.create_block();
        let heap_block = self.b.create_block();
        let plain_block = self.b.create_block();
        self.b.ins().brif(desc, has_desc, &[], plain_block, &[]);
        self.b.switch_to_block(has_desc);
        let kind = self.b.ins().uload32(flags(), desc, 0);
        let is_bool = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, kind, lumen_abi::TypeKind::Bool as i64);
        self.b.ins().brif(is_bool, byte_block, &[], other_kind, &[]);

        self.b.switch_to_block(other_kind);
        if heap_matters {
            // Heap kinds: String 5, List 6, Record 7, Enum 8, Closure 11,
            // Union 12, Map 13, Set 14, Tuple 15.
            let mask = self.b.ins().iconst(types::I64, HEAP_KINDS as i64);
            let kind = self.b.ins().band_imm_u(kind, 63);
            let bits = self.b.ins().ushr(mask, kind);
            let bit = self.b.ins().band_imm_u(bits, 1);
            self.b.ins().brif(bit, heap_block, &[], plain_block, &[]);
        } else {
            self.b.ins().jump(plain_block, &[]);
        }

        let mut layouts = vec![(byte_block, Layout::Byte), (plain_block, Layout::Plain)];
        if heap_matters {
            layouts.push((heap_block, Layout::Heap));
        }
        for (block, layout) in layouts {
            self.b.switch_to_block(block);
            let v = body(self, layout)?;
            self.b.ins().jump(join, &[v.into()]);
        }
        Ok(())
    }

    fn rt_args(&mut self, args: &[RtArg]) -> Result<Vec<Value>, CodegenError> {
        args.iter().map(|a| self.rt_arg(a)).collect()
    }

    /// The address of element `i` of a list laid out as `layout`: `data + i`
    /// for packed Bools, `data + 8 * i` for slots.
    fn elem_addr(&mut self, list: Value, i: Value, layout: Layout) -> Value {
        let data = self
            .b
            .ins()
            .load(self.pointer, self.mem.header, list, LIST_DATA_OFFSET as i32);
        let off = match layout {
            Layout::Byte => i,
            Layout::Plain | Layout::Heap => self.b.ins().ishl_imm_u(i, 3),
        };
        let off = if self.pointer == types::I64 {
            off
        } else {
            self.b.ins().ireduce(self.pointer, off)
        };
        self.b.ins().iadd(data, off)
    }

    fn slot_to_ptr(&mut self, v: Value) -> Value {
        if self.pointer == types::I64 {
            v
        } else {
            self.b.ins().ireduce(self.pointer, v)
        }
    }
}
