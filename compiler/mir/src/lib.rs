//! MIR: the typed, monomorphic control-flow graph the code generator consumes.
//!
//! One [`Function`] per compiled cell: a list of typed locals and a list of basic
//! blocks, each a sequence of [`Statement`]s ended by a [`Terminator`]. Operands
//! are locals or constants, never nested expressions, so the code generator maps
//! each statement to a handful of Cranelift instructions without recursion.
//!
//! **Invariants**
//! * Every local has a concrete [`Ty`]; `blocks[0]` is the entry block; the first
//!   `params.len()` locals are the parameters, in order.
//! * Integer arithmetic in [`Rvalue::Binary`]/[`Rvalue::Unary`] is *checked*: the
//!   code generator emits the overflow/zero/range tests inline and raises the
//!   runtime error at the statement's [`Loc`].
//! * Heap values (`Str`) follow the ownership rules of `docs/runtime-abi.md`:
//!   every assignment from a call or constant gives the destination an owned
//!   reference; reference counts change only through explicit [`StmtKind::Retain`]
//!   and [`StmtKind::Release`] statements, which lowering inserts.
//!
//! [`lower`] produces a program, [`optimize::run_passes`] rewrites it (the
//! driver runs it; [`verify`] checks the invariants after lowering and after
//! each pass in debug builds). `--emit mir` (before the passes) and
//! `--emit mir-opt` (after them) print a program with its
//! [`std::fmt::Display`] implementation (module [`pretty`]).

pub mod cfg;
pub mod layout;
pub mod lower;
pub mod optimize;
pub mod pretty;
pub mod verify;
pub mod visit;

pub use lumen_abi::RuntimeFn;

/// A whole program, ready for code generation.
#[derive(Clone, Debug)]
pub struct Program {
    pub functions: Vec<Function>,
    /// The cell the runtime runs as the first task (the user's `main` or the
    /// implicit one made from top-level statements).
    pub entry: FuncId,
    /// The source file as named on the command line; used in error locations.
    pub file_name: String,
    /// Type descriptors the program's runtime calls refer to
    /// ([`RtArg::TypeDesc`] indexes this list); emitted as static data in the
    /// layout of `lumen_abi::TypeDesc`.
    pub type_descs: Vec<TypeDescData>,
}

/// One static type descriptor (`lumen_abi::TypeDesc`), children by index into
/// [`Program::type_descs`] (descriptors may refer to each other in cycles).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeDescData {
    pub kind: lumen_abi::TypeKind,
    pub name: Option<String>,
    pub children: Vec<u32>,
    /// Field names of a record or named variant; `None` when positional.
    pub field_names: Option<Vec<String>>,
}

/// Index into [`Program::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// Index into [`Function::locals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Local(pub u32);

/// Index into [`Function::blocks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// The machine-level type of a MIR value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `Int`: i64.
    Int,
    /// `Float`: f64.
    Float,
    /// `Bool`: i8 holding 0 or 1.
    Bool,
    /// `Null`: carries no information; represented as an i8 0.
    Null,
    /// `String`: pointer to a reference-counted string object.
    Str,
    /// Any other reference-counted heap object (list, record, enum with
    /// payloads): a pointer.
    Ptr,
}

impl Ty {
    /// Whether values of this type are reference-counted heap pointers.
    pub fn is_heap(self) -> bool {
        matches!(self, Ty::Str | Ty::Ptr)
    }
}

/// A 1-based line and column in the source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

/// One compiled cell.
#[derive(Clone, Debug)]
pub struct Function {
    /// The Lumen name, used in error messages (`in cell fib`).
    pub name: String,
    /// The unique link symbol.
    pub symbol: String,
    pub params: Vec<Local>,
    pub ret: Ty,
    pub locals: Vec<LocalDecl>,
    pub blocks: Vec<BasicBlock>,
    /// Where the cell is declared (reported on stack overflow).
    pub loc: Loc,
    /// The source file the cell is declared in (error locations name it).
    pub file_name: String,
    /// Locals holding a list that nothing can change while they are live:
    /// each is assigned once, before a loop that changes no list, and read
    /// only in it (`optimize::hoist_rows`). Code generation may read their
    /// `len` and `data` once, before the loop.
    pub frozen_lists: Vec<Local>,
    /// Where a failing call's failure edge goes (`docs/runtime-abi.md`,
    /// "Failures"): after every call that may fail, the code generator
    /// tests the runtime's failure flag and jumps here when it is set. The
    /// landing (built by lowering) runs the due `defer` blocks, releases
    /// the owned heap locals and returns a dummy value. No terminator jumps
    /// to it; passes treat it as a second entry. `None`: a failure returns
    /// a dummy value at once (nothing to clean up).
    pub landing: Option<BlockId>,
}

