//! End-to-end tests of the code generator: hand-written MIR is compiled,
//! linked with the real runtime (`cargo build -p lumen_rt`, and
//! `--target aarch64-unknown-linux-gnu` for the cross half) and run; stdout,
//! stderr and the exit status are checked. Every program also runs on
//! aarch64 under qemu unless `LUMEN_SKIP_CROSS=1`.

mod common;

use common::*;
use lumen_abi::*;
use lumen_mir::*;

/// `fib(n) = n < 2 ? n : fib(n-1) + fib(n-2)`; main prints fib(25).
fn fib_program(n: i64) -> Program {
    let mut f = FnBuilder::new("fib", &[Ty::Int], Ty::Int);
    let entry = f.block();
    let base = f.block();
    let rec = f.block();
    let small = f.local(Ty::Bool);
    f.assign(entry, small, bin(BinOp::Lt, Ty::Int, f.param(0), int(2)));
    f.term(
        entry,
        Terminator::Branch {
            cond: l(small),
            then_block: base,
            else_block: rec,
        },
    );
    f.term(base, Terminator::Return(f.param(0)));
    let (n1, n2, r1, r2, sum) = (
        f.local(Ty::Int),
        f.local(Ty::Int),
        f.local(Ty::Int),
        f.local(Ty::Int),
        f.local(Ty::Int),
    );
    f.assign(rec, n1, bin(BinOp::Sub, Ty::Int, f.param(0), int(1)));
    f.assign(rec, r1, Rvalue::Call(FuncId(0), vec![l(n1)]));
    f.assign(rec, n2, bin(BinOp::Sub, Ty::Int, f.param(0), int(2)));
    f.assign(rec, r2, Rvalue::Call(FuncId(0), vec![l(n2)]));
    f.assign(rec, sum, bin(BinOp::Add, Ty::Int, l(r1), l(r2)));
    f.term(rec, Terminator::Return(l(sum)));

    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    let r = m.local(Ty::Int);
    m.assign(bb, r, Rvalue::Call(FuncId(0), vec![int(n)]));
    m.print(bb, Ty::Int, l(r));
    m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
    program(vec![f.finish(), m.finish()])
}

#[test]
fn fib_recursion() {
    let runs = run_everywhere(&fib_program(25));
    if std::env::var("LUMEN_SKIP_CROSS").as_deref() != Ok("1") {
        assert_eq!(runs.len(), 2, "the aarch64 half did not run");
    }
    for (target, out) in runs {
        assert_eq!(out.stdout, "75025\n", "{target}: {out:?}");
        assert_eq!(out.status, Some(0), "{target}: {out:?}");
    }
}

#[test]
fn fib_compiles_for_both_targets_with_the_verifier() {
    // Tests are debug builds, where the Cranelift verifier is enabled.
    let isa = lumen_codegen::isa::build(
        &lumen_codegen::Triple::host(),
        lumen_codegen::OptLevel::Speed,
    )
    .unwrap();
    assert!(isa.flags().enable_verifier());
    assert!(isa.flags().is_pic());
    for target in lumen_codegen::supported_targets() {
        let object = compile(&fib_program(10), target);
        assert_eq!(&object[..4], b"\x7fELF", "{target}");
    }
}

/// `var s = 0; var i = 0; while i < n { i = i + 1; s = s + i }`; prints s and
/// returns it modulo 256 as the exit status via `main -> Int`.
#[test]
fn loop_and_exit_status() {
    let mut m = FnBuilder::new("main", &[], Ty::Int);
    let (_, body, done) = (m.block(), m.block(), m.block());
    let (s, i, c) = (m.local(Ty::Int), m.local(Ty::Int), m.local(Ty::Bool));
    // Block 0 is also a loop target here: the prologue must stay separate.
    let init = m.block();
    m.f.blocks.swap(0, init.0 as usize);
    let (init, head) = (BlockId(0), BlockId(init.0));
    m.assign(init, s, Rvalue::Use(int(0)));
    m.assign(init, i, Rvalue::Use(int(0)));
    m.term(init, Terminator::Goto(head));
    m.assign(head, c, bin(BinOp::Lt, Ty::Int, l(i), int(1_000_000)));
    m.term(
        head,
        Terminator::Branch {
            cond: l(c),
            then_block: body,
            else_block: done,
        },
    );
    m.assign(body, i, bin(BinOp::Add, Ty::Int, l(i), int(1)));
    m.assign(body, s, bin(BinOp::Add, Ty::Int, l(s), l(i)));
    m.term(body, Terminator::Goto(head));
    m.print(done, Ty::Int, l(s));
    let status = m.local(Ty::Int);
    m.assign(done, status, bin(BinOp::Mod, Ty::Int, l(s), int(256)));
    m.term(done, Terminator::Return(l(status)));
    let p = program(vec![m.finish()]);
    for (target, out) in run_everywhere(&p) {
        assert_eq!(out.stdout, "500000500000\n", "{target}: {out:?}");
        assert_eq!(out.status, Some((500000500000i64 % 256) as i32), "{target}");
    }
}

