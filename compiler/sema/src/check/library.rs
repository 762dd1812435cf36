//! Type checking of library builtin calls ([`crate::library`]): arity,
//! argument types (with Int → Float widening where a Float is expected),
//! overload resolution into a [`LibOp`] and the result type.
//!
//! Overloads declared in the registry (`crate::builtins::Overload`) are
//! checked by one generic rule, [`Checker::declared_overload`]; the
//! builtins whose types depend on their arguments have a rule of their own
//! in [`Checker::own_rule`].

use lumen_abi as abi;
use lumen_diagnostics::Span;

use super::build::error_expr;
use super::build::widen;
use super::codes;
use super::Checker;
use crate::builtins::Overload;
use crate::hir::LibraryCall;
use crate::hir::{Expr, ExprKind, Type};
use crate::library::{call, call_desc, library_name, Desc, LibOp};
use crate::types::{list_of, optional, tuple_of};

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn str_expr(value: &str, span: &Span) -> Expr {
    Expr {
        kind: ExprKind::Str(value.to_string()),
        ty: Type::Str,
        span: span.clone(),
    }
}

fn int_expr(value: i64, span: &Span) -> Expr {
    Expr {
        kind: ExprKind::Int(value),
        ty: Type::Int,
        span: span.clone(),
    }
}

impl Checker {
    /// Checks a call of the library builtin `name` with already-checked
    /// arguments.
    pub(super) fn check_library(&mut self, name: &str, args: Vec<Expr>, span: Span) -> Expr {
        let Some(name) = library_name(name) else {
            return error_expr(span);
        };
        let (min, max) = crate::builtins::lookup(name).map_or((1, Some(1)), |b| b.library_arity());
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let expected = match max {
                Some(m) if m == min => plural(min, "argument"),
                Some(m) if m == min + 1 => format!("{min} or {}", plural(m, "argument")),
                Some(m) => format!("{min} to {}", plural(m, "argument")),
                None => format!("at least {}", plural(min, "argument")),
            };
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`{name}` takes {expected} but {} {} given",
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span.clone(),
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        for a in &args {
            if a.ty == Type::Never {
                self.not_supported("an argument that never produces a value", a.span.clone());
                return error_expr(span);
            }
        }
        if args.iter().any(|a| a.ty.has_error()) {
            return error_expr(span);
        }
        match self.library_op(name, args, &span) {
            Some((op, args, ty)) => Expr {
                kind: ExprKind::Library(LibraryCall { name, op, args }),
                ty,
                span,
            },
            None => error_expr(span),
        }
    }

    /// Resolves the operation and converts the arguments; `None` after an
    /// error was reported. A declared overload whose first parameter has
    /// the first argument's type is taken; otherwise the builtin's own rule
    /// ([`Self::own_rule`]), and without one the last declared overload,
    /// whose conversions report the mismatch (`sha256(1)`: "takes a
    /// `String` or `Bytes`").
    fn library_op(
        &mut self,
        name: &'static str,
        mut args: Vec<Expr>,
        span: &Span,
    ) -> Option<(LibOp, Vec<Expr>, Type)> {
        let overloads = crate::builtins::lookup(name).map_or(&[][..], |b| b.overloads);
        let first = args.first().map(|a| a.ty);
        let exact = overloads
            .iter()
            .find(|o| o.params.first().map(|p| p.ty.ty()) == first);
        if let Some(o) = exact {
            return self.declared_overload(name, o, args, span);
        }
        match self.own_rule(name, &mut args, span)? {
            Some((op, ty)) => Some((op, args, ty)),
            None => match overloads.last() {
                Some(o) => self.declared_overload(name, o, args, span),
                None => {
                    self.not_supported(&format!("the builtin `{name}`"), span.clone());
                    None
                }
            },
        }
    }

    /// The generic rule for a declared overload: defaults filled in, each
    /// argument converted to its parameter's type.
    fn declared_overload(
        &mut self,
        name: &'static str,
        o: &Overload,
        mut args: Vec<Expr>,
        span: &Span,
    ) -> Option<(LibOp, Vec<Expr>, Type)> {
        for (i, p) in o.params.iter().enumerate() {
            if i == args.len() {
                if let Some(default) = p.default {
                    args.push(str_expr(default, span));
                }
            }
            self.want(name, &mut args, i, p.ty.ty(), p.what)?;
        }
        Some((o.op, args, o.result.ty()))
    }

