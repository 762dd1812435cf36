//! The MIR verifier: structural checks of a [`Program`] that lowering and
//! every optimisation pass must keep true.
//!
//! `optimize::run_passes` calls it after lowering and after each pass when
//! asked to (the driver does in debug builds, so the whole end-to-end suite
//! runs with it). It checks what is cheap to check and what code generation
//! relies on:
//!
//! * every function has an entry block, and every block is terminated (by
//!   construction: [`crate::BasicBlock::terminator`] is not optional) with
//!   successors that exist;
//! * every local, function and type descriptor an operand names exists; the
//!   parameters and frozen lists are locals;
//! * operand types agree where the statement says what they must be: branch
//!   conditions are Bool, returns have the function's type, copies,
//!   arithmetic, casts, slot conversions and calls of cells get and give
//!   the types they declare, runtime calls get as many arguments as the ABI
//!   table says and the register class it says. Heap types (`Str`, `Ptr`)
//!   agree with each other: lowering starts every heap local as the immortal
//!   empty string whatever object it will hold;
//! * every heap local is assigned before it is read on every path from the
//!   entry block (parameters are assigned on entry; lowering starts every
//!   other heap local as the empty string), and every other local on at
//!   least one path: lowering legitimately leaves a scalar unassigned on a
//!   path that cannot run (see `cfg::may_facts_from`). Blocks no path reaches are not
//!   checked for this: passes leave them behind, and codegen emits nothing
//!   for them.

use std::fmt;

use lumen_abi::AbiType;

use crate::{
    BinOp, Cast, Const, Function, Local, Operand, Program, RtArg, Rvalue, StmtKind, Terminator, Ty,
    UnOp,
};

/// A broken invariant: the function and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub function: String,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in function `{}`: {}", self.function, self.message)
    }
}

impl std::error::Error for VerifyError {}

/// What a function's checks need to know about the rest of the program: each
/// cell's parameter types and return type, and how many type descriptors
/// there are. Taken once, so a pass can change one function while the
/// others' signatures stay known.
#[derive(Clone, Debug)]
pub struct ProgramShape {
    signatures: Vec<(Vec<Ty>, Ty)>,
    type_descs: usize,
}

impl ProgramShape {
    pub fn of(program: &Program) -> Self {
        ProgramShape {
            signatures: program
                .functions
                .iter()
                .map(|f| {
                    let params = f
                        .params
                        .iter()
                        .map(|p| f.locals.get(p.0 as usize).map_or(Ty::Null, |d| d.ty))
                        .collect();
                    (params, f.ret)
                })
                .collect(),
            type_descs: program.type_descs.len(),
        }
    }
}

/// Checks every function of `program`.
pub fn verify_program(program: &Program) -> Result<(), VerifyError> {
    let shape = ProgramShape::of(program);
    if program.entry.0 as usize >= program.functions.len() {
        return Err(VerifyError {
            function: "<program>".into(),
            message: format!("the entry fn{} does not exist", program.entry.0),
        });
    }
    program
        .functions
        .iter()
        .try_for_each(|f| verify_function(f, &shape))
}

/// Checks one function against the invariants of the module doc.
pub fn verify_function(f: &Function, shape: &ProgramShape) -> Result<(), VerifyError> {
    let mut cx = Verifier { f, shape };
    cx.check().map_err(|message| VerifyError {
        function: f.name.clone(),
        message,
    })
}

/// Heap values are interchangeable words; anything else must match exactly.
fn agrees(a: Ty, b: Ty) -> bool {
    a == b || (a.is_heap() && b.is_heap())
}

struct Verifier<'a> {
    f: &'a Function,
    shape: &'a ProgramShape,
}