/// Reference semantics (semantics.md §2) computed in i128.
fn reference(op: BinOp, a: i64, b: i64) -> Option<i64> {
    let (a, b) = (a as i128, b as i128);
    let r = match op {
        BinOp::Add | BinOp::AddInRange => a + b,
        BinOp::SubWrap => return Some((a as i64).wrapping_sub(b as i64)),
        BinOp::UDiv => {
            if b == 0 {
                return None;
            }
            return Some(((a as i64 as u64) / (b as i64 as u64)) as i64);
        }
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0 {
                return None;
            }
            a / b
        }
        BinOp::FloorDiv => {
            if b == 0 {
                return None;
            }
            let q = a / b;
            if a % b != 0 && ((a % b < 0) != (b < 0)) {
                q - 1
            } else {
                q
            }
        }
        BinOp::Mod => {
            if b == 0 {
                return None;
            }
            let r = a % b;
            if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            }
        }
        BinOp::Shl => {
            if !(0..=63).contains(&b) {
                return None;
            }
            ((a as i64) << b) as i128
        }
        BinOp::Shr => {
            if !(0..=63).contains(&b) {
                return None;
            }
            ((a as i64) >> b) as i128
        }
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        _ => unreachable!(),
    };
    i64::try_from(r).ok()
}

const OPS: &[BinOp] = &[
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::FloorDiv,
    BinOp::Mod,
    BinOp::Shl,
    BinOp::Shr,
    BinOp::BitAnd,
    BinOp::BitOr,
    BinOp::BitXor,
];

/// Every checked operation on values that do not fail, including the sign
/// combinations of `//` and `%`, against the reference; the right operand is
/// a runtime value (a parameter) and, separately, a constant (which takes the
/// shift/mask fast paths for powers of two).
#[test]
fn checked_int_operations_on_valid_operands() {
    let values = [
        7,
        -7,
        0,
        1,
        -1,
        2,
        -2,
        3,
        -3,
        4,
        -4,
        63,
        64,
        i64::MAX,
        i64::MIN,
        1 << 40,
    ];
    let mut cells = Vec::new();
    let mut calls = Vec::new(); // (cell index, a, b or None when constant, expected)
    for (oi, op) in OPS.iter().enumerate() {
        cells.push(binary_cell(&format!("op{oi}"), *op, Ty::Int, Ty::Int, None));
        let cell = cells.len() - 1;
        for &a in &values {
            for &b in &values {
                if let Some(r) = reference(*op, a, b) {
                    calls.push((cell, a, Some(b), r));
                }
            }
        }
        for c in [0i64, 1, -1, 2, 4, 8, -4, 3, 1 << 20, i64::MAX, i64::MIN] {
            cells.push(binary_cell(
                &format!("op{oi}c{c}"),
                *op,
                Ty::Int,
                Ty::Int,
                Some(int(c)),
            ));
            let cell = cells.len() - 1;
            for &a in &values {
                if let Some(r) = reference(*op, a, c) {
                    calls.push((cell, a, None, r));
                }
            }
        }
    }
    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    let mut expected = String::new();
    for (cell, a, b, r) in &calls {
        let out = m.local(Ty::Int);
        let mut args = vec![int(*a)];
        args.extend(b.map(int));
        m.assign(bb, out, Rvalue::Call(FuncId(*cell as u32), args));
        m.print(bb, Ty::Int, l(out));
        expected.push_str(&format!("{r}\n"));
    }
    m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
    cells.push(m.finish());
    expect_stdout(&program(cells), &expected);
}

