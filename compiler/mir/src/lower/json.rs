//! Lowering of the `Json` builtins to runtime calls (`runtime/src/json_*`):
//! `json_parse(s)`, `j[key]` / `j[i]`, and `from_json(s)`.
//!
//! `Json` values are boxed unions (`Layouts::ty`), so narrowing, `as`, `==`
//! and display need nothing here. `from_json` passes the descriptor of its
//! `result[T, String]` (the runtime decodes by walking `T`) and a table of
//! hooks: the hidden cells for field defaults and `where` checks, called
//! back by the decoder through their addresses (cells use the C calling
//! convention).

use lumen_abi as abi;
use lumen_sema::hir::{Expr, JsonHook, Type};

use super::FnLowerer;
use crate::{Const, FuncId, Loc, Operand, RtArg, Rvalue, StmtKind as MirStmt, Ty};

impl FnLowerer<'_, '_> {
    /// `json_parse(s)`: a `result[Json, String]`.
    pub(super) fn json_parse(&mut self, text: &Expr, loc: Loc) -> Operand {
        let s = self.expr(text);
        let desc = self.desc(lumen_sema::types::result_of(Type::Json, Type::Str));
        self.runtime(
            abi::LM_JSON_PARSE,
            Ty::Ptr,
            vec![RtArg::Operand(s), desc],
            loc,
        )
    }

    /// `j[key]` (a String) or `j[i]` (an Int): a `Json`, null when absent.
    pub(super) fn json_index(&mut self, json: &Expr, index: &Expr, loc: Loc) -> Operand {
        let j = self.expr(json);
        let i = self.expr(index);
        let f = if index.ty == Type::Str {
            abi::LM_JSON_GET
        } else {
            abi::LM_JSON_AT
        };
        self.runtime(f, Ty::Ptr, vec![RtArg::Operand(j), RtArg::Operand(i)], loc)
    }

    /// `from_json(s)` of type `ty` = `result[T, String]`.
    pub(super) fn decode_json(
        &mut self,
        text: &Expr,
        hooks: &[JsonHook],
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let s = self.expr(text);
        let desc = self.desc(ty);
        let words = self.hook_words(hooks, loc);
        self.runtime(
            abi::LM_FROM_JSON,
            Ty::Ptr,
            vec![
                RtArg::Operand(s),
                desc,
                RtArg::Words(words),
                RtArg::I64(hooks.len() as i64),
            ],
            loc,
        )
    }

    /// The hook table of a decoder (`lm_from_json`, `lm_tool_call`): four
    /// words per hook — record descriptor, field, cell address, the text
    /// of a `where` failure (0 for a default).
    pub(super) fn hook_words(&mut self, hooks: &[JsonHook], loc: Loc) -> Vec<RtArg> {
        let mut words = Vec::with_capacity(hooks.len() * 4);
        for hook in hooks {
            let code = self.unowned_local(Ty::Ptr);
            self.push(
                MirStmt::Assign(code, Rvalue::FuncAddr(FuncId(hook.cell.0))),
                loc,
            );
            let text = match &hook.check {
                // A static string literal (immortal: no counting).
                Some(message) => RtArg::Operand(Operand::Const(Const::Str(message.clone()))),
                None => RtArg::I64(0),
            };
            words.push(self.desc(hook.record));
            words.push(RtArg::I64(i64::from(hook.field)));
            words.push(RtArg::Operand(Operand::Local(code)));
            words.push(text);
        }
        words
    }
}