#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub ty: Ty,
    /// The source name, for readable MIR; temporaries have none.
    pub name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct BasicBlock {
    pub stmts: Vec<Statement>,
    pub terminator: Terminator,
}

#[derive(Clone, Debug)]
pub struct Statement {
    pub kind: StmtKind,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `local = rvalue`.
    Assign(Local, Rvalue),
    /// Evaluate for effect and discard the result (calls).
    Eval(Rvalue),
    /// Increment the reference count of a heap local (no-op for other types).
    Retain(Local),
    /// Decrement the reference count of a heap local (no-op for other types).
    Release(Local),
    /// Stores `value` into the 8-byte slot at byte `offset` of the object
    /// `base` points to, in the slot encoding (`docs/runtime-abi.md`): Bool
    /// zero-extended, Null as 0, Float as its bits. No reference counting.
    Store {
        base: Local,
        offset: i32,
        value: Operand,
    },
}

#[derive(Clone, Debug)]
pub enum Operand {
    Local(Local),
    Const(Const),
}

#[derive(Clone, Debug)]
pub enum Const {
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// A string literal: emitted as an immortal static string object.
    Str(String),
    /// A `Bytes` literal: emitted as an immortal static Bytes object
    /// (`lumen_abi::ObjectKind::Bytes`), typed [`Ty::Ptr`].
    Bytes(Vec<u8>),
}