/// main prints 1, then calls `cell(a, b)` whose operation at line 2 fails;
/// with `const_rhs`, `b` is a constant in the cell instead of an argument.
fn failing_binary(op: BinOp, a: i64, b: i64, const_rhs: bool) -> Program {
    let cell = binary_cell("calc", op, Ty::Int, Ty::Int, const_rhs.then(|| int(b)));
    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    m.print(bb, Ty::Int, int(1));
    let out = m.local(Ty::Int);
    let args = if const_rhs {
        vec![int(a)]
    } else {
        vec![int(a), int(b)]
    };
    m.assign(bb, out, Rvalue::Call(FuncId(0), args));
    m.print(bb, Ty::Int, l(out));
    m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
    program(vec![cell, m.finish()])
}

#[test]
fn checked_int_operation_errors() {
    let cases = [
        (BinOp::Add, i64::MAX, 1, RuntimeErrorCode::OverflowAdd),
        (BinOp::Add, i64::MIN, -1, RuntimeErrorCode::OverflowAdd),
        (BinOp::Sub, i64::MIN, 1, RuntimeErrorCode::OverflowSub),
        (BinOp::Mul, 1 << 32, 1 << 31, RuntimeErrorCode::OverflowMul),
        (BinOp::Mul, i64::MIN, -1, RuntimeErrorCode::OverflowMul),
        (BinOp::Div, 5, 0, RuntimeErrorCode::DivisionByZero),
        (BinOp::Div, i64::MIN, -1, RuntimeErrorCode::OverflowDiv),
        (BinOp::FloorDiv, 5, 0, RuntimeErrorCode::DivisionByZero),
        (BinOp::FloorDiv, i64::MIN, -1, RuntimeErrorCode::OverflowDiv),
        (BinOp::Mod, 5, 0, RuntimeErrorCode::DivisionByZero),
        (BinOp::Shl, 1, 64, RuntimeErrorCode::ShiftOutOfRange),
        (BinOp::Shr, 1, -1, RuntimeErrorCode::ShiftOutOfRange),
    ];
    for (op, a, b, code) in cases {
        eprintln!("case {op:?} {a} {b}");
        expect_error(
            &failing_binary(op, a, b, false),
            "1\n",
            code.message(),
            2,
            5,
        );
    }
    // Constant right operands take other paths (compare instead of the
    // overflow flag, no zero check for non-zero divisors).
    let const_cases = [
        (BinOp::Add, i64::MAX, 1, RuntimeErrorCode::OverflowAdd),
        (BinOp::Add, i64::MIN + 4, -5, RuntimeErrorCode::OverflowAdd),
        (BinOp::Sub, i64::MIN, 1, RuntimeErrorCode::OverflowSub),
        (BinOp::Sub, 0, i64::MIN, RuntimeErrorCode::OverflowSub),
        (BinOp::Sub, i64::MAX - 1, -2, RuntimeErrorCode::OverflowSub),
        (BinOp::Mul, 1 << 62, 2, RuntimeErrorCode::OverflowMul),
        (
            BinOp::Mul,
            i64::MIN / 3 - 1,
            3,
            RuntimeErrorCode::OverflowMul,
        ),
        (BinOp::Mul, i64::MIN, -1, RuntimeErrorCode::OverflowMul),
        (BinOp::Div, 5, 0, RuntimeErrorCode::DivisionByZero),
        (BinOp::Div, i64::MIN, -1, RuntimeErrorCode::OverflowDiv),
        (BinOp::Mod, 5, 0, RuntimeErrorCode::DivisionByZero),
        (BinOp::Shl, 1, 64, RuntimeErrorCode::ShiftOutOfRange),
    ];
    for (op, a, b, code) in const_cases {
        eprintln!("constant case {op:?} {a} {b}");
        expect_error(&failing_binary(op, a, b, true), "1\n", code.message(), 2, 5);
    }
}

#[test]
fn negation_and_bit_not() {
    let mut neg = FnBuilder::new("neg", &[Ty::Int], Ty::Int);
    let bb = neg.block();
    let out = neg.local(Ty::Int);
    let operand = neg.param(0);
    neg.assign(
        bb,
        out,
        Rvalue::Unary {
            op: UnOp::Neg,
            ty: Ty::Int,
            operand,
        },
    );
    neg.term(bb, Terminator::Return(l(out)));

    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    let (a, b, c) = (m.local(Ty::Int), m.local(Ty::Int), m.local(Ty::Int));
    m.assign(bb, a, Rvalue::Call(FuncId(0), vec![int(5)]));
    m.print(bb, Ty::Int, l(a));
    m.assign(bb, b, Rvalue::Call(FuncId(0), vec![int(i64::MAX)]));
    m.print(bb, Ty::Int, l(b));
    m.assign(
        bb,
        c,
        Rvalue::Unary {
            op: UnOp::BitNot,
            ty: Ty::Int,
            operand: l(a),
        },
    );
    m.print(bb, Ty::Int, l(c));
    m.assign(bb, c, Rvalue::Call(FuncId(0), vec![int(i64::MIN)]));
    m.print(bb, Ty::Int, l(c));
    m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
    let p = program(vec![neg.finish(), m.finish()]);
    expect_error(
        &p,
        &format!("-5\n{}\n4\n", -i64::MAX),
        RuntimeErrorCode::OverflowNeg.message(),
        2,
        5,
    );
}

