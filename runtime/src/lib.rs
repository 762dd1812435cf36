//! `lumen_rt`: the runtime linked into every Lumen program.
//!
//! The compiler emits an object file that defines `lm_program_main` and calls
//! the `lm_*` functions listed in [`lumen_abi::RUNTIME_FUNCTIONS`]; this crate,
//! built as a static library, supplies everything else: the C `main`
//! ([`entry`]), the task scheduler ([`scheduler`]) and its stacks ([`stack`]),
//! stack-overflow detection ([`overflow`]), buffered output ([`output`]), heap
//! objects ([`rc`], small blocks recycled by `pool`, [`strings`], [`bytes`]; records, enums and lists in [`objects`] and
//! [`list`], maps and sets in [`map`], [`set`] and [`sorted`], tuples in
//! [`tuple`], typed by the static descriptors read in [`typedesc`]), the
//! display form ([`display`], and for any value [`value`]), equality and
//! ordering of any value ([`compare`]), format specs ([`format`]), arithmetic
//! helpers ([`arith`]) and the error path ([`errors`]).
//!
//! The contract with generated code is written down in `docs/runtime-abi.md`.
//! Every export is `#[no_mangle] extern "C"` and re-exported at the crate root
//! so that the ABI test in this file can name each one.
//!
//! Panics never cross into generated code: the exports are `extern "C"` (an
//! unwind reaching one aborts), and [`entry`] installs a panic hook that
//! prints `internal runtime error` and aborts before any unwinding starts.

// The layers, each using only those above it: the object model; value
// operations on objects; execution (tasks, stacks, failures, output); the
// I/O threads; the builtin library; tool calls. The modules are re-exported at the
// crate root, so code names them `crate::strings`, `crate::scheduler`, …
pub mod exec;
pub mod io;
pub mod library;
pub mod object;
pub mod tools;
pub mod values;

pub use exec::{
    catch, channels, effects, entry, errors, forms, futures, memory, output, overflow, scheduler,
    shared_stack, stack, timers, valgrind,
};

/// Every allocation goes through the runtime's allocator: failing, it ends
/// the program with the out-of-memory report (`exec/memory.rs`).
#[global_allocator]
static ALLOCATOR: memory::LumenAllocator = memory::LumenAllocator;
pub(crate) use object::pool;
pub use object::{bytes, handle, list, map, objects, rc, set, sorted, strings, tuple, typedesc};
pub use values::{
    arith, compare, display, format, json, json_decode, json_parse, json_value, results, value,
};

