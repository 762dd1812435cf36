//! Tool calls and `fetch` (`hir::ExprKind::Tool`, `hir::ExprKind::Fetch`):
//! one runtime call each (`docs/runtime-abi.md`, "Tools"). The site is a
//! string literal holding the JSON the checker built; the arguments cross
//! as one record and its descriptor (whose field names are the argument
//! names); the conversation as the cell's `list[Message]`; the reply comes
//! back as a slot of the expected type, decoded like `lm_await`'s.

use lumen_abi as abi;
use lumen_sema::hir::{Expr, ToolCall, Type};

use super::FnLowerer;
use crate::{Const, Loc, Operand, RtArg, Ty};

impl FnLowerer<'_, '_> {
    /// `lm_tool_call(site, args, args desc, conversation, expected desc,
    /// hooks, hook count, loc)`.
    pub(super) fn tool_call(&mut self, call: &ToolCall, ty: Type, loc: Loc) -> Operand {
        let site = RtArg::Operand(Operand::Const(Const::Str(call.site.clone())));
        // No arguments: a null pointer (the runtime reads it as none).
        let (args, args_desc) = match &call.args {
            Some(record) => {
                let value = self.expr(record);
                (RtArg::Operand(value), self.desc(record.ty))
            }
            None => (RtArg::I64(0), self.desc(Type::Null)),
        };
        let conversation = match &call.conversation {
            Some(list) => RtArg::Operand(self.expr(list)),
            None => RtArg::I64(0),
        };
        let expected = self.desc(ty);
        let hooks = self.hook_words(&call.hooks, loc);
        let hook_count = RtArg::I64(call.hooks.len() as i64);
        self.slot_call(
            abi::LM_TOOL_CALL,
            vec![
                site,
                args,
                args_desc,
                conversation,
                expected,
                RtArg::Words(hooks),
                hook_count,
                RtArg::Loc(loc),
            ],
            ty,
            loc,
        )
    }

    /// `lm_fetch(url, site, Future[String] desc, loc)`: the future.
    pub(super) fn fetch(&mut self, url: &Expr, site: &str, ty: Type, loc: Loc) -> Operand {
        let url = self.expr(url);
        let site = RtArg::Operand(Operand::Const(Const::Str(site.to_string())));
        let desc = self.desc(ty);
        self.runtime(
            abi::LM_FETCH,
            Ty::Ptr,
            vec![RtArg::Operand(url), site, desc, RtArg::Loc(loc)],
            loc,
        )
    }
}