#[test]
fn bools_and_branches() {
    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    let (t, f, x) = (m.local(Ty::Bool), m.local(Ty::Bool), m.local(Ty::Bool));
    m.assign(bb, t, bin(BinOp::Le, Ty::Int, int(3), int(3)));
    m.assign(
        bb,
        f,
        Rvalue::Unary {
            op: UnOp::Not,
            ty: Ty::Bool,
            operand: l(t),
        },
    );
    m.print(bb, Ty::Bool, l(t));
    m.print(bb, Ty::Bool, l(f));
    m.assign(bb, x, bin(BinOp::Lt, Ty::Bool, l(f), l(t)));
    m.print(bb, Ty::Bool, l(x));
    m.assign(bb, x, bin(BinOp::BitXor, Ty::Bool, l(t), l(t)));
    m.print(bb, Ty::Bool, l(x));
    let (yes, no, end) = (m.block(), m.block(), m.block());
    m.term(
        bb,
        Terminator::Branch {
            cond: l(f),
            then_block: yes,
            else_block: no,
        },
    );
    m.print(yes, Ty::Str, string("yes"));
    m.term(yes, Terminator::Goto(end));
    m.print(no, Ty::Str, string("no"));
    m.term(no, Terminator::Goto(end));
    m.print(end, Ty::Null, Operand::Const(Const::Null));
    m.term(end, Terminator::Return(Operand::Const(Const::Null)));
    expect_stdout(
        &program(vec![m.finish()]),
        "true\nfalse\ntrue\nfalse\nno\nnull\n",
    );
}

#[test]
fn string_literals_and_interpolation() {
    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    m.print(bb, Ty::Str, string("héllo, wörld"));
    // The same literal twice: one deduplicated object.
    m.print(bb, Ty::Str, string("héllo, wörld"));
    let (n, s) = (m.local(Ty::Str), m.local(Ty::Str));
    m.assign(
        bb,
        n,
        Rvalue::Runtime(LM_STR_FROM_INT, vec![RtArg::Operand(int(-42))]),
    );
    m.assign(
        bb,
        s,
        Rvalue::Runtime(
            LM_STR_CONCAT_N,
            vec![
                RtArg::StrArray(vec![string("n="), l(n), string("!")]),
                RtArg::I64(3),
            ],
        ),
    );
    m.stmt(bb, StmtKind::Release(n));
    m.stmt(bb, StmtKind::Retain(s));
    m.stmt(bb, StmtKind::Release(s));
    m.print(bb, Ty::Str, l(s));
    m.stmt(bb, StmtKind::Release(s));
    m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
    expect_stdout(
        &program(vec![m.finish()]),
        "héllo, wörld\nhéllo, wörld\nn=-42!\n",
    );
}