pub use arith::{lm_float_mod, lm_float_pow, lm_int_pow};
pub use bytes::{
    lm_bytes_concat, lm_bytes_from_str, lm_bytes_from_utf8, lm_bytes_index, lm_bytes_len,
    lm_bytes_slice,
};
pub use catch::lm_try_call;
pub use channels::{
    lm_channel_bounded, lm_channel_close, lm_channel_len, lm_channel_new, lm_channel_receive,
    lm_channel_send,
};
pub use compare::{lm_value_cmp, lm_value_eq};
pub use display::{lm_str_from_bool, lm_str_from_float, lm_str_from_int, lm_str_from_null};
pub use effects::{
    lm_effect_arg, lm_effect_continuation, lm_effect_handled, lm_effect_resume, lm_handle,
    lm_perform,
};
pub use errors::lm_failing;
pub use errors::{
    lm_exit, lm_failure_called_from, lm_failure_hold, lm_failure_resume, lm_halt, lm_runtime_error,
    lm_stack_overflow,
};
pub use format::{lm_fmt_float, lm_fmt_int, lm_fmt_str};
pub use forms::{lm_form_all, lm_form_race, lm_form_select, lm_form_timeout, lm_form_vote};
pub use futures::{
    lm_await, lm_await_deep, lm_await_outcome, lm_await_try, lm_future_cancel, lm_future_error,
    lm_future_status, lm_set_deterministic, lm_sleep, lm_spawn,
};
pub use json::lm_json_encode;
pub use json_decode::lm_from_json;
pub use json_value::{lm_json_at, lm_json_get, lm_json_parse};
pub use list::{
    lm_bools_get, lm_bools_push, lm_bools_set, lm_bools_set_unique, lm_list_concat,
    lm_list_from_static, lm_list_get, lm_list_get_borrowed, lm_list_len, lm_list_new, lm_list_peek,
    lm_list_push, lm_list_push_owned, lm_list_set, lm_list_set_unique, lm_list_slot_mut,
    lm_list_sort_by_keys,
};
pub use map::{
    lm_map_entry, lm_map_get, lm_map_has, lm_map_key_at, lm_map_keys, lm_map_len, lm_map_merge,
    lm_map_new, lm_map_remove, lm_map_set, lm_map_value_at, lm_map_values,
};
pub use objects::{lm_box_is, lm_box_new, lm_closure_new, lm_enum_new, lm_record_new, lm_unshare};
pub use output::{
    lm_write_bool, lm_write_float, lm_write_int, lm_write_newline, lm_write_null, lm_write_space,
    lm_write_str,
};
pub use overflow::lm_stack_limit;
pub use rc::{lm_release, lm_retain};
pub use results::lm_unwrap_failed;
pub use set::{
    lm_set_add, lm_set_at, lm_set_contains, lm_set_difference, lm_set_intersection, lm_set_len,
    lm_set_new, lm_set_remove, lm_set_to_list, lm_set_union,
};
pub use strings::{
    lm_str_append, lm_str_byte_key, lm_str_cmp, lm_str_concat, lm_str_concat_n, lm_str_eq,
    lm_str_index, lm_str_len,
};
pub use tools::{lm_fetch, lm_tool_call};
pub use tuple::lm_tuple_new;
pub use value::{lm_str_from_value, lm_str_repr, lm_write_value};

// Builtin library.
pub use library::checks::{lm_args, lm_assert_eq, lm_assert_ne, lm_debug, lm_read_stdin};
pub use library::convert::{
    lm_float_to_int, lm_parse_float, lm_parse_int, lm_str_to_float, lm_str_to_int,
};
pub use library::encoding::{
    lm_base64_decode, lm_base64_encode, lm_hex_decode, lm_hex_encode, lm_sha256, lm_url_decode,
    lm_url_encode,
};
pub use library::lists::{
    lm_list_chunk, lm_list_drop, lm_list_flatten, lm_list_index_of, lm_list_insert, lm_list_max,
    lm_list_min, lm_list_product, lm_list_range, lm_list_remove_at, lm_list_reverse, lm_list_slice,
    lm_list_sort, lm_list_sum, lm_list_take, lm_list_unique, lm_list_window,
};
pub use library::math::{
    lm_float_atan2, lm_float_clamp, lm_float_fn, lm_float_is_inf, lm_float_is_nan, lm_float_max,
    lm_float_min, lm_int_abs, lm_int_clamp, lm_int_max, lm_int_min,
};
pub use library::pairs::{lm_list_enumerate, lm_list_zip, lm_map_group_push};
pub use library::system::{
    lm_env, lm_monotonic_ms, lm_now_ms, lm_random, lm_random_int, lm_read_file, lm_read_line,
    lm_uuid, lm_write_file,
};
pub use library::text::{
    lm_list_join, lm_str_capitalize, lm_str_chars, lm_str_contains, lm_str_ends_with,
    lm_str_format, lm_str_format_list, lm_str_index_of, lm_str_lines, lm_str_lower,
    lm_str_pad_left, lm_str_pad_right, lm_str_repeat, lm_str_replace, lm_str_reverse, lm_str_slice,
    lm_str_split, lm_str_starts_with, lm_str_trim, lm_str_trim_end, lm_str_trim_start,
    lm_str_upper,
};