impl Verifier<'_> {
    fn check(&mut self) -> Result<(), String> {
        let f = self.f;
        if f.blocks.is_empty() {
            return Err("the function has no blocks".into());
        }
        for p in f.params.iter().chain(&f.frozen_lists) {
            self.local(*p)?;
        }
        if let Some(landing) = f.landing {
            if landing.0 as usize >= f.blocks.len() {
                return Err(format!("the landing bb{} does not exist", landing.0));
            }
        }
        for (b, block) in f.blocks.iter().enumerate() {
            for (s, stmt) in block.stmts.iter().enumerate() {
                self.statement(&stmt.kind)
                    .map_err(|e| format!("bb{b}, statement {s}: {e}"))?;
            }
            self.terminator(&block.terminator)
                .map_err(|e| format!("bb{b}, terminator: {e}"))?;
        }
        self.defined_before_use()
    }

    fn local(&self, l: Local) -> Result<Ty, String> {
        self.f
            .locals
            .get(l.0 as usize)
            .map(|d| d.ty)
            .ok_or_else(|| format!("_{} is not a local", l.0))
    }

    fn operand(&self, o: &Operand) -> Result<Ty, String> {
        match o {
            Operand::Local(l) => self.local(*l),
            Operand::Const(c) => Ok(c.ty()),
        }
    }

    fn expect(&self, what: &str, got: Ty, want: Ty) -> Result<(), String> {
        if agrees(got, want) {
            Ok(())
        } else {
            Err(format!("{what} is {got:?}, expected {want:?}"))
        }
    }

    fn statement(&self, kind: &StmtKind) -> Result<(), String> {
        match kind {
            StmtKind::Assign(dest, rv) => {
                let dest_ty = self.local(*dest)?;
                match self.rvalue(rv, Some(dest_ty))? {
                    Some(ty) => {
                        self.expect(&format!("the value assigned to _{}", dest.0), ty, dest_ty)
                    }
                    None => Err(format!(
                        "_{} is assigned a call that returns nothing",
                        dest.0
                    )),
                }
            }
            StmtKind::Eval(rv) => self.rvalue(rv, None).map(|_| ()),
            StmtKind::Retain(l) | StmtKind::Release(l) => self.local(*l).map(|_| ()),
            StmtKind::Store { base, value, .. } => {
                let base_ty = self.local(*base)?;
                self.expect("a store's base", base_ty, Ty::Ptr)?;
                self.operand(value).map(|_| ())
            }
        }
    }

    /// The type of the value `rv` gives (`None`: a runtime call returning
    /// nothing), when assigned to a local of type `dest`.
    fn rvalue(&self, rv: &Rvalue, dest: Option<Ty>) -> Result<Option<Ty>, String> {
        Ok(Some(match rv {
            Rvalue::Use(o) => self.operand(o)?,
            Rvalue::Binary { op, ty, lhs, rhs } => {
                self.expect("the left operand", self.operand(lhs)?, *ty)?;
                self.expect("the right operand", self.operand(rhs)?, *ty)?;
                if op.is_comparison() {
                    Ty::Bool
                } else {
                    let int_only = matches!(op, BinOp::AddInRange | BinOp::SubWrap | BinOp::UDiv);
                    if int_only && *ty != Ty::Int {
                        return Err(format!("{op:?} on {ty:?}"));
                    }
                    *ty
                }
            }
            Rvalue::Unary { op, ty, operand } => {
                self.expect("the operand", self.operand(operand)?, *ty)?;
                match op {
                    UnOp::Not => self.expect("a negated condition", *ty, Ty::Bool)?,
                    UnOp::Neg | UnOp::BitNot => {}
                }
                *ty
            }
            Rvalue::Cast(cast, o) => {
                let (from, to) = match cast {
                    Cast::IntToFloat => (Ty::Int, Ty::Float),
                    Cast::FloatToInt => (Ty::Float, Ty::Int),
                };
                self.expect("the cast operand", self.operand(o)?, from)?;
                to
            }
            Rvalue::Call(id, args) => {
                let (params, ret) = self
                    .shape
                    .signatures
                    .get(id.0 as usize)
                    .ok_or_else(|| format!("call of fn{}, which does not exist", id.0))?;
                if args.len() != params.len() {
                    return Err(format!(
                        "fn{} takes {} arguments, given {}",
                        id.0,
                        params.len(),
                        args.len()
                    ));
                }
                for (i, (a, p)) in args.iter().zip(params).enumerate() {
                    self.expect(&format!("argument {i} of fn{}", id.0), self.operand(a)?, *p)?;
                }
                *ret
            }
            Rvalue::CallIndirect { callee, args, ret } => {
                self.expect("the closure called", self.operand(callee)?, Ty::Ptr)?;
                for a in args {
                    self.operand(a)?;
                }
                *ret
            }
            Rvalue::Runtime(rf, args) => {
                if args.len() != rf.params.len() {
                    return Err(format!(
                        "`{}` takes {} arguments, given {}",
                        rf.name,
                        rf.params.len(),
                        args.len()
                    ));
                }
                for (i, (a, p)) in args.iter().zip(rf.params).enumerate() {
                    self.rt_arg(a, *p)
                        .map_err(|e| format!("argument {i} of `{}`: {e}", rf.name))?;
                }
                match rf.returns.first() {
                    None => return Ok(None),
                    Some(AbiType::F64) => Ty::Float,
                    Some(AbiType::I8) => Ty::Bool,
                    // A word: an integer, a pointer or a slot; the ABI
                    // table does not say which, any word-sized local takes it.
                    Some(AbiType::I64 | AbiType::I32 | AbiType::Ptr) => dest
                        .filter(|t| matches!(t, Ty::Int | Ty::Str | Ty::Ptr))
                        .unwrap_or(Ty::Int),
                }
            }
            Rvalue::Load { base, ty, .. } => {
                self.expect("a load's base", self.operand(base)?, Ty::Ptr)?;
                *ty
            }
            Rvalue::ToSlot(o) => {
                self.operand(o)?;
                Ty::Int
            }
            Rvalue::FromSlot(o, ty) => {
                self.expect("a slot", self.operand(o)?, Ty::Int)?;
                *ty
            }
            Rvalue::FuncAddr(id) => {
                if id.0 as usize >= self.shape.signatures.len() {
                    return Err(format!("the address of fn{}, which does not exist", id.0));
                }
                Ty::Ptr
            }
        }))
    }

    fn rt_arg(&self, a: &RtArg, param: AbiType) -> Result<(), String> {
        match a {
            RtArg::Operand(o) => {
                let ty = self.operand(o)?;
                let ok = match param {
                    AbiType::F64 => ty == Ty::Float,
                    AbiType::I8 => matches!(ty, Ty::Bool | Ty::Null),
                    AbiType::I64 | AbiType::Ptr => matches!(ty, Ty::Int | Ty::Str | Ty::Ptr),
                    AbiType::I32 => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(format!("a {ty:?} passed as {param:?}"))
                }
            }
            RtArg::StrArray(items) => items.iter().try_for_each(|o| self.operand(o).map(|_| ())),
            RtArg::Words(words) => words.iter().try_for_each(|w| match w {
                RtArg::Operand(o) => self.operand(o).map(|_| ()),
                RtArg::TypeDesc(i) => self.type_desc(*i),
                _ => Ok(()),
            }),
            RtArg::TypeDesc(i) => self.type_desc(*i),
            RtArg::StaticSlots(consts) => consts.iter().try_for_each(|c| match c {
                Const::Int(_) | Const::Float(_) | Const::Bool(_) | Const::Str(_) => Ok(()),
                other => Err(format!("{other:?} in a static slot array")),
            }),
            RtArg::I32(_) | RtArg::I64(_) | RtArg::Loc(_) => Ok(()),
        }
    }

    fn type_desc(&self, i: u32) -> Result<(), String> {
        if (i as usize) < self.shape.type_descs {
            Ok(())
        } else {
            Err(format!("type descriptor #{i} does not exist"))
        }
    }

    fn terminator(&self, t: &Terminator) -> Result<(), String> {
        for target in t.targets() {
            if target.0 as usize >= self.f.blocks.len() {
                return Err(format!("jumps to bb{}, which does not exist", target.0));
            }
        }
        match t {
            Terminator::Branch { cond, .. } => {
                self.expect("the branch condition", self.operand(cond)?, Ty::Bool)
            }
            Terminator::Return(o) => {
                self.expect("the returned value", self.operand(o)?, self.f.ret)
            }
            Terminator::Goto(_) | Terminator::Unreachable => Ok(()),
        }
    }

    /// Every read of a heap local comes after an assignment to it on every
    /// path from the entry; every read of another local after an
    /// assignment on at least one path.
    fn defined_before_use(&self) -> Result<(), String> {
        let f = self.f;
        let init = |facts: &mut [bool]| {
            for p in &f.params {
                facts[p.0 as usize] = true;
            }
        };
        let assign = |kind: &StmtKind, facts: &mut [bool]| {
            if let StmtKind::Assign(l, _) = kind {
                facts[l.0 as usize] = true;
            }
        };
        let must = crate::cfg::must_facts_from(f, init, assign);
        // Scalars are only checked with "may" facts because lowering
        // legitimately reads a scalar some paths leave unassigned: the value
        // of a `match` the checker proved exhaustive flows into the join from
        // every arm and also from the edge taken when no pattern matches,
        // which cannot run (code generation gives an unassigned scalar the
        // value zero).
        let may = crate::cfg::may_facts_from(f, init, assign);
        for (b, block) in f.blocks.iter().enumerate() {
            let (Some(mut must), Some(mut may)) = (must[b].clone(), may[b].clone()) else {
                continue;
            };
            let defined = |l: Local, must: &[bool], may: &[bool]| {
                let i = l.0 as usize;
                if f.locals[i].ty.is_heap() {
                    must[i]
                } else {
                    may[i]
                }
            };
            for (s, stmt) in block.stmts.iter().enumerate() {
                let mut undefined = None;
                crate::visit::for_each_read(&stmt.kind, |l| {
                    if undefined.is_none() && !defined(l, &must, &may) {
                        undefined = Some(l);
                    }
                });
                if let Some(l) = undefined {
                    return Err(format!("bb{b}, statement {s}: {}", unassigned(f, l)));
                }
                assign(&stmt.kind, &mut must);
                assign(&stmt.kind, &mut may);
            }
            let read = match &block.terminator {
                Terminator::Branch {
                    cond: Operand::Local(l),
                    ..
                }
                | Terminator::Return(Operand::Local(l)) => Some(*l),
                _ => None,
            };
            if let Some(l) = read.filter(|l| !defined(*l, &must, &may)) {
                return Err(format!("bb{b}, terminator: {}", unassigned(f, l)));
            }
        }
        Ok(())
    }
}

