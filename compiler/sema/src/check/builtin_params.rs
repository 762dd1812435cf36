//! Named arguments of builtins: `pad_left(s, 3, fill: "*")`,
//! `sort_by(xs, key: f)`, `get(m, k, default: 0)`.
//!
//! Each builtin's parameters have the names `spec/builtins.md` gives them
//! (where an overload names a parameter differently, `contains(s, sub)` and
//! `contains(xs, x)`, either name is accepted). A call with named
//! arguments is put in parameter order here, then checked like a
//! positional one; its arguments are still evaluated in the order written
//! (`arg_order`).

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::arg_order::SourcePos;
use super::build::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::{Expr, ExprKind};

fn params_of(name: &str) -> Option<&'static [&'static [&'static str]]> {
    crate::builtins::lookup(name)
        .map(|b| b.param_names)
        .filter(|p| !p.is_empty())
}

impl Checker {
    /// A builtin call with named arguments: the arguments put in parameter
    /// order, checked as a positional call, evaluated as written.
    pub(super) fn builtin_with_named_args(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: Option<Expr>,
        callee: &ast::Expr,
        span: Span,
    ) -> Expr {
        let placed = self.place_builtin_args(name, args, piped.is_some(), &span);
        let Some((ordered, positions)) = placed else {
            for arg in args {
                if let Some(v) = arg.value() {
                    self.check_expr(&v, None);
                }
            }
            return error_expr(span);
        };
        let mut call = self.builtin_call(name, &ordered, piped, callee, span);
        let prelude = match node_args(&mut call) {
            Some(mut nodes) if nodes.len() == positions.len() => {
                let mut values: Vec<Expr> = nodes.iter_mut().map(|e| take(e)).collect();
                let prelude = self.in_source_order(&mut values, &positions);
                for (slot, value) in nodes.into_iter().zip(values) {
                    *slot = value;
                }
                prelude
            }
            // A builtin the checker turned into something else keeps
            // parameter order.
            _ => Vec::new(),
        };
        Self::after_prelude(prelude, call)
    }

    /// `args` in parameter order (the piped value, if any, is the first
    /// parameter) with the source position of each; `None` after an error.
    fn place_builtin_args(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: bool,
        span: &Span,
    ) -> Option<(Vec<ast::Arg>, Vec<SourcePos>)> {
        let Some(params) = params_of(name) else {
            let named = args.iter().find(|a| a.name().is_some())?;
            self.error(
                codes::BAD_ARGUMENTS,
                format!("the builtin `{name}` takes no named arguments"),
                span_of(named),
                "pass it by position",
            );
            return None;
        };
        let first = usize::from(piped);
        let mut slots: Vec<Option<(ast::Arg, usize)>> = vec![None; params.len()];
        let mut next = first;
        let mut ok = true;
        for (at, arg) in args.iter().enumerate() {
            let index = match arg.name() {
                Some(n) => {
                    let n = n.text();
                    match params.iter().position(|names| names.contains(&n.as_str())) {
                        Some(i) => i,
                        None => {
                            let known: Vec<String> = params
                                .iter()
                                .map(|names| format!("`{}`", names[0]))
                                .collect();
                            self.error(
                                codes::BAD_ARGUMENTS,
                                format!("the builtin `{name}` has no parameter named `{n}`"),
                                span_of(arg),
                                "unknown parameter",
                            );
                            self.push_help(format!("its parameters are {}", known.join(", ")));
                            ok = false;
                            continue;
                        }
                    }
                }
                None => {
                    next += 1;
                    next - 1
                }
            };
            if index < first || index >= slots.len() || slots[index].is_some() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    if index < slots.len() {
                        format!("parameter `{}` is given more than once", params[index][0])
                    } else {
                        format!("`{name}` takes at most {} arguments", params.len())
                    },
                    span_of(arg),
                    "unexpected argument",
                );
                ok = false;
                continue;
            }
            slots[index] = Some((arg.clone(), first + at));
        }
        if !ok {
            return None;
        }
        // Omitted parameters may only be the trailing ones, which have
        // defaults or make another form of the builtin.
        let given = slots
            .iter()
            .rposition(Option::is_some)
            .map_or(first, |i| i + 1);
        let mut ordered = Vec::new();
        let mut positions: Vec<SourcePos> = Vec::new();
        if piped {
            positions.push(Some(0));
        }
        for (i, slot) in slots.into_iter().enumerate().take(given).skip(first) {
            match slot {
                Some((arg, at)) => {
                    ordered.push(arg);
                    positions.push(Some(at));
                }
                None => {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        format!("missing argument `{}` in call of `{name}`", params[i][0]),
                        span.clone(),
                        "a later parameter is given, so this one must be too",
                    );
                    return None;
                }
            }
        }
        Some((ordered, positions))
    }
}

/// The argument expressions of a checked builtin call, in parameter order.
fn node_args(call: &mut Expr) -> Option<Vec<&mut Expr>> {
    match &mut call.kind {
        ExprKind::Library(c) => Some(c.args.iter_mut().collect()),
        ExprKind::Builtin(_, args)
        | ExprKind::Collection(_, args)
        | ExprKind::ResultOp(_, args) => Some(args.iter_mut().collect()),
        ExprKind::HigherOrder {
            list, func, init, ..
        } => {
            let mut v: Vec<&mut Expr> = vec![list.as_mut(), func.as_mut()];
            if let Some(init) = init {
                v.push(init.as_mut());
            }
            Some(v)
        }
        _ => None,
    }
}

/// Moves `e` out, leaving an error placeholder (put back by the caller).
fn take(e: &mut Expr) -> Expr {
    std::mem::replace(
        e,
        Expr {
            kind: ExprKind::Error,
            ty: crate::types::Type::Error,
            span: e.span.clone(),
        },
    )
}