/// Checks the exports against [`lumen_abi::RUNTIME_FUNCTIONS`].
///
/// `exports!` lists every exported function with its ABI signature. For each
/// entry the test takes the address of the Rust function through a cast to a
/// function pointer whose non-pointer types are spelled out (the cast only
/// compiles if they match exactly) and whose pointer types are checked by
/// [`AbiTy`]. Adding an entry to the ABI table without implementing and
/// listing it here fails `every_abi_function_is_exported`.
#[cfg(test)]
mod abi_check {
    use lumen_abi::{AbiType, RUNTIME_FUNCTIONS};

    /// Maps a Rust parameter or result type to the [`AbiType`] it crosses as.
    trait AbiTy {
        const TY: AbiType;
    }
    impl AbiTy for i64 {
        const TY: AbiType = AbiType::I64;
    }
    impl AbiTy for i32 {
        const TY: AbiType = AbiType::I32;
    }
    impl AbiTy for i8 {
        const TY: AbiType = AbiType::I8;
    }
    impl AbiTy for f64 {
        const TY: AbiType = AbiType::F64;
    }
    impl<T> AbiTy for *const T {
        const TY: AbiType = AbiType::Ptr;
    }
    impl<T> AbiTy for *mut T {
        const TY: AbiType = AbiType::Ptr;
    }

    /// Rust type for an ABI type name; `Ptr` stays open (`_`) so that each
    /// function may use its own pointee type, and is checked by `AbiTy`.
    macro_rules! rust_ty {
        (I64) => {
            i64
        };
        (I32) => {
            i32
        };
        (I8) => {
            i8
        };
        (F64) => {
            f64
        };
        (Ptr) => {
            _
        };
    }

    /// The results a function returns, `[]` for `()`.
    trait AbiRet {
        fn returns() -> Vec<AbiType>;
    }
    impl AbiRet for () {
        fn returns() -> Vec<AbiType> {
            Vec::new()
        }
    }
    impl<T: AbiTy> AbiRet for T {
        fn returns() -> Vec<AbiType> {
            vec![T::TY]
        }
    }

    /// The ABI signature of a function pointer type.
    trait Signature {
        fn params() -> Vec<AbiType>;
        fn returns() -> Vec<AbiType>;
        const NO_RETURN: bool;
    }
    macro_rules! impl_signature {
        ($($a:ident),*) => {
            impl<$($a: AbiTy,)* R: AbiRet> Signature for unsafe extern "C" fn($($a),*) -> R {
                fn params() -> Vec<AbiType> { vec![$($a::TY),*] }
                fn returns() -> Vec<AbiType> { R::returns() }
                const NO_RETURN: bool = false;
            }
            impl<$($a: AbiTy),*> Signature for unsafe extern "C" fn($($a),*) -> ! {
                fn params() -> Vec<AbiType> { vec![$($a::TY),*] }
                fn returns() -> Vec<AbiType> { Vec::new() }
                const NO_RETURN: bool = true;
            }
        };
    }
    impl_signature!();
    impl_signature!(A);
    impl_signature!(A, B);
    impl_signature!(A, B, C);
    impl_signature!(A, B, C, D);
    impl_signature!(A, B, C, D, E);
    impl_signature!(A, B, C, D, E, G);
    impl_signature!(A, B, C, D, E, G, H);
    impl_signature!(A, B, C, D, E, G, H, I);

    struct Export {
        name: &'static str,
        addr: usize,
        params: Vec<AbiType>,
        returns: Vec<AbiType>,
        no_return: bool,
    }

    fn export<F: Signature + Copy>(name: &'static str, f: F, addr: usize) -> Export {
        let _ = f;
        Export {
            name,
            addr,
            params: F::params(),
            returns: F::returns(),
            no_return: F::NO_RETURN,
        }
    }

