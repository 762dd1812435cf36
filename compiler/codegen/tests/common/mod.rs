//! Helpers for the end-to-end code generation tests: a small builder for
//! hand-written MIR, and compile → link → run on the host and on aarch64
//! (under `qemu-aarch64`), linking exactly as the driver does.

#![allow(dead_code)]

#[path = "../../../lumenc/src/link.rs"]
pub mod link;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use lumen_abi::RuntimeFn;
use lumen_codegen::{compile_program, CodegenOptions, OptLevel, Triple};
use lumen_mir::*;

pub const FILE: &str = "app.lm";
pub const CROSS: &str = "aarch64-unknown-linux-gnu";

/// Builds one MIR function.
pub struct FnBuilder {
    pub f: Function,
    line: u32,
}

impl FnBuilder {
    pub fn new(name: &str, params: &[Ty], ret: Ty) -> Self {
        let locals = params
            .iter()
            .enumerate()
            .map(|(i, ty)| LocalDecl {
                ty: *ty,
                name: Some(format!("p{i}")),
            })
            .collect();
        FnBuilder {
            f: Function {
                name: name.to_string(),
                symbol: format!("lm_cell_{name}"),
                params: (0..params.len() as u32).map(Local).collect(),
                ret,
                locals,
                blocks: Vec::new(),
                loc: Loc { line: 1, col: 1 },
                file_name: "app.lm".to_string(),
                frozen_lists: Vec::new(),
                landing: None,
            },
            line: 1,
        }
    }

    pub fn param(&self, i: u32) -> Operand {
        Operand::Local(Local(i))
    }

    pub fn local(&mut self, ty: Ty) -> Local {
        self.f.locals.push(LocalDecl { ty, name: None });
        Local(self.f.locals.len() as u32 - 1)
    }

    pub fn block(&mut self) -> BlockId {
        self.f.blocks.push(BasicBlock {
            stmts: Vec::new(),
            terminator: Terminator::Unreachable,
        });
        BlockId(self.f.blocks.len() as u32 - 1)
    }

    /// Appends a statement at `line:5`.
    pub fn stmt_at(&mut self, bb: BlockId, line: u32, kind: StmtKind) {
        self.f.blocks[bb.0 as usize].stmts.push(Statement {
            kind,
            loc: Loc { line, col: 5 },
        });
    }

    /// Appends a statement on the next line.
    pub fn stmt(&mut self, bb: BlockId, kind: StmtKind) {
        self.line += 1;
        let line = self.line;
        self.stmt_at(bb, line, kind);
    }

    pub fn assign(&mut self, bb: BlockId, dst: Local, rv: Rvalue) {
        self.stmt(bb, StmtKind::Assign(dst, rv));
    }

    pub fn runtime(&mut self, bb: BlockId, rf: RuntimeFn, args: Vec<RtArg>) {
        self.stmt(bb, StmtKind::Eval(Rvalue::Runtime(rf, args)));
    }

    /// `print(value)` for an Int, Float, Bool or Str operand.
    pub fn print(&mut self, bb: BlockId, ty: Ty, value: Operand) {
        let rf = match ty {
            Ty::Int => lumen_abi::LM_WRITE_INT,
            Ty::Float => lumen_abi::LM_WRITE_FLOAT,
            Ty::Bool => lumen_abi::LM_WRITE_BOOL,
            Ty::Str => lumen_abi::LM_WRITE_STR,
            Ty::Ptr => panic!("print of a Ptr operand: these tests print scalars and strings"),
            Ty::Null => {
                self.runtime(bb, lumen_abi::LM_WRITE_NULL, vec![RtArg::I32(1)]);
                self.runtime(bb, lumen_abi::LM_WRITE_NEWLINE, vec![RtArg::I32(1)]);
                return;
            }
        };
        self.runtime(bb, rf, vec![RtArg::I32(1), RtArg::Operand(value)]);
        self.runtime(bb, lumen_abi::LM_WRITE_NEWLINE, vec![RtArg::I32(1)]);
    }

    pub fn term(&mut self, bb: BlockId, t: Terminator) {
        self.f.blocks[bb.0 as usize].terminator = t;
    }

    pub fn finish(self) -> Function {
        self.f
    }
}

pub fn int(v: i64) -> Operand {
    Operand::Const(Const::Int(v))
}
pub fn float(v: f64) -> Operand {
    Operand::Const(Const::Float(v))
}
pub fn string(s: &str) -> Operand {
    Operand::Const(Const::Str(s.to_string()))
}
pub fn l(local: Local) -> Operand {
    Operand::Local(local)
}
pub fn bin(op: BinOp, ty: Ty, lhs: Operand, rhs: Operand) -> Rvalue {
    Rvalue::Binary { op, ty, lhs, rhs }
}