impl Const {
    pub fn ty(&self) -> Ty {
        match self {
            Const::Int(_) => Ty::Int,
            Const::Float(_) => Ty::Float,
            Const::Bool(_) => Ty::Bool,
            Const::Null => Ty::Null,
            Const::Str(_) => Ty::Str,
            Const::Bytes(_) => Ty::Ptr,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Rvalue {
    Use(Operand),
    /// `lhs op rhs` where both operands have type `ty` (Int, Float or Bool).
    /// Comparisons produce a Bool.
    Binary {
        op: BinOp,
        ty: Ty,
        lhs: Operand,
        rhs: Operand,
    },
    Unary {
        op: UnOp,
        ty: Ty,
        operand: Operand,
    },
    Cast(Cast, Operand),
    /// Call of a compiled cell.
    Call(FuncId, Vec<Operand>),
    /// Call of a runtime function from the ABI table.
    Runtime(RuntimeFn, Vec<RtArg>),
    /// Loads the slot at byte `offset` of the object `base` points to as a
    /// value of type `ty` (no reference counting).
    Load {
        base: Operand,
        offset: i32,
        ty: Ty,
    },
    /// The 64-bit slot encoding of a value (an `Int`-typed result).
    ToSlot(Operand),
    /// A value of type `ty` from its 64-bit slot encoding (an `Int` operand).
    FromSlot(Operand, Ty),
    /// The address of a compiled cell's code (for closures), a pointer typed
    /// as `Ty::Ptr` but not reference-counted: only used as an argument of
    /// `lm_closure_new`.
    FuncAddr(FuncId),
    /// Calls a closure: loads its code pointer and calls it with the closure
    /// itself followed by `args`; the result has type `ret`.
    CallIndirect {
        callee: Operand,
        args: Vec<Operand>,
        ret: Ty,
    },
}

/// An argument of a runtime call.
#[derive(Clone, Debug)]
pub enum RtArg {
    Operand(Operand),
    /// An immediate `i32` (stream numbers, error codes, format fields).
    I32(i32),
    /// An immediate `i64`.
    I64(i64),
    /// A pointer to a static `SourceLoc` for this location in the current cell.
    Loc(Loc),
    /// A pointer to a temporary array of string pointers (for `lm_str_concat_n`).
    StrArray(Vec<Operand>),
    /// A pointer to the static descriptor `Program::type_descs[i]`.
    TypeDesc(u32),
    /// A pointer to a temporary array of 64-bit words, each an `Operand` of
    /// a 64-bit type (Int, pointer), an `I64` or a `TypeDesc` (the hook
    /// table of `lm_from_json`).
    Words(Vec<RtArg>),
    /// A pointer to a read-only static array of slots (`docs/runtime-abi.md`),
    /// one per constant: Int, Float (its bits), Bool (0/1) or a string
    /// literal's address. The elements of a constant list literal
    /// (`lm_list_from_static`).
    StaticSlots(Vec<Const>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// Checked on Int.
    Add,
    /// Int addition that lowering proved cannot overflow (the step of an
    /// exclusive range loop's counter, already below its limit): unchecked.
    AddInRange,
    /// Int subtraction modulo 2^64 (the distance between a range's ends,
    /// as an unsigned count): unchecked.
    SubWrap,
    /// Int only: the quotient of the operands read as unsigned numbers; the
    /// divisor is known non-zero (a range loop's step). Unchecked.
    UDiv,
    /// Checked on Int.
    Sub,
    /// Checked on Int.
    Mul,
    /// Int: truncating, checks zero and `MIN / -1`. Float: IEEE.
    Div,
    /// Int: floor division with the checks of `Div`. Float: `floor(a / b)`.
    FloorDiv,
    /// Int: remainder with the sign of the divisor, zero checked. Float: `lm_float_mod`.
    Mod,
    /// Int only; shift amount checked to be in 0..=63.
    Shl,
    /// Int only; arithmetic; shift amount checked.
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
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// Checked on Int.
    Neg,
    /// Bool negation.
    Not,
    /// Int bitwise complement.
    BitNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    IntToFloat,
    /// Truncates toward zero; NaN, infinities and out-of-range values are a
    /// runtime error.
    FloatToInt,
}

#[derive(Clone, Debug)]
pub enum Terminator {
    Goto(BlockId),
    Branch {
        cond: Operand,
        then_block: BlockId,
        else_block: BlockId,
    },
    Return(Operand),
    /// Control never reaches here (after a no-return runtime call).
    Unreachable,
}

impl Terminator {
    /// The blocks this terminator may jump to.
    pub fn targets(&self) -> Vec<BlockId> {
        match self {
            Terminator::Goto(b) => vec![*b],
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => vec![*then_block, *else_block],
            Terminator::Return(_) | Terminator::Unreachable => Vec::new(),
        }
    }
}

impl Rvalue {
    /// Whether evaluating this reads `local`.
    pub fn reads(&self, local: Local) -> bool {
        let mut found = false;
        self.visit_reads(|l| found |= l == local);
        found
    }

    /// Calls `f` with every local evaluating this reads (a local read twice
    /// is given twice).
    pub fn visit_reads(&self, mut f: impl FnMut(Local)) {
        let mut op = |o: &Operand| {
            if let Operand::Local(l) = o {
                f(*l)
            }
        };
        match self {
            Rvalue::Use(o) | Rvalue::Unary { operand: o, .. } | Rvalue::Cast(_, o) => op(o),
            Rvalue::ToSlot(o) | Rvalue::FromSlot(o, _) => op(o),
            Rvalue::Load { base, .. } => op(base),
            Rvalue::Binary { lhs, rhs, .. } => {
                op(lhs);
                op(rhs)
            }
            Rvalue::Call(_, args) => args.iter().for_each(op),
            Rvalue::CallIndirect { callee, args, .. } => {
                op(callee);
                args.iter().for_each(op)
            }
            Rvalue::FuncAddr(_) => {}
            Rvalue::Runtime(_, args) => {
                for a in args {
                    match a {
                        RtArg::Operand(o) => op(o),
                        RtArg::StrArray(items) => items.iter().for_each(&mut op),
                        RtArg::Words(items) => {
                            for w in items {
                                if let RtArg::Operand(o) = w {
                                    op(o)
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Whether evaluating this may fail: a call, a runtime function the ABI
    /// table marks as failing, checked Int arithmetic, a Float-to-Int cast.
    /// The code generator gives such a statement a failure edge to the
    /// landing, and passes must not move counting across it.
    pub fn may_fail(&self) -> bool {
        match self {
            Rvalue::Call(..) | Rvalue::CallIndirect { .. } => true,
            Rvalue::Runtime(f, _) => f.fails != lumen_abi::Fails::Never,
            Rvalue::Binary {
                op, ty: Ty::Int, ..
            } => matches!(
                op,
                BinOp::Add
                    | BinOp::Sub
                    | BinOp::Mul
                    | BinOp::Div
                    | BinOp::FloorDiv
                    | BinOp::Mod
                    | BinOp::Shl
                    | BinOp::Shr
            ),
            Rvalue::Unary {
                op: UnOp::Neg,
                ty: Ty::Int,
                ..
            } => true,
            Rvalue::Cast(Cast::FloatToInt, _) => true,
            _ => false,
        }
    }
}

impl Function {
    pub fn local_ty(&self, local: Local) -> Ty {
        self.locals[local.0 as usize].ty
    }

    pub fn operand_ty(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Local(l) => self.local_ty(*l),
            Operand::Const(c) => c.ty(),
        }
    }
}