    macro_rules! exports {
        ($( $f:ident ( $($p:ident),* ) -> [ $($r:ident)? ] $(, $noret:ident)? ; )*) => {
            vec![$({
                // The cast fixes the arity and the exact non-pointer types;
                // `Signature` then reads every type back from the pointer.
                let f = crate::$f as unsafe extern "C" fn($(rust_ty!($p)),*) -> exports!(@ret $($r)? $(, $noret)?);
                export(stringify!($f), f, f as usize)
            }),*]
        };
        (@ret , noreturn) => { ! };
        (@ret) => { () };
        (@ret $r:ident) => { rust_ty!($r) };
    }

    fn exports() -> Vec<Export> {
        exports! {
            lm_retain(Ptr) -> [];
            lm_release(Ptr) -> [];
            lm_write_int(I32, I64) -> [];
            lm_write_float(I32, F64) -> [];
            lm_write_bool(I32, I8) -> [];
            lm_write_null(I32) -> [];
            lm_write_str(I32, Ptr) -> [];
            lm_write_space(I32) -> [];
            lm_write_newline(I32) -> [];
            lm_str_from_int(I64) -> [Ptr];
            lm_str_from_float(F64) -> [Ptr];
            lm_str_from_bool(I8) -> [Ptr];
            lm_str_from_null() -> [Ptr];
            lm_fmt_int(I64, I32, I32, I32, I64, I64, I32) -> [Ptr];
            lm_fmt_float(F64, I32, I32, I32, I64, I64, I32) -> [Ptr];
            lm_fmt_str(Ptr, I32, I32, I32, I64, I64, I32) -> [Ptr];
            lm_str_concat(Ptr, Ptr) -> [Ptr];
            lm_str_append(Ptr, Ptr) -> [Ptr];
            lm_str_concat_n(Ptr, I64) -> [Ptr];
            lm_str_byte_key(Ptr) -> [I64];
            lm_str_eq(Ptr, Ptr) -> [I8];
            lm_str_cmp(Ptr, Ptr) -> [I64];
            lm_str_len(Ptr) -> [I64];
            lm_str_index(Ptr, I64, Ptr) -> [Ptr];
            lm_int_pow(I64, I64, Ptr) -> [I64];
            lm_float_pow(F64, F64) -> [F64];
            lm_float_mod(F64, F64) -> [F64];
            lm_record_new(Ptr) -> [Ptr];
            lm_enum_new(Ptr, I64) -> [Ptr];
            lm_unshare(Ptr) -> [Ptr];
            lm_list_new(Ptr, I64) -> [Ptr];
            lm_list_push(Ptr, I64) -> [Ptr];
            lm_list_push_owned(Ptr, I64) -> [Ptr];
            lm_list_from_static(Ptr, Ptr, I64) -> [Ptr];
            lm_list_len(Ptr) -> [I64];
            lm_list_get(Ptr, I64, Ptr) -> [I64];
            lm_list_get_borrowed(Ptr, I64, Ptr) -> [I64];
            lm_list_peek(Ptr, I64) -> [I64];
            lm_list_slot_mut(Ptr, I64, Ptr) -> [Ptr];
            lm_list_set(Ptr, I64, I64, Ptr) -> [Ptr];
            lm_bools_get(Ptr, I64, Ptr) -> [I64];
            lm_bools_set(Ptr, I64, I64, Ptr) -> [Ptr];
            lm_bools_push(Ptr, I64) -> [Ptr];
            lm_list_set_unique(Ptr, I64, I64, Ptr) -> [Ptr];
            lm_bools_set_unique(Ptr, I64, I64, Ptr) -> [Ptr];
            lm_list_concat(Ptr, Ptr) -> [Ptr];
            lm_list_sort_by_keys(Ptr, Ptr) -> [Ptr];
            lm_str_from_value(I64, Ptr) -> [Ptr];
            lm_str_repr(I64, Ptr) -> [Ptr];
            lm_json_encode(I64, Ptr, I32, Ptr) -> [Ptr];
            lm_json_parse(Ptr, Ptr) -> [Ptr];
            lm_json_get(Ptr, Ptr) -> [Ptr];
            lm_json_at(Ptr, I64) -> [Ptr];
            lm_from_json(Ptr, Ptr, Ptr, I64) -> [Ptr];
            lm_write_value(I32, I64, Ptr) -> [];
            lm_value_eq(I64, I64, Ptr) -> [I8];
            lm_value_cmp(I64, I64, Ptr) -> [I64];
            lm_closure_new(Ptr, Ptr) -> [Ptr];
            lm_box_new(Ptr, I64) -> [Ptr];
            lm_box_is(Ptr, Ptr) -> [I8];
            lm_map_new(Ptr) -> [Ptr];
            lm_map_set(Ptr, I64, I64) -> [Ptr];
            lm_map_has(Ptr, I64) -> [I8];
            lm_map_get(Ptr, I64) -> [I64];
            lm_map_entry(Ptr, I64, I8, Ptr) -> [I64];
            lm_map_remove(Ptr, I64) -> [Ptr];
            lm_map_len(Ptr) -> [I64];
            lm_map_key_at(Ptr, I64) -> [I64];
            lm_map_value_at(Ptr, I64) -> [I64];
            lm_map_keys(Ptr, Ptr) -> [Ptr];
            lm_map_values(Ptr, Ptr) -> [Ptr];
            lm_map_merge(Ptr, Ptr) -> [Ptr];
            lm_set_new(Ptr) -> [Ptr];
            lm_set_add(Ptr, I64) -> [Ptr];
            lm_set_contains(Ptr, I64) -> [I8];
            lm_set_remove(Ptr, I64) -> [Ptr];
            lm_set_len(Ptr) -> [I64];
            lm_set_at(Ptr, I64) -> [I64];
            lm_set_union(Ptr, Ptr) -> [Ptr];
            lm_set_intersection(Ptr, Ptr) -> [Ptr];
            lm_set_difference(Ptr, Ptr) -> [Ptr];
            lm_set_to_list(Ptr, Ptr) -> [Ptr];
            lm_tuple_new(Ptr) -> [Ptr];
            lm_runtime_error(I32, Ptr) -> [];
            lm_halt(Ptr, Ptr) -> [];
            lm_spawn(Ptr, Ptr) -> [Ptr];
            lm_await(Ptr, Ptr) -> [I64];
            lm_await_deep(I64, Ptr, Ptr, Ptr) -> [I64];
            lm_await_try(Ptr, Ptr, Ptr) -> [Ptr];
            lm_try_call(Ptr, Ptr) -> [Ptr];
            lm_await_outcome(Ptr, Ptr, Ptr) -> [I64];
            lm_future_status(Ptr) -> [I64];
            lm_future_error(Ptr) -> [Ptr];
            lm_future_cancel(Ptr) -> [];
            lm_sleep(I64) -> [];
            lm_set_deterministic() -> [];
            lm_form_all(Ptr, Ptr, Ptr) -> [Ptr];
            lm_form_race(Ptr, Ptr, Ptr) -> [I64];
            lm_form_vote(Ptr, Ptr, Ptr) -> [I64];
            lm_form_select(Ptr, Ptr, Ptr) -> [Ptr];
            lm_form_timeout(I64, Ptr, Ptr, Ptr) -> [I64];
            lm_channel_new(Ptr) -> [Ptr];
            lm_channel_bounded(I64, Ptr, Ptr) -> [Ptr];
            lm_channel_send(Ptr, I64, Ptr) -> [];
            lm_channel_receive(Ptr, Ptr, Ptr) -> [I64];
            lm_channel_close(Ptr) -> [];
            lm_channel_len(Ptr) -> [I64];
            lm_perform(I64, Ptr, Ptr, Ptr, I64, Ptr, Ptr) -> [I64];
            lm_effect_handled(I64) -> [I64];
            lm_handle(Ptr, Ptr, Ptr, I64, Ptr, Ptr) -> [I64];
            lm_effect_arg(I64, Ptr) -> [I64];
            lm_effect_continuation() -> [I64];
            lm_effect_resume(I64, I64, Ptr, Ptr, Ptr) -> [I64];
            lm_tool_call(Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, I64, Ptr) -> [I64];
            lm_fetch(Ptr, Ptr, Ptr, Ptr) -> [Ptr];
            lm_stack_overflow(Ptr) -> [];
            lm_exit(I64) -> [], noreturn;
            lm_failure_hold() -> [];
            lm_failure_resume() -> [];
            lm_failure_called_from(Ptr) -> [];
            lm_unwrap_failed(Ptr, Ptr) -> [];
            // Builtin library.
            lm_str_upper(Ptr) -> [Ptr];
            lm_str_lower(Ptr) -> [Ptr];
            lm_str_trim(Ptr) -> [Ptr];
            lm_str_trim_start(Ptr) -> [Ptr];
            lm_str_trim_end(Ptr) -> [Ptr];
            lm_str_capitalize(Ptr) -> [Ptr];
            lm_str_reverse(Ptr) -> [Ptr];
            lm_str_split(Ptr, Ptr, Ptr) -> [Ptr];
            lm_str_lines(Ptr, Ptr) -> [Ptr];
            lm_str_chars(Ptr, Ptr) -> [Ptr];
            lm_str_replace(Ptr, Ptr, Ptr) -> [Ptr];
            lm_str_contains(Ptr, Ptr) -> [I8];
            lm_str_starts_with(Ptr, Ptr) -> [I8];
            lm_str_ends_with(Ptr, Ptr) -> [I8];
            lm_str_index_of(Ptr, Ptr) -> [I64];
            lm_str_slice(Ptr, I64, I64) -> [Ptr];
            lm_str_pad_left(Ptr, I64, Ptr, Ptr) -> [Ptr];
            lm_str_pad_right(Ptr, I64, Ptr, Ptr) -> [Ptr];
            lm_str_repeat(Ptr, I64, Ptr) -> [Ptr];
            lm_str_format(Ptr, Ptr, I64, Ptr) -> [Ptr];
            lm_str_format_list(Ptr, Ptr, Ptr) -> [Ptr];
            lm_list_join(Ptr, Ptr) -> [Ptr];
            lm_float_fn(I32, F64) -> [F64];
            lm_float_atan2(F64, F64) -> [F64];
            lm_float_is_nan(F64) -> [I8];
            lm_float_is_inf(F64) -> [I8];
            lm_float_min(F64, F64) -> [F64];
            lm_float_max(F64, F64) -> [F64];
            lm_int_min(I64, I64) -> [I64];
            lm_int_max(I64, I64) -> [I64];
            lm_int_abs(I64, Ptr) -> [I64];
            lm_int_clamp(I64, I64, I64, Ptr) -> [I64];
            lm_float_clamp(F64, F64, F64, Ptr) -> [F64];
            lm_list_insert(Ptr, I64, I64, Ptr) -> [Ptr];
            lm_list_remove_at(Ptr, I64, Ptr) -> [Ptr];
            lm_list_slice(Ptr, I64, I64) -> [Ptr];
            lm_list_take(Ptr, I64) -> [Ptr];
            lm_list_drop(Ptr, I64) -> [Ptr];
            lm_list_reverse(Ptr) -> [Ptr];
            lm_list_sort(Ptr) -> [Ptr];
            lm_list_unique(Ptr) -> [Ptr];
            lm_list_flatten(Ptr, Ptr) -> [Ptr];
            lm_list_index_of(Ptr, I64) -> [I64];
            lm_list_range(I64, I64, I64, Ptr, Ptr) -> [Ptr];
            lm_list_chunk(Ptr, I64, Ptr, Ptr) -> [Ptr];
            lm_list_window(Ptr, I64, Ptr, Ptr) -> [Ptr];
            lm_list_sum(Ptr, Ptr) -> [I64];
            lm_list_product(Ptr, Ptr) -> [I64];
            lm_list_min(Ptr, Ptr) -> [I64];
            lm_list_max(Ptr, Ptr) -> [I64];
            lm_assert_eq(I64, I64, Ptr, Ptr) -> [];
            lm_assert_ne(I64, I64, Ptr, Ptr) -> [];
            lm_debug(I64, Ptr, Ptr) -> [];
            lm_args(Ptr) -> [Ptr];
            lm_read_stdin() -> [Ptr];
            lm_float_to_int(F64, Ptr) -> [Ptr];
            lm_str_to_int(Ptr, Ptr) -> [Ptr];
            lm_str_to_float(Ptr, Ptr) -> [Ptr];
            lm_parse_int(Ptr, Ptr) -> [Ptr];
            lm_parse_float(Ptr, Ptr) -> [Ptr];
            lm_list_zip(Ptr, Ptr, Ptr) -> [Ptr];
            lm_list_enumerate(Ptr, Ptr) -> [Ptr];
            lm_map_group_push(Ptr, I64, I64) -> [Ptr];
            lm_env(Ptr) -> [Ptr];
            lm_read_line() -> [Ptr];
            lm_read_file(Ptr, Ptr) -> [Ptr];
            lm_write_file(Ptr, Ptr, Ptr) -> [Ptr];
            lm_now_ms() -> [I64];
            lm_monotonic_ms() -> [I64];
            lm_random() -> [F64];
            lm_random_int(I64, I64, Ptr) -> [I64];
            lm_uuid() -> [Ptr];
            lm_sha256(Ptr) -> [Ptr];
            lm_base64_encode(Ptr) -> [Ptr];
            lm_hex_encode(Ptr) -> [Ptr];
            lm_url_encode(Ptr) -> [Ptr];
            lm_base64_decode(Ptr, Ptr) -> [Ptr];
            lm_hex_decode(Ptr, Ptr) -> [Ptr];
            lm_url_decode(Ptr, Ptr) -> [Ptr];
            lm_bytes_from_str(Ptr) -> [Ptr];
            lm_bytes_from_utf8(Ptr, Ptr) -> [Ptr];
            lm_bytes_len(Ptr) -> [I64];
            lm_bytes_index(Ptr, I64, Ptr) -> [I64];
            lm_bytes_slice(Ptr, I64, I64) -> [Ptr];
            lm_bytes_concat(Ptr, Ptr) -> [Ptr];
        }
    }

