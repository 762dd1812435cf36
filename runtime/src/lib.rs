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
//! Every export is `#[no_mangle] extern "C"`; those outside the builtin
//! library are re-exported at the crate root, and the ABI test in this file
//! names each one from there or from the library's modules.
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

/// Checks the exports against [`lumen_abi::RUNTIME_FUNCTIONS`].
///
/// `exports!` is handed the rows of the ABI table itself
/// (`lumen_abi::runtime_function_table!`), so no list of runtime functions
/// is written here. For each row the test takes the address of the Rust
/// function of that name through a cast to a function pointer whose
/// non-pointer types are spelled out (the cast only compiles if they match
/// exactly) and whose pointer types are checked by [`AbiTy`]. Adding an
/// entry to the ABI table without implementing it fails to compile this
/// test. The functions are named through the crate root's re-exports and,
/// for the builtin library, by importing its modules whole, so a library
/// function needs no line in this file.
#[cfg(test)]
mod abi_check {
    use crate::library::{
        checks::*, convert::*, encoding::*, lists::*, math::*, pairs::*, system::*, text::*,
    };
    use crate::*;
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

    /// For each row of the ABI table (`lumen_abi::runtime_function_table!`),
    /// the function of that name cast to the signature the row gives.
    macro_rules! exports {
        ($( $(#[doc = $doc:literal])* $(#[props($($prop:ident),*)])? $konst:ident = $f:ident ( $($p:ident),* ) -> [ $($r:ident)? ] $(, $flag:ident)? $(=> $inline:ident)? ; )*) => {
            vec![$({
                // The cast fixes the arity and the exact non-pointer types;
                // `Signature` then reads every type back from the pointer.
                let f = $f as unsafe extern "C" fn($(rust_ty!($p)),*) -> exports!(@ret $($r)? $(, $flag)?);
                export(stringify!($f), f, f as usize)
            }),*]
        };
        (@ret , noreturn) => { ! };
        (@ret $r:ident $(, $flag:ident)?) => { rust_ty!($r) };
        ($(@ret $(, $flag:ident)?)?) => { () };
    }

    fn exports() -> Vec<Export> {
        lumen_abi::runtime_function_table!(exports)
    }

    #[test]
    fn every_abi_function_is_exported() {
        let exports = exports();
        assert_eq!(exports.len(), RUNTIME_FUNCTIONS.len());
        for (f, e) in RUNTIME_FUNCTIONS.iter().zip(&exports) {
            assert_eq!(e.name, f.name);
            assert_ne!(e.addr, 0, "{}", f.name);
            assert_eq!(e.params, f.params, "parameters of {}", f.name);
            assert_eq!(e.returns, f.returns, "results of {}", f.name);
            assert_eq!(e.no_return, f.no_return, "no_return of {}", f.name);
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
