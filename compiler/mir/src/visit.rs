//! Walking what MIR statements read: every operand of an rvalue (with the
//! runtime function and argument position it is passed to), every local a
//! statement reads. Shared by the passes (`optimize`) and the verifier.

use crate::Rvalue;

/// Calls `visit` with every operand `rv` reads; for an operand passed
/// directly to a runtime function, also the function and the
/// argument's position.
pub(crate) fn for_each_operand(
    rv: &Rvalue,
    mut visit: impl FnMut(&crate::Operand, Option<(&crate::RuntimeFn, usize)>),
) {
    use crate::RtArg;
    match rv {
        Rvalue::Use(o)
        | Rvalue::Unary { operand: o, .. }
        | Rvalue::Cast(_, o)
        | Rvalue::ToSlot(o)
        | Rvalue::FromSlot(o, _)
        | Rvalue::Load { base: o, .. } => visit(o, None),
        Rvalue::Binary { lhs, rhs, .. } => {
            visit(lhs, None);
            visit(rhs, None);
        }
        Rvalue::Call(_, args) => args.iter().for_each(|a| visit(a, None)),
        Rvalue::CallIndirect { callee, args, .. } => {
            visit(callee, None);
            args.iter().for_each(|a| visit(a, None));
        }
        Rvalue::Runtime(rf, args) => {
            for (i, a) in args.iter().enumerate() {
                match a {
                    RtArg::Operand(o) => visit(o, Some((rf, i))),
                    RtArg::StrArray(items) => items.iter().for_each(|o| visit(o, None)),
                    RtArg::Words(words) => {
                        for w in words {
                            if let RtArg::Operand(o) = w {
                                visit(o, None);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Rvalue::FuncAddr(_) => {}
    }
}

/// Calls `visit` with every local `kind` reads.
pub(crate) fn for_each_read(kind: &crate::StmtKind, mut visit: impl FnMut(crate::Local)) {
    let mut op = |o: &crate::Operand| {
        if let crate::Operand::Local(l) = o {
            visit(*l);
        }
    };
    match kind {
        crate::StmtKind::Assign(_, rv) | crate::StmtKind::Eval(rv) => {
            for_each_operand(rv, |o, _| op(o))
        }
        crate::StmtKind::Store { base, value, .. } => {
            op(&crate::Operand::Local(*base));
            op(value);
        }
        crate::StmtKind::Retain(l) | crate::StmtKind::Release(l) => op(&crate::Operand::Local(*l)),
    }
}