/// A program whose entry is the last function.
pub fn program(functions: Vec<Function>) -> Program {
    let entry = FuncId(functions.len() as u32 - 1);
    Program {
        functions,
        entry,
        file_name: FILE.to_string(),
        type_descs: Vec::new(),
    }
}

/// A cell `name(a: ty, b: ty) -> ret { return a op b }`, its operations on line 2.
pub fn binary_cell(name: &str, op: BinOp, ty: Ty, ret: Ty, rhs: Option<Operand>) -> Function {
    let params: Vec<Ty> = if rhs.is_some() {
        vec![ty]
    } else {
        vec![ty, ty]
    };
    let mut b = FnBuilder::new(name, &params, ret);
    let bb = b.block();
    let out = b.local(ret);
    let rhs = rhs.unwrap_or(Operand::Local(Local(1)));
    b.assign(bb, out, bin(op, ty, b.param(0), rhs));
    b.term(bb, Terminator::Return(l(out)));
    b.finish()
}

/// What a run printed.
#[derive(Debug)]
pub struct Output {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

fn scratch_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("lumen-codegen-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles `program` for `target` and returns the object bytes.
pub fn compile(program: &Program, target: &str) -> Vec<u8> {
    let options = CodegenOptions {
        target: Triple::from_str(target).unwrap(),
        opt_level: OptLevel::Speed,
        emit_clif: false,
    };
    match compile_program(program, &options) {
        Ok(out) => out.object,
        Err(e) => panic!("codegen failed for {target}: {e}"),
    }
}

/// Whether the cross tools are installed; without them the cross half of a
/// test fails (with instructions) unless `LUMEN_SKIP_CROSS=1`.
pub fn cross_enabled() -> bool {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let tools = have("qemu-aarch64") && have("aarch64-linux-gnu-gcc");
    if tools {
        return true;
    }
    if std::env::var("LUMEN_SKIP_CROSS").as_deref() == Ok("1") {
        eprintln!("note: LUMEN_SKIP_CROSS=1: not running the aarch64 half");
        return false;
    }
    panic!(
        "the aarch64 cross tests need `qemu-aarch64` and `aarch64-linux-gnu-gcc`:\n  \
         apt-get install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross\n\
         or set LUMEN_SKIP_CROSS=1 to skip them explicitly"
    );
}

/// Links `object` for `target` (as the driver does) and runs the executable.
pub fn link_and_run(object: &[u8], target: &str, static_link: bool) -> Output {
    let dir = scratch_dir();
    let obj = dir.join("app.o");
    let exe = dir.join("app");
    std::fs::write(&obj, object).unwrap();
    let opts = link::LinkOptions {
        static_link,
        ..Default::default()
    };
    if let Err(e) = link::link(&obj, &exe, target, opts, None) {
        panic!("{}", e.message());
    }
    let out = if target == link::host_target() {
        Command::new(&exe).output()
    } else {
        Command::new("qemu-aarch64")
            .arg("-L")
            .arg("/usr/aarch64-linux-gnu")
            .arg(&exe)
            .output()
    }
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Output {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Compiles, links and runs `program` on the host and, when available, on
/// aarch64; returns both outputs (host first).
pub fn run_everywhere(program: &Program) -> Vec<(String, Output)> {
    let host = link::host_target();
    let mut targets = vec![host.clone()];
    if host != CROSS && cross_enabled() {
        targets.push(CROSS.to_string());
    }
    targets
        .into_iter()
        .map(|t| {
            let object = compile(program, &t);
            let out = link_and_run(&object, &t, false);
            (t, out)
        })
        .collect()
}

/// Runs everywhere and checks a successful run printing `stdout`.
pub fn expect_stdout(program: &Program, stdout: &str) {
    for (target, out) in run_everywhere(program) {
        assert_eq!(
            out.stdout, stdout,
            "stdout on {target} (stderr: {})",
            out.stderr
        );
        assert_eq!(out.status, Some(0), "status on {target}: {out:?}");
    }
}

/// Runs everywhere and checks a runtime error: status 1, nothing on stdout
/// after `stdout`, `error: MESSAGE` and the location on stderr.
pub fn expect_error(program: &Program, stdout: &str, message: &str, line: u32, col: u32) {
    for (target, out) in run_everywhere(program) {
        assert_eq!(out.status, Some(1), "status on {target}: {out:?}");
        assert_eq!(out.stdout, stdout, "stdout on {target}: {out:?}");
        assert!(
            out.stderr.contains(&format!("error: {message}")),
            "stderr on {target} lacks `error: {message}`: {}",
            out.stderr
        );
        let at = format!("{FILE}:{line}:{col}");
        assert!(
            out.stderr.contains(&at),
            "stderr on {target} lacks the location {at}: {}",
            out.stderr
        );
    }
}

pub fn exists(path: &Path) -> bool {
    path.is_file()
}
