//! Type checking of library builtin calls ([`crate::library`]): arity,
//! argument types (with Int → Float widening where a Float is expected),
//! overload resolution into a [`LibOp`] and the result type.

use lumen_diagnostics::Span;

use super::build::error_expr;
use super::build::widen;
use super::codes;
use super::Checker;
use crate::hir::LibraryCall;
use crate::hir::{Expr, ExprKind, Type};
use crate::library::{library_name, LibOp, MathFn};
use crate::types::{list_of, optional, result_of, tuple_of};

/// How many arguments a library builtin takes: `(min, max)`, `max` `None`
/// for any number.
fn arity(name: &str) -> (usize, Option<usize>) {
    crate::builtins::lookup(name).map_or((1, Some(1)), |b| b.arity)
}

fn math_fn(name: &str) -> Option<MathFn> {
    Some(match name {
        "floor" => MathFn::Floor,
        "ceil" => MathFn::Ceil,
        "round" => MathFn::Round,
        "trunc" => MathFn::Trunc,
        "sqrt" => MathFn::Sqrt,
        "exp" => MathFn::Exp,
        "log" => MathFn::Log,
        "log2" => MathFn::Log2,
        "log10" => MathFn::Log10,
        "sin" => MathFn::Sin,
        "cos" => MathFn::Cos,
        "tan" => MathFn::Tan,
        _ => return None,
    })
}

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
        let (min, max) = arity(name);
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
    /// error was reported.
    fn library_op(
        &mut self,
        name: &'static str,
        mut args: Vec<Expr>,
        span: &Span,
    ) -> Option<(LibOp, Vec<Expr>, Type)> {
        let first = args.first().map_or(Type::Null, |a| a.ty);
        let result = match name {
            "upper" | "lower" | "trim" | "trim_start" | "trim_end" | "capitalize" => {
                self.want(name, &mut args, 0, Type::Str, "a `String`")?;
                let op = match name {
                    "upper" => LibOp::StrUpper,
                    "lower" => LibOp::StrLower,
                    "trim" => LibOp::StrTrim,
                    "trim_start" => LibOp::StrTrimStart,
                    "trim_end" => LibOp::StrTrimEnd,
                    _ => LibOp::StrCapitalize,
                };
                (op, Type::Str)
            }
            "split" => {
                self.want(name, &mut args, 0, Type::Str, "a `String` to split")?;
                self.want(name, &mut args, 1, Type::Str, "the separator as a `String`")?;
                (LibOp::StrSplit, list_of(Type::Str))
            }
            "lines" | "chars" => {
                self.want(name, &mut args, 0, Type::Str, "a `String`")?;
                let op = if name == "lines" {
                    LibOp::StrLines
                } else {
                    LibOp::StrChars
                };
                (op, list_of(Type::Str))
            }
            "join" => {
                self.list_arg(name, &args[0])?;
                self.want(name, &mut args, 1, Type::Str, "the separator as a `String`")?;
                (LibOp::Join, Type::Str)
            }
            "replace" => {
                for i in 0..3 {
                    self.want(name, &mut args, i, Type::Str, "three `String`s")?;
                }
                (LibOp::StrReplace, Type::Str)
            }
            "starts_with" | "ends_with" => {
                self.want(name, &mut args, 0, Type::Str, "two `String`s")?;
                self.want(name, &mut args, 1, Type::Str, "two `String`s")?;
                let op = if name == "starts_with" {
                    LibOp::StrStartsWith
                } else {
                    LibOp::StrEndsWith
                };
                (op, Type::Bool)
            }
            "contains" | "index_of" => {
                let result = if name == "contains" {
                    Type::Bool
                } else {
                    Type::Int
                };
                if first == Type::Str {
                    self.want(
                        name,
                        &mut args,
                        1,
                        Type::Str,
                        "a `String` to look for in a `String`",
                    )?;
                    let op = if name == "contains" {
                        LibOp::StrContains
                    } else {
                        LibOp::StrIndexOf
                    };
                    (op, result)
                } else {
                    let elem = self.string_or_list(name, &args[0])?;
                    self.want_elem(name, &mut args, 1, elem)?;
                    let op = if name == "contains" {
                        LibOp::ListContains
                    } else {
                        LibOp::ListIndexOf
                    };
                    (op, result)
                }
            }
            "slice" => {
                let op = if first == Type::Str {
                    LibOp::StrSlice
                } else if first == Type::Bytes {
                    LibOp::BytesSlice
                } else {
                    self.string_or_list(name, &args[0])?;
                    LibOp::ListSlice
                };
                self.want(name, &mut args, 1, Type::Int, "the start index as an `Int`")?;
                self.want(name, &mut args, 2, Type::Int, "the end index as an `Int`")?;
                (op, first)
            }
            "reverse" => {
                let op = if first == Type::Str {
                    LibOp::StrReverse
                } else {
                    self.string_or_list(name, &args[0])?;
                    LibOp::ListReverse
                };
                (op, first)
            }
            "pad_left" | "pad_right" => {
                self.want(name, &mut args, 0, Type::Str, "a `String` to pad")?;
                self.want(name, &mut args, 1, Type::Int, "the width as an `Int`")?;
                if args.len() == 2 {
                    args.push(str_expr(" ", span));
                }
                self.want(
                    name,
                    &mut args,
                    2,
                    Type::Str,
                    "the fill character as a `String`",
                )?;
                let op = if name == "pad_left" {
                    LibOp::StrPadLeft
                } else {
                    LibOp::StrPadRight
                };
                (op, Type::Str)
            }
            "repeat" => {
                self.want(name, &mut args, 0, Type::Str, "a `String` to repeat")?;
                self.want(name, &mut args, 1, Type::Int, "the count as an `Int`")?;
                (LibOp::StrRepeat, Type::Str)
            }
            "format" => {
                self.want(name, &mut args, 0, Type::Str, "the template as a `String`")?;
                if let ExprKind::Str(template) = &args[0].kind {
                    let holes = template.matches("{}").count();
                    if holes != args.len() - 1 {
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
                        self.push_help(
                            "each `\\{}` in the template takes the next argument".to_string(),
                        );
                        return None;
                    }
                }
                (LibOp::Format, Type::Str)
            }
            "abs" => {
                let t = self.num_arg(name, &args[0])?;
                let op = if t == Type::Int {
                    LibOp::IntAbs
                } else {
                    LibOp::FloatFn(MathFn::Abs)
                };
                (op, t)
            }
            "floor" | "ceil" | "round" | "trunc" => {
                let t = self.num_arg(name, &args[0])?;
                let op = if t == Type::Int {
                    LibOp::IntIdentity
                } else {
                    LibOp::FloatFn(math_fn(name)?)
                };
                (op, t)
            }
            "sqrt" | "exp" | "log" | "log2" | "log10" | "sin" | "cos" | "tan" => {
                self.want(name, &mut args, 0, Type::Float, "a number")?;
                (LibOp::FloatFn(math_fn(name)?), Type::Float)
            }
            "atan2" | "pow" => {
                self.want(name, &mut args, 0, Type::Float, "two numbers")?;
                self.want(name, &mut args, 1, Type::Float, "two numbers")?;
                let op = if name == "pow" {
                    LibOp::Pow
                } else {
                    LibOp::Atan2
                };
                (op, Type::Float)
            }
            "is_nan" | "is_inf" => {
                self.want(name, &mut args, 0, Type::Float, "a number")?;
                let op = if name == "is_nan" {
                    LibOp::IsNan
                } else {
                    LibOp::IsInf
                };
                (op, Type::Bool)
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
                for a in &args {
                    all_int &= self.num_arg(name, a)? == Type::Int;
                }
                let t = if all_int { Type::Int } else { Type::Float };
                if !all_int {
                    args = args
                        .into_iter()
                        .map(|a| if a.ty == Type::Int { widen(a) } else { a })
                        .collect();
                }
                let op = match (name, all_int) {
                    ("min", true) => LibOp::IntMin,
                    ("min", false) => LibOp::FloatMin,
                    ("max", true) => LibOp::IntMax,
                    ("max", false) => LibOp::FloatMax,
                    (_, true) => LibOp::IntClamp,
                    (_, false) => LibOp::FloatClamp,
                };
                (op, t)
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
                self.want_elem(name, &mut args, 1, elem)?;
                (LibOp::ListPrepend, first)
            }
            "insert" => {
                let elem = self.list_arg(name, &args[0])?;
                self.want(name, &mut args, 1, Type::Int, "the index as an `Int`")?;
                self.want_elem(name, &mut args, 2, elem)?;
                (LibOp::ListInsert, first)
            }
            "remove_at" | "take" | "drop" | "chunk" | "window" => {
                let elem = self.list_arg(name, &args[0])?;
                let why = match name {
                    "remove_at" => "the index as an `Int`",
                    "chunk" | "window" => "the size as an `Int`",
                    _ => "the count as an `Int`",
                };
                self.want(name, &mut args, 1, Type::Int, why)?;
                match name {
                    "remove_at" => (LibOp::ListRemoveAt, first),
                    "take" => (LibOp::ListTake, first),
                    "drop" => (LibOp::ListDrop, first),
                    "chunk" => (LibOp::ListChunk, list_of(list_of(elem))),
                    _ => (LibOp::ListWindow, list_of(list_of(elem))),
                }
            }
            "concat" if first == Type::Bytes => {
                self.want(name, &mut args, 1, Type::Bytes, "two `Bytes` or two lists")?;
                (LibOp::BytesConcat, Type::Bytes)
            }
            "concat" => {
                self.list_arg(name, &args[0])?;
                self.want(name, &mut args, 1, first, "two lists of the same type")?;
                (LibOp::ListConcat, first)
            }
            "sort" => {
                let elem = self.list_arg(name, &args[0])?;
                self.ordered(name, elem, &args[0].span)?;
                (LibOp::ListSort, first)
            }
            "unique" => {
                self.list_arg(name, &args[0])?;
                (LibOp::ListUnique, first)
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
                (LibOp::ListFlatten, list_of(*inner))
            }
            "range" => {
                for i in 0..args.len() {
                    self.want(name, &mut args, i, Type::Int, "`Int` bounds and step")?;
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
                (LibOp::Range, list_of(Type::Int))
            }
            "assert" => {
                self.want(name, &mut args, 0, Type::Bool, "the condition as a `Bool`")?;
                if args.len() == 1 {
                    args.push(str_expr("assertion failed", span));
                }
                self.want(name, &mut args, 1, Type::Str, "the message as a `String`")?;
                (LibOp::Assert, Type::Null)
            }
            "assert_eq" | "assert_ne" => {
                let (a, b) = (args[0].ty, args[1].ty);
                // One type must hold the other: equal types, Int and Float,
                // or a union and one of its members.
                let t = a.join(b).filter(|&t| t == a || t == b || t == Type::Float);
                let Some(t) = t else {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        format!(
                            "`{name}` compares two values of the same type, not `{a}` and `{b}`"
                        ),
                        span.clone(),
                        "different types",
                    );
                    return None;
                };
                args = args
                    .into_iter()
                    .map(|e| {
                        let espan = e.span.clone();
                        self.coerce(e, t, &espan)
                    })
                    .collect();
                let op = if name == "assert_eq" {
                    LibOp::AssertEq
                } else {
                    LibOp::AssertNe
                };
                (op, Type::Null)
            }
            "type_of" => (LibOp::TypeOf, Type::Str),
            "debug" => (LibOp::Debug, Type::Null),
            "args" => (LibOp::Args, list_of(Type::Str)),
            "read_stdin" => (LibOp::ReadStdin, Type::Str),
            "to_int" | "to_float" => {
                let to_int = name == "to_int";
                let ok = match first {
                    Type::Int | Type::Float | Type::Str => true,
                    Type::Bool => to_int,
                    _ => false,
                };
                if !ok {
                    let from = if to_int {
                        "an `Int`, a `Float`, a `String` or a `Bool`"
                    } else {
                        "an `Int`, a `Float` or a `String`"
                    };
                    self.error(
                        codes::MISMATCHED_TYPES,
                        format!("`{name}` converts {from}, not `{first}`"),
                        args[0].span.clone(),
                        "cannot be converted",
                    );
                    return None;
                }
                if to_int {
                    (LibOp::ToInt, optional(Type::Int))
                } else {
                    (LibOp::ToFloat, optional(Type::Float))
                }
            }
            "parse_int" | "parse_float" => {
                self.want(name, &mut args, 0, Type::Str, "a `String`")?;
                if name == "parse_int" {
                    (LibOp::ParseInt, result_of(Type::Int, Type::Str))
                } else {
                    (LibOp::ParseFloat, result_of(Type::Float, Type::Str))
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
                (LibOp::ListZip, list_of(tuple_of(&[a, b])))
            }
            "enumerate" => {
                let elem = self.list_arg(name, &args[0])?;
                (LibOp::ListEnumerate, list_of(tuple_of(&[Type::Int, elem])))
            }
            "env" => {
                self.want(
                    name,
                    &mut args,
                    0,
                    Type::Str,
                    "the variable's name as a `String`",
                )?;
                (LibOp::Env, optional(Type::Str))
            }
            "read_line" => (LibOp::ReadLine, optional(Type::Str)),
            "read_file" => {
                self.want(name, &mut args, 0, Type::Str, "the path as a `String`")?;
                (LibOp::ReadFile, result_of(Type::Str, Type::Str))
            }
            "write_file" => {
                self.want(name, &mut args, 0, Type::Str, "the path as a `String`")?;
                self.want(name, &mut args, 1, Type::Str, "the text as a `String`")?;
                (LibOp::WriteFile, result_of(Type::Null, Type::Str))
            }
            "now_ms" => (LibOp::NowMs, Type::Int),
            "monotonic_ms" => (LibOp::MonotonicMs, Type::Int),
            "random" => (LibOp::Random, Type::Float),
            "random_int" => {
                self.want(name, &mut args, 0, Type::Int, "`Int` bounds")?;
                self.want(name, &mut args, 1, Type::Int, "`Int` bounds")?;
                (LibOp::RandomInt, Type::Int)
            }
            "uuid" => (LibOp::Uuid, Type::Str),
            "sha256" | "base64_encode" | "hex_encode" | "url_encode" | "base64_decode"
            | "hex_decode" | "url_decode" => {
                // The encoders read bytes: of a string's UTF-8, or of `Bytes`.
                let encoder = !name.ends_with("_decode");
                if !(encoder && first == Type::Bytes) {
                    let what = if encoder {
                        "a `String` or `Bytes`"
                    } else {
                        "a `String`"
                    };
                    self.want(name, &mut args, 0, Type::Str, what)?;
                }
                let decoded = result_of(Type::Str, Type::Str);
                match name {
                    "sha256" => (LibOp::Sha256, Type::Str),
                    "base64_encode" => (LibOp::Base64Encode, Type::Str),
                    "hex_encode" => (LibOp::HexEncode, Type::Str),
                    "url_encode" => (LibOp::UrlEncode, Type::Str),
                    "base64_decode" => (LibOp::Base64Decode, decoded),
                    "hex_decode" => (LibOp::HexDecode, decoded),
                    _ => (LibOp::UrlDecode, decoded),
                }
            }
            "bytes" => {
                self.want(name, &mut args, 0, Type::Str, "a `String`")?;
                (LibOp::BytesFromStr, Type::Bytes)
            }
            "from_utf8" => {
                self.want(name, &mut args, 0, Type::Bytes, "`Bytes`")?;
                (LibOp::BytesFromUtf8, result_of(Type::Str, Type::Str))
            }
            _ => {
                self.not_supported(&format!("the builtin `{name}`"), span.clone());
                return None;
            }
        };
        Some((result.0, args, result.1))
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