    /// The rules of the builtins whose types depend on their arguments (a
    /// list's element type, a number's kind) or that check more than types:
    /// the operation and the result type, with `args` converted; `Some(None)`
    /// for a builtin without a rule of its own, `None` after an error was
    /// reported.
    fn own_rule(
        &mut self,
        name: &'static str,
        args: &mut Vec<Expr>,
        span: &Span,
    ) -> Option<Option<(LibOp, Type)>> {
        let first = args.first().map_or(Type::Null, |a| a.ty);
        let result = match name {
            "join" => {
                self.list_arg(name, &args[0])?;
                self.want(name, args, 1, Type::Str, "the separator as a `String`")?;
                (call(abi::LM_LIST_JOIN), Type::Str)
            }
            // The string forms are declared; these are the list forms.
            "contains" | "index_of" => {
                let elem = self.string_or_list(name, &args[0])?;
                self.want_elem(name, args, 1, elem)?;
                if name == "contains" {
                    (LibOp::ListContains, Type::Bool)
                } else {
                    (LibOp::ListIndexOf, Type::Int)
                }
            }
            "slice" => {
                self.string_or_list(name, &args[0])?;
                self.want(name, args, 1, Type::Int, "the start index as an `Int`")?;
                self.want(name, args, 2, Type::Int, "the end index as an `Int`")?;
                (call(abi::LM_LIST_SLICE), first)
            }
            "reverse" => {
                self.string_or_list(name, &args[0])?;
                (call(abi::LM_LIST_REVERSE), first)
            }
            "format" => {
                self.want(name, args, 0, Type::Str, "the template as a `String`")?;
                self.format_holes(args, span)?;
                (LibOp::Format, Type::Str)
            }
            // Their overloads take an `Int` or a `Float`.
            "abs" | "floor" | "ceil" | "round" | "trunc" => {
                self.num_arg(name, &args[0])?;
                return None;
            }
            "min" | "max" if args.len() == 1 => {
                let elem = self.list_arg(name, &args[0])?;
                self.ordered(name, elem, &args[0].span)?;
                let op = if name == "min" {
                    LibOp::ListMin
                } else {
                    LibOp::ListMax
                };
                (op, elem)
            }
            "min" | "max" | "clamp" => {
                let mut all_int = true;
                for a in args.iter() {
                    all_int &= self.num_arg(name, a)? == Type::Int;
                }
                let t = if all_int { Type::Int } else { Type::Float };
                if !all_int {
                    for a in args.iter_mut() {
                        if a.ty == Type::Int {
                            *a = widen(std::mem::replace(a, error_expr(0..0)));
                        }
                    }
                }
                let f = match (name, all_int) {
                    ("min", true) => abi::LM_INT_MIN,
                    ("min", false) => abi::LM_FLOAT_MIN,
                    ("max", true) => abi::LM_INT_MAX,
                    ("max", false) => abi::LM_FLOAT_MAX,
                    (_, true) => abi::LM_INT_CLAMP,
                    (_, false) => abi::LM_FLOAT_CLAMP,
                };
                (call(f), t)
            }
            "sum" | "product" => {
                let elem = self.list_arg(name, &args[0])?;
                if !elem.is_numeric() {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        format!("`{name}` needs a `list[Int]` or a `list[Float]`, not `{first}`"),
                        args[0].span.clone(),
                        "not a list of numbers",
                    );
                    return None;
                }
                let op = if name == "sum" {
                    LibOp::ListSum
                } else {
                    LibOp::ListProduct
                };
                (op, elem)
            }
            "prepend" => {
                let elem = self.list_arg(name, &args[0])?;
                self.want_elem(name, args, 1, elem)?;
                (LibOp::ListPrepend, first)
            }
            "insert" => {
                let elem = self.list_arg(name, &args[0])?;
                self.want(name, args, 1, Type::Int, "the index as an `Int`")?;
                self.want_elem(name, args, 2, elem)?;
                (LibOp::ListInsert, first)
            }
            "remove_at" | "take" | "drop" | "chunk" | "window" => {
                let elem = self.list_arg(name, &args[0])?;
                let why = match name {
                    "remove_at" => "the index as an `Int`",
                    "chunk" | "window" => "the size as an `Int`",
                    _ => "the count as an `Int`",
                };
                self.want(name, args, 1, Type::Int, why)?;
                let rows = list_of(list_of(elem));
                match name {
                    "remove_at" => (call(abi::LM_LIST_REMOVE_AT), first),
                    "take" => (call(abi::LM_LIST_TAKE), first),
                    "drop" => (call(abi::LM_LIST_DROP), first),
                    "chunk" => (call_desc(abi::LM_LIST_CHUNK, Desc::ResultElem), rows),
                    _ => (call_desc(abi::LM_LIST_WINDOW, Desc::ResultElem), rows),
                }
            }
            // The `Bytes` form is declared.
            "concat" => {
                self.list_arg(name, &args[0])?;
                self.want(name, args, 1, first, "two lists of the same type")?;
                (call(abi::LM_LIST_CONCAT), first)
            }
            "sort" => {
                let elem = self.list_arg(name, &args[0])?;
                self.ordered(name, elem, &args[0].span)?;
                (call(abi::LM_LIST_SORT), first)
            }
            "unique" => {
                self.list_arg(name, &args[0])?;
                (call(abi::LM_LIST_UNIQUE), first)
            }
            "flatten" => {
                let elem = self.list_arg(name, &args[0])?;
                let Type::List(inner) = elem else {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        format!("`flatten` needs a list of lists, not `{first}`"),
                        args[0].span.clone(),
                        "not a list of lists",
                    );
                    return None;
                };
                (
                    call_desc(abi::LM_LIST_FLATTEN, Desc::ResultElem),
                    list_of(*inner),
                )
            }
            "range" => {
                for i in 0..args.len() {
                    self.want(name, args, i, Type::Int, "`Int` bounds and step")?;
                }
                if args.len() == 2 {
                    args.push(int_expr(1, span));
                }
                if let ExprKind::Int(0) = args[2].kind {
                    self.error(
                        codes::BAD_LITERAL,
                        "the step of `range` must not be zero",
                        args[2].span.clone(),
                        "step 0",
                    );
                    return None;
                }
                (
                    call_desc(abi::LM_LIST_RANGE, Desc::ResultElem),
                    list_of(Type::Int),
                )
            }
            "assert" => {
                self.want(name, args, 0, Type::Bool, "the condition as a `Bool`")?;
                if args.len() == 1 {
                    args.push(str_expr("assertion failed", span));
                }
                self.want(name, args, 1, Type::Str, "the message as a `String`")?;
                (LibOp::Assert, Type::Null)
            }
            "assert_eq" | "assert_ne" => {
                let t = self.comparable(name, args, span)?;
                for e in args.iter_mut() {
                    let e_span = e.span.clone();
                    let taken = std::mem::replace(e, error_expr(0..0));
                    *e = self.coerce(taken, t, &e_span);
                }
                let op = if name == "assert_eq" {
                    LibOp::AssertEq
                } else {
                    LibOp::AssertNe
                };
                (op, Type::Null)
            }
            "type_of" => (LibOp::TypeOf, Type::Str),
            "debug" => (LibOp::Debug, Type::Null),
            "to_int" | "to_float" => {
                let to_int = name == "to_int";
                self.convertible(name, &args[0], to_int)?;
                if to_int {
                    (LibOp::ToInt, optional(Type::Int))
                } else {
                    (LibOp::ToFloat, optional(Type::Float))
                }
            }
            "first" | "last" => {
                let elem = self.list_arg(name, &args[0])?;
                let op = if name == "first" {
                    LibOp::ListFirst
                } else {
                    LibOp::ListLast
                };
                (op, optional(elem))
            }
            "zip" => {
                let a = self.list_arg(name, &args[0])?;
                let b = self.list_arg(name, &args[1])?;
                (
                    call_desc(abi::LM_LIST_ZIP, Desc::ResultElem),
                    list_of(tuple_of(&[a, b])),
                )
            }
            "enumerate" => {
                let elem = self.list_arg(name, &args[0])?;
                (
                    call_desc(abi::LM_LIST_ENUMERATE, Desc::ResultElem),
                    list_of(tuple_of(&[Type::Int, elem])),
                )
            }
            _ => return Some(None),
        };
        Some(Some(result))
    }

    /// `format`'s literal template has a `{}` per further argument.
    fn format_holes(&mut self, args: &[Expr], span: &Span) -> Option<()> {
        let ExprKind::Str(template) = &args[0].kind else {
            return Some(());
        };
        let holes = template.matches("{}").count();
        if holes == args.len() - 1 {
            return Some(());
        }
        self.error(
            codes::BAD_ARGUMENTS,
            format!(
                "the `format` template has {} but {} {} given",
                plural(holes, "placeholder"),
                plural(args.len() - 1, "argument"),
                if args.len() == 2 { "was" } else { "were" }
            ),
            span.clone(),
            "wrong number of arguments for the template",
        );
        self.push_help("each `\\{}` in the template takes the next argument".to_string());
        None
    }

    /// The one type `assert_eq(a, b)` compares its arguments as.
    fn comparable(&mut self, name: &str, args: &[Expr], span: &Span) -> Option<Type> {
        let (a, b) = (args[0].ty, args[1].ty);
        // One type must hold the other: equal types, Int and Float,
        // or a union and one of its members.
        let t = a.join(b).filter(|&t| t == a || t == b || t == Type::Float);
        if t.is_none() {
            self.error(
                codes::MISMATCHED_TYPES,
                format!("`{name}` compares two values of the same type, not `{a}` and `{b}`"),
                span.clone(),
                "different types",
            );
        }
        t
    }

    /// Whether `to_int` (`to_int` true) or `to_float` converts `x`.
    fn convertible(&mut self, name: &str, x: &Expr, to_int: bool) -> Option<()> {
        let ok = match x.ty {
            Type::Int | Type::Float | Type::Str => true,
            Type::Bool => to_int,
            _ => false,
        };
        if ok {
            return Some(());
        }
        let from = if to_int {
            "an `Int`, a `Float`, a `String` or a `Bool`"
        } else {
            "an `Int`, a `Float` or a `String`"
        };
        self.error(
            codes::MISMATCHED_TYPES,
            format!("`{name}` converts {from}, not `{}`", x.ty),
            x.span.clone(),
            "cannot be converted",
        );
        None
    }

    /// Converts argument `i` to `ty` (widening Int to Float); `None` after an error.
    fn want(
        &mut self,
        name: &str,
        args: &mut [Expr],
        i: usize,
        ty: Type,
        what: &str,
    ) -> Option<()> {
        let e = std::mem::replace(&mut args[i], error_expr(0..0));
        let span = e.span.clone();
        let e = self.expect_type(e, ty, &span, &format!("`{name}` takes {what}"));
        let ok = !e.ty.has_error();
        args[i] = e;
        ok.then_some(())
    }

    /// Converts argument `i` to the list's element type.
    fn want_elem(&mut self, name: &str, args: &mut [Expr], i: usize, elem: Type) -> Option<()> {
        if elem.union_members().is_some() {
            // A member of a union element type goes in as the union
            // (`contains(xs, null)` on `list[Int?]`).
            let e = std::mem::replace(&mut args[i], error_expr(0..0));
            let span = e.span.clone();
            let e = self.coerce(e, elem, &span);
            let ok = !e.ty.has_error();
            args[i] = e;
            return ok.then_some(());
        }
        self.want(
            name,
            args,
            i,
            elem,
            &format!("a value of the list's element type `{elem}`"),
        )
    }

    /// The element type of a list argument.
    fn list_arg(&mut self, name: &str, e: &Expr) -> Option<Type> {
        match e.ty {
            Type::List(elem) => Some(*elem),
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("`{name}` needs a list, not `{other}`"),
                    e.span.clone(),
                    "not a list",
                );
                None
            }
        }
    }

    /// For builtins on strings and lists, given a non-string argument: the
    /// element type if it is a list.
    fn string_or_list(&mut self, name: &str, e: &Expr) -> Option<Type> {
        match e.ty {
            Type::List(elem) => Some(*elem),
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!(
                        "`{name}` needs a string{} or a list, not `{other}`",
                        if name == "slice" { ", `Bytes`" } else { "" }
                    ),
                    e.span.clone(),
                    "not a string or a list",
                );
                None
            }
        }
    }

    /// The type of a numeric argument (`Int` or `Float`).
    fn num_arg(&mut self, name: &str, e: &Expr) -> Option<Type> {
        if e.ty.is_numeric() {
            return Some(e.ty);
        }
        self.error(
            codes::MISMATCHED_TYPES,
            format!("`{name}` needs a number (`Int` or `Float`), not `{}`", e.ty),
            e.span.clone(),
            "not a number",
        );
        None
    }

    /// Requires the elements of a list argument to have an ordering.
    fn ordered(&mut self, name: &str, elem: Type, span: &Span) -> Option<()> {
        if elem.has_ordering() {
            return Some(());
        }
        self.error(
            codes::BAD_OPERANDS,
            format!("`{name}` needs elements with an ordering, and `{elem}` has none"),
            span.clone(),
            format!("a `list[{elem}]`"),
        );
        self.push_help(
            "only numbers, strings, `Bytes`, Bools and lists of those have an ordering".to_string(),
        );
        None
    }
}