    #[test]
    fn every_abi_function_is_exported() {
        let exports = exports();
        for f in RUNTIME_FUNCTIONS {
            let e = exports
                .iter()
                .find(|e| e.name == f.name)
                .unwrap_or_else(|| panic!("{} is in the ABI table but not exported by lumen_rt (add it to `exports!`)", f.name));
            assert_ne!(e.addr, 0, "{}", f.name);
            assert_eq!(e.params, f.params, "parameters of {}", f.name);
            assert_eq!(e.returns, f.returns, "results of {}", f.name);
            assert_eq!(e.no_return, f.no_return, "no_return of {}", f.name);
        }
        for e in &exports {
            assert!(
                RUNTIME_FUNCTIONS.iter().any(|f| f.name == e.name),
                "{} is exported but missing from lumen_abi::RUNTIME_FUNCTIONS",
                e.name
            );
        }
    }

    #[test]
    fn stack_limit_symbol_matches_the_abi() {
        // The static is named by the ABI constant; a rename on either side
        // would leave generated code with an undefined symbol.
        assert_eq!(lumen_abi::STACK_LIMIT_SYMBOL, "lm_stack_limit");
        assert_eq!(lumen_abi::ASCII_CHARS_SYMBOL, "lm_ascii_chars");
        let _ = &crate::lm_stack_limit;
        assert_eq!(lumen_abi::FAILING_SYMBOL, "lm_failing");
        let _ = &crate::lm_failing;
    }

    #[test]
    fn every_error_code_has_a_message() {
        for code in lumen_abi::RuntimeErrorCode::ALL {
            assert!(!code.message().is_empty());
        }
    }
}
