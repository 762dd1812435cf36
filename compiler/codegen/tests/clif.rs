//! Tests that need no linker: `--emit clif` annotations and the errors
//! malformed MIR produces instead of panics.

mod common;

use common::*;
use lumen_codegen::{compile_program, CodegenOptions, OptLevel, Triple};
use lumen_mir::*;

fn options(emit_clif: bool) -> CodegenOptions {
    CodegenOptions {
        target: Triple::host(),
        opt_level: OptLevel::Speed,
        emit_clif,
    }
}

fn add_program() -> Program {
    let add = binary_cell("add", BinOp::Add, Ty::Int, Ty::Int, None);
    let mut m = FnBuilder::new("main", &[], Ty::Int);
    let bb = m.block();
    let r = m.local(Ty::Int);
    m.assign(bb, r, Rvalue::Call(FuncId(0), vec![int(1), int(2)]));
    m.term(bb, Terminator::Return(l(r)));
    program(vec![add, m.finish()])
}

#[test]
fn clif_is_annotated_with_source_lines() {
    let out = compile_program(&add_program(), &options(true)).unwrap();
    let clif = out.clif.expect("clif requested");
    assert!(clif.contains("; add (app.lm)"), "{clif}");
    assert!(clif.contains("; main (app.lm)"), "{clif}");
    assert!(clif.contains("; lm_program_main (app.lm)"), "{clif}");
    // The checked addition at line 2 of `add`, and its cold error path.
    let at = clif.find("; app.lm:2:5").expect("line comment");
    assert!(clif[at..].contains("sadd_overflow"), "{clif}");
    assert!(clif.contains("cold"), "{clif}");
    // Raw `@0001` source locations are replaced by the comments.
    assert!(!clif.contains("@0001"), "{clif}");
    assert!(compile_program(&add_program(), &options(false))
        .unwrap()
        .clif
        .is_none());
}

fn expect_codegen_error(p: &Program, needle: &str) {
    match compile_program(p, &options(false)) {
        Ok(_) => panic!("malformed MIR compiled; expected an error containing `{needle}`"),
        Err(e) => assert!(e.message().contains(needle), "{}", e.message()),
    }
}

#[test]
fn malformed_mir_is_an_error_not_a_panic() {
    // Undeclared local.
    let mut p = add_program();
    p.functions[1].blocks[0].terminator = Terminator::Return(l(Local(99)));
    expect_codegen_error(&p, "in function `main`: local _99 is not declared");

    // Type mismatch: a Float returned from an Int function.
    let mut p = add_program();
    p.functions[1].blocks[0].terminator = Terminator::Return(float(1.0));
    expect_codegen_error(&p, "returning a Float");

    // Call of a function that does not exist.
    let mut p = add_program();
    p.functions[1].blocks[0].stmts[0].kind =
        StmtKind::Assign(Local(0), Rvalue::Call(FuncId(7), vec![]));
    expect_codegen_error(&p, "does not exist");

    // Wrong argument count for a runtime function.
    let mut p = add_program();
    p.functions[1].blocks[0].stmts.push(Statement {
        kind: StmtKind::Eval(Rvalue::Runtime(
            lumen_abi::LM_WRITE_INT,
            vec![RtArg::I32(1)],
        )),
        loc: Loc::default(),
    });
    expect_codegen_error(&p, "`lm_write_int` takes 2 arguments");

    // Branch to a missing block; Int operation on a Str.
    let mut p = add_program();
    p.functions[1].blocks[0].terminator = Terminator::Goto(BlockId(5));
    expect_codegen_error(&p, "block bb5 does not exist");
    let mut p = add_program();
    p.functions[0].blocks[0].stmts[0].kind =
        StmtKind::Assign(Local(2), bin(BinOp::Add, Ty::Str, string("a"), string("b")));
    expect_codegen_error(&p, "runtime call");

    // An entry with parameters, an unsupported target.
    let mut p = add_program();
    p.entry = FuncId(0);
    expect_codegen_error(&p, "must not take parameters");
    let mut o = options(false);
    o.target = "riscv64gc-unknown-linux-gnu".parse().unwrap();
    let e = compile_program(&add_program(), &o).unwrap_err();
    assert!(e.message().contains("unsupported target"), "{e}");
}
