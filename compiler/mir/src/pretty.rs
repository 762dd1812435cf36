//! Readable text form of MIR, printed by `lumenc --emit mir`.
//!
//! The format is for people, not for parsing back: one function per paragraph,
//! locals with their types, then blocks with statements annotated by line.

use std::fmt::{self, Display, Formatter};

use crate::{
    BasicBlock, BinOp, Cast, Const, Function, Operand, Program, RtArg, Rvalue, StmtKind,
    Terminator, UnOp,
};

impl Display for Program {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "// file: {}", self.file_name)?;
        writeln!(f, "// entry: fn{}", self.entry.0)?;
        for (i, d) in self.type_descs.iter().enumerate() {
            writeln!(
                f,
                "// typedesc#{i}: {:?} {} {:?}",
                d.kind,
                d.name.as_deref().unwrap_or(""),
                d.children
            )?;
        }
        for (i, func) in self.functions.iter().enumerate() {
            writeln!(f)?;
            write!(f, "fn{i} ")?;
            func.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for Function {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}](", self.name, self.symbol)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "_{}: {:?}", p.0, self.local_ty(*p))?;
        }
        writeln!(f, ") -> {:?} {{", self.ret)?;
        for (i, decl) in self.locals.iter().enumerate() {
            match &decl.name {
                Some(name) => writeln!(f, "    let _{i}: {:?}; // {name}", decl.ty)?,
                None => writeln!(f, "    let _{i}: {:?};", decl.ty)?,
            }
        }
        if !self.frozen_lists.is_empty() {
            let frozen: Vec<String> = self
                .frozen_lists
                .iter()
                .map(|l| format!("_{}", l.0))
                .collect();
            writeln!(f, "    // frozen lists: {}", frozen.join(", "))?;
        }
        if let Some(landing) = self.landing {
            writeln!(f, "    // landing: bb{}", landing.0)?;
        }
        for (i, block) in self.blocks.iter().enumerate() {
            writeln!(f, "  bb{i}:")?;
            write_block(f, block)?;
        }
        writeln!(f, "}}")
    }
}

fn write_block(f: &mut Formatter<'_>, block: &BasicBlock) -> fmt::Result {
    for stmt in &block.stmts {
        let text = match &stmt.kind {
            StmtKind::Assign(local, rvalue) => format!("_{} = {}", local.0, RvalueText(rvalue)),
            StmtKind::Eval(rvalue) => format!("{}", RvalueText(rvalue)),
            StmtKind::Retain(local) => format!("retain _{}", local.0),
            StmtKind::Release(local) => format!("release _{}", local.0),
            StmtKind::Store {
                base,
                offset,
                value,
            } => format!("store [_{} + {offset}] = {}", base.0, OperandText(value)),
        };
        writeln!(
            f,
            "    {text:<48} // line {}:{}",
            stmt.loc.line, stmt.loc.col
        )?;
    }
    let term = match &block.terminator {
        Terminator::Goto(b) => format!("goto bb{}", b.0),
        Terminator::Branch {
            cond,
            then_block,
            else_block,
        } => format!(
            "branch {} ? bb{} : bb{}",
            OperandText(cond),
            then_block.0,
            else_block.0
        ),
        Terminator::Return(op) => format!("return {}", OperandText(op)),
        Terminator::Unreachable => "unreachable".to_string(),
    };
    writeln!(f, "    {term}")
}

struct OperandText<'a>(&'a Operand);

impl Display for OperandText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Operand::Local(l) => write!(f, "_{}", l.0),
            Operand::Const(c) => match c {
                Const::Int(v) => write!(f, "{v}"),
                Const::Float(v) => write!(f, "{v:?}"),
                Const::Bool(v) => write!(f, "{v}"),
                Const::Null => write!(f, "null"),
                Const::Str(s) => write!(f, "{s:?}"),
                Const::Bytes(b) => {
                    f.write_str("b\"")?;
                    b.iter().try_for_each(|x| write!(f, "{x:02x}"))?;
                    f.write_str("\"")
                }
            },
        }
    }
}

struct RvalueText<'a>(&'a Rvalue);

impl Display for RvalueText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Rvalue::Use(op) => write!(f, "{}", OperandText(op)),
            Rvalue::Binary { op, ty, lhs, rhs } => write!(
                f,
                "{}.{:?} {} {}",
                bin_op_name(*op),
                ty,
                OperandText(lhs),
                OperandText(rhs)
            ),
            Rvalue::Unary { op, ty, operand } => {
                let name = match op {
                    UnOp::Neg => "neg",
                    UnOp::Not => "not",
                    UnOp::BitNot => "bitnot",
                };
                write!(f, "{name}.{ty:?} {}", OperandText(operand))
            }
            Rvalue::Cast(cast, op) => {
                let name = match cast {
                    Cast::IntToFloat => "int_to_float",
                    Cast::FloatToInt => "float_to_int",
                };
                write!(f, "{name} {}", OperandText(op))
            }
            Rvalue::Call(func, args) => {
                write!(f, "call fn{}(", func.0)?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", OperandText(a))?;
                }
                write!(f, ")")
            }
            Rvalue::Load { base, offset, ty } => {
                write!(f, "load.{ty:?} [{} + {offset}]", OperandText(base))
            }
            Rvalue::ToSlot(op) => write!(f, "to_slot {}", OperandText(op)),
            Rvalue::FuncAddr(func) => write!(f, "func_addr fn{}", func.0),
            Rvalue::CallIndirect { callee, args, ret } => {
                write!(f, "call_indirect.{ret:?} {}(", OperandText(callee))?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", OperandText(a))?;
                }
                write!(f, ")")
            }
            Rvalue::FromSlot(op, ty) => write!(f, "from_slot.{ty:?} {}", OperandText(op)),
            Rvalue::Runtime(rt, args) => {
                write!(f, "{}(", rt.name)?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    match a {
                        RtArg::Words(words) => write!(f, "words[{}]", words.len())?,
                        RtArg::StaticSlots(consts) => write!(f, "static_slots[{}]", consts.len())?,
                        RtArg::Operand(op) => write!(f, "{}", OperandText(op))?,
                        RtArg::I32(v) => write!(f, "{v}i32")?,
                        RtArg::I64(v) => write!(f, "{v}i64")?,
                        RtArg::Loc(loc) => write!(f, "loc({}:{})", loc.line, loc.col)?,
                        RtArg::TypeDesc(i) => write!(f, "typedesc#{i}")?,
                        RtArg::StrArray(ops) => {
                            write!(f, "[")?;
                            for (j, op) in ops.iter().enumerate() {
                                if j > 0 {
                                    write!(f, ", ")?;
                                }
                                write!(f, "{}", OperandText(op))?;
                            }
                            write!(f, "]")?;
                        }
                    }
                }
                write!(f, ")")
            }
        }
    }
}

fn bin_op_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::AddInRange => "add.in_range",
        BinOp::SubWrap => "sub.wrap",
        BinOp::UDiv => "udiv",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::Div => "div",
        BinOp::FloorDiv => "floordiv",
        BinOp::Mod => "mod",
        BinOp::Shl => "shl",
        BinOp::Shr => "shr",
        BinOp::BitAnd => "and",
        BinOp::BitOr => "or",
        BinOp::BitXor => "xor",
        BinOp::Eq => "eq",
        BinOp::Ne => "ne",
        BinOp::Lt => "lt",
        BinOp::Le => "le",
        BinOp::Gt => "gt",
        BinOp::Ge => "ge",
    }
}
