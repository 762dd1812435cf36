//! Valgrind client requests the shared stack needs (`crate::shared_stack`).
//!
//! Memcheck treats memory below a stack's pointer as inaccessible. Copying
//! a suspended task's bytes out of the shared stack reads a little below
//! where its stack pointer was (the margin), and copying them back writes
//! below the pointer the stack last had: both are correct here, so the
//! range is declared accessible first. A client request is a magic
//! instruction sequence that does nothing on real hardware (the "default"
//! result comes back unchanged), so the calls cost a few instructions and
//! need no check for whether Valgrind is running.

/// `VG_USERREQ_TOOL_BASE('M', 'C')`: memcheck's requests.
const MEMCHECK_BASE: usize = ((b'M' as usize) << 24) | ((b'C' as usize) << 16);
const MAKE_MEM_UNDEFINED: usize = MEMCHECK_BASE + 1;
const MAKE_MEM_DEFINED: usize = MEMCHECK_BASE + 2;

/// Issues client request `request` with two arguments.
#[inline(always)]
fn client_request(request: usize, a1: usize, a2: usize) {
    let args: [usize; 6] = [request, a1, a2, 0, 0, 0];
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the rotations of rdi by 3+13+61+51 bits (= 128) leave it
    // unchanged and `xchg rbx, rbx` is a no-op: natively nothing happens.
    // Under Valgrind the sequence reads `args` and sets rdx.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") 0usize => _,
            out("rdi") _,
            options(nostack)
        );
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: rotating x12 by 3+13+51+61 bits (= 128) leaves it unchanged
    // and `orr x10, x10, x10` is a no-op: natively nothing happens.
    unsafe {
        std::arch::asm!(
            "ror x12, x12, #3",
            "ror x12, x12, #13",
            "ror x12, x12, #51",
            "ror x12, x12, #61",
            "orr x10, x10, x10",
            in("x4") args.as_ptr(),
            inout("x3") 0usize => _,
            out("x12") _,
            options(nostack)
        );
    }
    std::hint::black_box(&args);
}

/// Declares `[start, start + len)` readable with defined contents.
#[inline(always)]
pub fn make_defined(start: usize, len: usize) {
    client_request(MAKE_MEM_DEFINED, start, len);
}

/// Declares `[start, start + len)` writable (contents undefined).
#[inline(always)]
pub fn make_undefined(start: usize, len: usize) {
    client_request(MAKE_MEM_UNDEFINED, start, len);
}