#[test]
fn float_operations() {
    let fdiv = binary_cell("fdiv", BinOp::Div, Ty::Float, Ty::Float, None);
    let ffloor = binary_cell("ffloor", BinOp::FloorDiv, Ty::Float, Ty::Float, None);
    let fmod = binary_cell("fmod", BinOp::Mod, Ty::Float, Ty::Float, None);
    let fne = binary_cell("fne", BinOp::Ne, Ty::Float, Ty::Bool, None);
    let mut to_int = FnBuilder::new("to_int", &[Ty::Float], Ty::Int);
    let bb = to_int.block();
    let out = to_int.local(Ty::Int);
    let p0 = to_int.param(0);
    to_int.assign(bb, out, Rvalue::Cast(Cast::FloatToInt, p0));
    to_int.term(bb, Terminator::Return(l(out)));

    let mut m = FnBuilder::new("main", &[], Ty::Null);
    let bb = m.block();
    let mut expect = String::new();
    let mut call = |m: &mut FnBuilder, cell: u32, args: Vec<Operand>, ty: Ty, shown: &str| {
        let out = m.local(ty);
        m.assign(bb, out, Rvalue::Call(FuncId(cell), args));
        m.print(bb, ty, l(out));
        expect.push_str(shown);
        expect.push('\n');
    };
    call(&mut m, 0, vec![float(7.5), float(2.0)], Ty::Float, "3.75");
    call(&mut m, 1, vec![float(-7.0), float(2.0)], Ty::Float, "-4.0");
    call(&mut m, 2, vec![float(-7.0), float(2.0)], Ty::Float, "1.0");
    call(&mut m, 2, vec![float(7.0), float(-2.0)], Ty::Float, "-1.0");
    call(&mut m, 0, vec![float(1.0), float(0.0)], Ty::Float, "inf");
    call(
        &mut m,
        3,
        vec![float(f64::NAN), float(f64::NAN)],
        Ty::Bool,
        "true",
    );
    call(&mut m, 3, vec![float(1.0), float(1.0)], Ty::Bool, "false");
    call(&mut m, 4, vec![float(3.99)], Ty::Int, "3");
    call(&mut m, 4, vec![float(-3.99)], Ty::Int, "-3");
    call(
        &mut m,
        4,
        vec![float(-(2f64.powi(63)))],
        Ty::Int,
        "-9223372036854775808",
    );
    let f = m.local(Ty::Float);
    m.assign(bb, f, Rvalue::Cast(Cast::IntToFloat, int(3)));
    m.print(bb, Ty::Float, l(f));
    expect.push_str("3.0\n");
    m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
    let cells = vec![fdiv, ffloor, fmod, fne, to_int.finish(), m.finish()];
    expect_stdout(&program(cells.clone()), &expect);

    // Out-of-range conversions fail at the cast (line 2 of `to_int`).
    for bad in [f64::NAN, f64::INFINITY, 2f64.powi(63), -1e19] {
        let mut m = FnBuilder::new("main", &[], Ty::Null);
        let bb = m.block();
        let out = m.local(Ty::Int);
        m.assign(bb, out, Rvalue::Call(FuncId(4), vec![float(bad)]));
        m.print(bb, Ty::Int, l(out));
        m.term(bb, Terminator::Return(Operand::Const(Const::Null)));
        let mut cells = cells.clone();
        *cells.last_mut().unwrap() = m.finish();
        expect_error(
            &program(cells),
            "",
            RuntimeErrorCode::FloatToIntOutOfRange.message(),
            2,
            5,
        );
    }
}

#[test]
fn no_return_runtime_call_then_unreachable() {
    let mut m = FnBuilder::new("main", &[], Ty::Int);
    let bb = m.block();
    m.print(bb, Ty::Int, int(7));
    m.runtime(bb, LM_EXIT, vec![RtArg::Operand(int(4))]);
    // Statements after a no-return call are dead but must still build.
    m.print(bb, Ty::Int, int(8));
    m.term(bb, Terminator::Unreachable);
    for (target, out) in run_everywhere(&program(vec![m.finish()])) {
        assert_eq!(out.stdout, "7\n", "{target}");
        assert_eq!(out.status, Some(4), "{target}: {out:?}");
    }
}

#[test]
fn deep_recursion_is_a_stack_overflow_error() {
    // `down(n) = down(n + 1)`, declared at line 1.
    let mut f = FnBuilder::new("down", &[Ty::Int], Ty::Int);
    let bb = f.block();
    let (n1, r) = (f.local(Ty::Int), f.local(Ty::Int));
    f.assign(bb, n1, bin(BinOp::Add, Ty::Int, f.param(0), int(1)));
    f.assign(bb, r, Rvalue::Call(FuncId(0), vec![l(n1)]));
    f.term(bb, Terminator::Return(l(r)));
    let mut m = FnBuilder::new("main", &[], Ty::Int);
    let bb = m.block();
    let r = m.local(Ty::Int);
    m.assign(bb, r, Rvalue::Call(FuncId(0), vec![int(0)]));
    m.term(bb, Terminator::Return(l(r)));
    for (target, out) in run_everywhere(&program(vec![f.finish(), m.finish()])) {
        assert_eq!(out.status, Some(1), "{target}: {out:?}");
        assert!(
            out.stderr.contains("error: stack overflow in cell down"),
            "{target}: {}",
            out.stderr
        );
    }
}

#[test]
fn static_link_works() {
    let object = compile(&fib_program(20), &common::link::host_target());
    let out = link_and_run(&object, &common::link::host_target(), true);
    assert_eq!(out.stdout, "6765\n", "{out:?}");
}