/// Why reading `l` is wrong at a point where it is not defined enough.
fn unassigned(f: &Function, l: Local) -> String {
    if f.local_ty(l).is_heap() {
        format!(
            "heap local _{} is read where some path has not assigned it",
            l.0
        )
    } else {
        format!("_{} is read where no path has assigned it", l.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BasicBlock, BlockId, Const, FuncId, Loc, LocalDecl, Statement};

    fn program(locals: &[Ty], params: usize, blocks: Vec<BasicBlock>) -> Program {
        Program {
            functions: vec![Function {
                name: "f".into(),
                symbol: "lm_cell_0_f".into(),
                params: (0..params as u32).map(Local).collect(),
                ret: Ty::Int,
                locals: locals
                    .iter()
                    .map(|ty| LocalDecl {
                        ty: *ty,
                        name: None,
                    })
                    .collect(),
                blocks,
                loc: Loc::default(),
                file_name: "t.lm".into(),
                frozen_lists: Vec::new(),
                landing: None,
            }],
            entry: FuncId(0),
            file_name: "t.lm".into(),
            type_descs: Vec::new(),
        }
    }

    fn block(stmts: Vec<StmtKind>, terminator: Terminator) -> BasicBlock {
        BasicBlock {
            stmts: stmts
                .into_iter()
                .map(|kind| Statement {
                    kind,
                    loc: Loc::default(),
                })
                .collect(),
            terminator,
        }
    }

    fn int(i: i64) -> Operand {
        Operand::Const(Const::Int(i))
    }

    fn message(p: &Program) -> String {
        verify_program(p).map_or_else(|e| e.message, |()| "ok".into())
    }

    #[test]
    fn accepts_a_branch_that_joins_with_a_scalar_assigned_on_one_arm() {
        // bb0: branch p ? bb1 : bb2; bb1: x = 1; goto bb2; bb2: return x —
        // the shape of an exhaustive match's value (see `cfg::may_facts_from`).
        let p = program(
            &[Ty::Bool, Ty::Int],
            1,
            vec![
                block(
                    vec![],
                    Terminator::Branch {
                        cond: Operand::Local(Local(0)),
                        then_block: BlockId(1),
                        else_block: BlockId(2),
                    },
                ),
                block(
                    vec![StmtKind::Assign(Local(1), Rvalue::Use(int(1)))],
                    Terminator::Goto(BlockId(2)),
                ),
                block(vec![], Terminator::Return(Operand::Local(Local(1)))),
            ],
        );
        assert_eq!(message(&p), "ok");
    }

    #[test]
    fn rejects_a_jump_to_a_missing_block() {
        let p = program(&[], 0, vec![block(vec![], Terminator::Goto(BlockId(3)))]);
        assert_eq!(
            message(&p),
            "bb0, terminator: jumps to bb3, which does not exist"
        );
    }

    #[test]
    fn rejects_a_scalar_never_assigned_and_a_heap_local_unassigned_on_a_path() {
        let p = program(
            &[Ty::Int],
            0,
            vec![block(vec![], Terminator::Return(Operand::Local(Local(0))))],
        );
        assert_eq!(
            message(&p),
            "bb0, terminator: _0 is read where no path has assigned it"
        );
        let p = program(
            &[Ty::Bool, Ty::Str],
            1,
            vec![
                block(
                    vec![],
                    Terminator::Branch {
                        cond: Operand::Local(Local(0)),
                        then_block: BlockId(1),
                        else_block: BlockId(2),
                    },
                ),
                block(
                    vec![StmtKind::Assign(
                        Local(1),
                        Rvalue::Use(Operand::Const(Const::Str(String::new()))),
                    )],
                    Terminator::Goto(BlockId(2)),
                ),
                block(
                    vec![StmtKind::Release(Local(1))],
                    Terminator::Return(int(0)),
                ),
            ],
        );
        assert_eq!(
            message(&p),
            "bb2, statement 0: heap local _1 is read where some path has not assigned it"
        );
    }

    #[test]
    fn rejects_operands_of_the_wrong_type() {
        let p = program(
            &[Ty::Float],
            1,
            vec![block(
                vec![],
                Terminator::Branch {
                    cond: Operand::Local(Local(0)),
                    then_block: BlockId(0),
                    else_block: BlockId(0),
                },
            )],
        );
        assert_eq!(
            message(&p),
            "bb0, terminator: the branch condition is Float, expected Bool"
        );
        let p = program(
            &[Ty::Int],
            1,
            vec![block(
                vec![StmtKind::Assign(
                    Local(0),
                    Rvalue::Binary {
                        op: BinOp::Add,
                        ty: Ty::Int,
                        lhs: Operand::Local(Local(0)),
                        rhs: Operand::Const(Const::Float(1.0)),
                    },
                )],
                Terminator::Return(Operand::Local(Local(0))),
            )],
        );
        assert_eq!(
            message(&p),
            "bb0, statement 0: the right operand is Float, expected Int"
        );
    }
}
