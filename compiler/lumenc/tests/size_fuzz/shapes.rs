//! The programs of the size fuzzer. Each *shape* makes a program of a given
//! size — a chain that long, nesting that deep, a function or a literal
//! with that many parts — and works out what it must print, so a run
//! checks the compiled code as well as the compiler's survival.
//!
//! Values stay small (digits, sums of a few thousand of them, `% 1000`), so
//! no program overflows `Int` and each expectation is plain `i64`
//! arithmetic here.

use std::fmt::Write;

use super::rng::Rng;

/// Nesting this deep always fits the parser's recursion limit (its
/// `MAX_DEPTH` is 200 rule entries, and no shape here spends more than
/// four on a level).
const SURELY_SHALLOW: usize = 40;
/// Nesting deeper than this never fits: every level of the nesting shapes
/// enters at least one recursive rule.
const SURELY_DEEP: usize = 210;

/// What a program must do.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Compile, and print this when run.
    Prints(String),
    /// `Prints`, or be rejected with the nesting-limit error: the size lies
    /// between what surely fits a limit and what surely does not.
    PrintsOrTooDeep(String),
    /// Be rejected with the nesting-limit error.
    TooDeep,
    /// Be rejected with an error whose text contains this.
    Rejected(&'static str),
}

pub struct Program {
    pub text: String,
    pub expect: Expect,
}

/// One kind of program, and the sizes it is made in.
pub struct Shape {
    pub name: &'static str,
    /// The largest size generated.
    pub max: usize,
    /// Programs up to this size are also compiled and run (`lumenc run`
    /// links and runs an executable: that costs more than `check`).
    pub run_max: usize,
    pub make: fn(&mut Rng, usize) -> Program,
}

/// The largest sizes that are also run are bounded by what a debug build
/// compiles in a few seconds. Some are low because of known quadratic
/// costs, each noted: the temporaries of one statement live to its end, so
/// in a chain of operations on heap values the k-th failure edge releases
/// k - 1 of them (`concat`, `postfix`, `methods`); and the MIR verifier of
/// debug builds keeps a fact per local per block (`logic`, `long_function`).
pub const SHAPES: &[Shape] = &[
    shape("sum", 60_000, 12_000, sum),
    shape("logic", 30_000, 2_000, logic),
    shape("concat", 20_000, 600, concat),
    shape("parens", 260, 260, parens),
    shape("nested_collections", 260, 260, nested_collections),
    shape("nested_records", 260, 260, nested_records),
    shape("nested_blocks", 130, 130, nested_blocks),
    shape("nested_if_exprs", 260, 260, nested_if_exprs),
    shape("nested_lambdas", 260, 150, nested_lambdas),
    shape("long_function", 8_000, 2_000, long_function),
    shape("list_literal", 60_000, 20_000, list_literal),
    shape("map_literal", 20_000, 8_000, map_literal),
    shape("string_literal", 400_000, 200_000, string_literal),
    shape("int_literal", 3_000, 3_000, int_literal),
    shape("pipes", 30_000, 6_000, pipes),
    shape("methods", 20_000, 120, methods),
    shape("compose", 5_000, 500, compose),
    shape("postfix", 30_000, 150, postfix),
    shape("branches", 6_000, 3_000, branches),
    shape("cells", 3_000, 1_000, cells),
    shape("wide", 2_000, 1_000, wide),
];

const fn shape(
    name: &'static str,
    max: usize,
    run_max: usize,
    make: fn(&mut Rng, usize) -> Program,
) -> Shape {
    Shape {
        name,
        max,
        run_max,
        make,
    }
}

/// The expectation for nesting `depth` levels deep.
fn nesting(depth: usize, prints: String) -> Expect {
    if depth <= SURELY_SHALLOW {
        Expect::Prints(prints)
    } else if depth > SURELY_DEEP {
        Expect::TooDeep
    } else {
        Expect::PrintsOrTooDeep(prints)
    }
}

/// The expectation for a left-associative chain of `terms` operands, which
/// deepens the syntax tree by one level per operator (its limit is
/// `MAX_TREE_DEPTH`; the margin covers the levels around the chain).
fn chain(terms: usize, prints: String) -> Expect {
    let limit = lumen_syntax::MAX_TREE_DEPTH as usize;
    if terms + 100 < limit {
        Expect::Prints(prints)
    } else if terms > limit + 100 {
        Expect::TooDeep
    } else {
        Expect::PrintsOrTooDeep(prints)
    }
}

fn lines(values: &[String]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

/// Writes a binary operator between chain operands, sometimes breaking
/// the line after it (an operator at the end of a line continues the
/// expression) and sometimes before it (for `and`, `or`, `|>`, `~>` and
/// `++` a line may begin with the operator).
fn join_op(rng: &mut Rng, text: &mut String, op: &str, may_lead: bool) {
    match rng.below(24) {
        0 => write!(text, " {op}\n  ").unwrap(),
        1 if may_lead => write!(text, "\n  {op} ").unwrap(),
        _ => write!(text, " {op} ").unwrap(),
    }
}

/// `a + 3 * a - (a - 7) + b …`: `+`, `-` and `*` mixed.
fn sum(rng: &mut Rng, n: usize) -> Program {
    let (a, b) = (rng.int(0, 9), rng.int(0, 9));
    let mut text = format!("let a = {a}\nlet b = {b}\nlet x = ");
    let mut total = 0;
    for i in 0..n {
        let k = rng.int(0, 9);
        let (src, v) = match rng.below(6) {
            0 => (k.to_string(), k),
            1 => ("a".to_string(), a),
            2 => ("b".to_string(), b),
            3 => (format!("{k} * a"), k * a),
            4 => (format!("(a - {k})"), a - k),
            _ => ("a * b".to_string(), a * b),
        };
        if i == 0 {
            total = v;
        } else if rng.chance(50) {
            join_op(rng, &mut text, "+", false);
            total += v;
        } else {
            join_op(rng, &mut text, "-", false);
            total -= v;
        }
        text.push_str(&src);
    }
    text.push_str("\nprint(x)\n");
    Program {
        text,
        expect: chain(n, format!("{total}\n")),
    }
}

/// `a < 3 and b >= 2 or not (a == b) …`: comparisons joined by `and` and
/// `or`, which lower to as many branches.
fn logic(rng: &mut Rng, n: usize) -> Program {
    let (a, b) = (rng.int(0, 9), rng.int(0, 9));
    let mut text = format!("let a = {a}\nlet b = {b}\nlet x = ");
    // `or` of `and` groups: the value so far, and the open group's.
    let (mut any, mut group) = (false, true);
    for i in 0..n {
        let k = rng.int(0, 9);
        let (src, v) = match rng.below(5) {
            0 => (format!("a < {k}"), a < k),
            1 => (format!("b >= {k}"), b >= k),
            2 => ("a != b".to_string(), a != b),
            3 => (format!("not (a == {k})"), a != k),
            _ => (format!("{k} <= a + b"), k <= a + b),
        };
        if i == 0 {
            group = v;
        } else if rng.chance(70) {
            join_op(rng, &mut text, "and", true);
            group = group && v;
        } else {
            join_op(rng, &mut text, "or", true);
            any = any || group;
            group = v;
        }
        text.push_str(&src);
    }
    text.push_str("\nprint(x)\n");
    Program {
        text,
        expect: chain(n, format!("{}\n", any || group)),
    }
}

/// `"ab" + "c{a}" + …`: a long string concatenation with interpolations.
fn concat(rng: &mut Rng, n: usize) -> Program {
    let a = rng.int(0, 99);
    let mut text = format!("let a = {a}\nlet s = ");
    let mut value = String::new();
    for i in 0..n {
        if i > 0 {
            join_op(rng, &mut text, "+", false);
        }
        let word: String = (0..rng.below(4))
            .map(|_| (b'a' + rng.below(26) as u8) as char)
            .collect();
        if rng.chance(20) {
            write!(text, "\"{word}{{a}}\"").unwrap();
            write!(value, "{word}{a}").unwrap();
        } else {
            write!(text, "\"{word}\"").unwrap();
            value.push_str(&word);
        }
    }
    text.push_str("\nprint(s)\nprint(len(s))\n");
    Program {
        text,
        expect: chain(n, lines(&[value.clone(), value.len().to_string()])),
    }
}

/// `((1 + (a - 1)) …)`: parentheses nested `depth` deep.
fn parens(rng: &mut Rng, depth: usize) -> Program {
    let a = rng.int(0, 9);
    let kinds: Vec<usize> = (0..depth).map(|_| rng.below(3)).collect();
    let mut text = format!("let a = {a}\nlet x = ");
    for k in &kinds {
        text.push_str(["(", "(1 + ", "("][*k]);
    }
    text.push('a');
    let mut v = a;
    for k in kinds.iter().rev() {
        text.push_str([")", ")", " - 1)"][*k]);
        v += [0, 1, -1][*k];
    }
    text.push_str("\nprint(x)\n");
    Program {
        text,
        expect: nesting(depth, format!("{v}\n")),
    }
}

/// `[{"k": [[1]]}]`: lists and maps nested `depth` deep. Their display is
/// the literal as written here.
fn nested_collections(rng: &mut Rng, depth: usize) -> Program {
    let kinds: Vec<bool> = (0..depth).map(|_| rng.chance(60)).collect();
    let mut value = String::new();
    for list in &kinds {
        value.push_str(if *list { "[" } else { "{\"k\": " });
    }
    write!(value, "{}", rng.int(0, 9)).unwrap();
    for list in kinds.iter().rev() {
        value.push(if *list { ']' } else { '}' });
    }
    Program {
        text: format!("let x = {value}\nprint(x)\nprint(len(x))\n"),
        expect: nesting(depth, lines(&[value, "1".to_string()])),
    }
}

/// `R(v: 1, next: R(v: 2, next: null))`: a record nested `depth` deep,
/// whose display is the constructor call as written here.
fn nested_records(rng: &mut Rng, depth: usize) -> Program {
    let mut value = String::new();
    let mut first = 0;
    for i in 0..depth {
        let v = rng.int(0, 99);
        if i == 0 {
            first = v;
        }
        write!(value, "R(v: {v}, next: ").unwrap();
    }
    value.push_str("null");
    value.push_str(&")".repeat(depth));
    let text =
        format!("record R\n  v: Int\n  next: R?\nend\n\nlet r = {value}\nprint(r)\nprint(r.v)\n");
    Program {
        text,
        expect: nesting(depth, lines(&[value, first.to_string()])),
    }
}

/// `if`, `for`, `if … else`, `loop` statements nested `depth` deep in a
/// cell, each level adding one to a counter.
fn nested_blocks(rng: &mut Rng, depth: usize) -> Program {
    let kinds: Vec<usize> = (0..depth).map(|_| rng.below(4)).collect();
    let mut text = String::from("cell main()\n  let mut n = 0\n");
    let pad = |level: usize| "  ".repeat(level + 1);
    for (level, k) in kinds.iter().enumerate() {
        let p = pad(level);
        match k {
            0 => writeln!(text, "{p}if n >= 0").unwrap(),
            1 => writeln!(text, "{p}for _ in 0..1").unwrap(),
            2 => writeln!(text, "{p}if n < 0\n{p}  n = 0\n{p}else").unwrap(),
            _ => writeln!(text, "{p}loop").unwrap(),
        }
        writeln!(text, "{p}  n = n + 1").unwrap();
    }
    for (level, k) in kinds.iter().enumerate().rev() {
        let p = pad(level);
        if *k == 3 {
            writeln!(text, "{p}  break").unwrap();
        }
        writeln!(text, "{p}end").unwrap();
    }
    text.push_str("  print(n)\nend\n");
    Program {
        text,
        expect: nesting(depth, format!("{depth}\n")),
    }
}

/// `if a > 3 then (if a > 5 then a else 7) else 2`, `depth` deep.
fn nested_if_exprs(rng: &mut Rng, depth: usize) -> Program {
    let a = rng.int(0, 9);
    let levels: Vec<(i64, i64)> = (0..depth)
        .map(|_| (rng.int(-1, 9), rng.int(0, 99)))
        .collect();
    let mut text = format!("let a = {a}\nlet x = ");
    for (k, _) in &levels {
        write!(text, "if a > {k} then (").unwrap();
    }
    text.push('a');
    let mut v = a;
    for (k, other) in levels.iter().rev() {
        write!(text, ") else {other}").unwrap();
        if a <= *k {
            v = *other;
        }
    }
    text.push_str("\nprint(x)\n");
    Program {
        text,
        expect: nesting(depth, format!("{v}\n")),
    }
}

/// `fn(x0: Int) => fn(x1: Int) => … x0 + x1 + …`, `depth` deep (each
/// closure captures every parameter outside it), called as `f(1)(2)…`.
fn nested_lambdas(_rng: &mut Rng, depth: usize) -> Program {
    let mut text = String::from("let f = ");
    for i in 0..depth {
        write!(text, "fn(x{i}: Int) => ").unwrap();
    }
    let names: Vec<String> = (0..depth).map(|i| format!("x{i}")).collect();
    text.push_str(&names.join(" + "));
    text.push_str("\nprint(f");
    for i in 1..=depth {
        write!(text, "({i})").unwrap();
    }
    text.push_str(")\n");
    let sum = depth * (depth + 1) / 2;
    Program {
        text,
        expect: nesting(depth, format!("{sum}\n")),
    }
}

/// A cell of `n` statements: `let`s computing from earlier ones, appends,
/// string growth, map updates, short loops and branches, simulated here.
fn long_function(rng: &mut Rng, n: usize) -> Program {
    let in_cell = rng.chance(70);
    let pad = if in_cell { "  " } else { "" };
    let mut body = String::new();
    let mut vars: Vec<i64> = vec![rng.int(0, 999)];
    writeln!(body, "{pad}let mut total = 0").unwrap();
    writeln!(body, "{pad}let mut xs: list[Int] = []").unwrap();
    writeln!(body, "{pad}let mut s = \"\"").unwrap();
    writeln!(body, "{pad}let mut m: map[Int, Int] = {{}}").unwrap();
    writeln!(body, "{pad}let v0 = {}", vars[0]).unwrap();
    let (mut total, mut xs, mut s) = (0i64, Vec::new(), 0usize);
    let mut m = std::collections::BTreeMap::new();
    for _ in 0..n {
        // Mostly recent variables: a program whose every variable stays
        // live to its end is quadratic for any register allocator.
        let j = if rng.chance(95) {
            vars.len() - 1 - rng.below(vars.len().min(16))
        } else {
            rng.below(vars.len())
        };
        let c = rng.int(0, 999);
        match rng.below(8) {
            0 | 1 => {
                writeln!(body, "{pad}let v{} = (v{j} + {c}) % 1000", vars.len()).unwrap();
                vars.push((vars[j] + c) % 1000);
            }
            2 => {
                writeln!(body, "{pad}total = total + v{j}").unwrap();
                total += vars[j];
            }
            3 => {
                writeln!(body, "{pad}xs = append(xs, v{j})").unwrap();
                xs.push(vars[j]);
            }
            4 => {
                writeln!(body, "{pad}s = s + \"ab\"").unwrap();
                s += 2;
            }
            5 => {
                writeln!(body, "{pad}m[v{j} % 100] = {c}").unwrap();
                m.insert(vars[j] % 100, c);
            }
            6 => {
                writeln!(
                    body,
                    "{pad}for i in 0..3\n{pad}  total = total + i\n{pad}end"
                )
                .unwrap();
                total += 3;
            }
            _ => {
                writeln!(
                    body,
                    "{pad}if v{j} > {c}\n{pad}  total = total + 1\n{pad}else\n{pad}  total = total - 1\n{pad}end"
                )
                .unwrap();
                total += if vars[j] > c { 1 } else { -1 };
            }
        }
    }
    let last = vars.len() - 1;
    writeln!(body, "{pad}print(total)\n{pad}print(len(xs))\n{pad}print(len(s))\n{pad}print(len(m))\n{pad}print(v{last})").unwrap();
    let text = if in_cell {
        format!("cell main()\n{body}end\n")
    } else {
        body
    };
    let printed = [total, xs.len() as i64, s as i64, m.len() as i64, vars[last]];
    Program {
        text,
        expect: Expect::Prints(lines(&printed.map(|v| v.to_string()))),
    }
}

/// A list literal of `n` Ints, Strings or Bools.
fn list_literal(rng: &mut Rng, n: usize) -> Program {
    let kind = rng.below(3);
    let mut text = String::from("let xs = [");
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        if i > 0 {
            text.push_str(if rng.chance(5) { ",\n  " } else { ", " });
        }
        let item = match kind {
            0 => rng.int(-999, 999).to_string(),
            1 => format!("\"s{}\"", rng.below(1000)),
            _ => rng.chance(50).to_string(),
        };
        text.push_str(&item);
        items.push(item);
    }
    text.push_str("]\nprint(len(xs))\n");
    let at = rng.below(n);
    writeln!(text, "print(xs[{at}])").unwrap();
    let shown = items[at].trim_matches('"').to_string();
    let mut printed = vec![n.to_string(), shown];
    if kind == 0 {
        text.push_str("let mut t = 0\nfor x in xs\n  t = t + x\nend\nprint(t)\n");
        let t: i64 = items.iter().map(|i| i.parse::<i64>().unwrap()).sum();
        printed.push(t.to_string());
    }
    Program {
        text,
        expect: Expect::Prints(lines(&printed)),
    }
}

/// A map literal with `n` entries (String or Int keys), or a set literal
/// of `n` elements with repeats.
fn map_literal(rng: &mut Rng, n: usize) -> Program {
    let mut text = String::new();
    let printed = match rng.below(3) {
        kind @ (0 | 1) => {
            text.push_str("let m = {");
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                if i > 0 {
                    text.push_str(", ");
                }
                let v = rng.int(0, 999);
                if kind == 0 {
                    write!(text, "\"k{i}\": {v}").unwrap();
                } else {
                    write!(text, "{i}: {v}").unwrap();
                }
                values.push(v);
            }
            let at = rng.below(n);
            let key = if kind == 0 {
                format!("\"k{at}\"")
            } else {
                at.to_string()
            };
            writeln!(text, "}}\nprint(len(m))\nprint(m[{key}])").unwrap();
            vec![n.to_string(), values[at].to_string()]
        }
        _ => {
            text.push_str("let s = {");
            let mut distinct = std::collections::BTreeSet::new();
            for i in 0..n {
                if i > 0 {
                    text.push_str(", ");
                }
                let v = rng.below(n / 2 + 1);
                write!(text, "{v}").unwrap();
                distinct.insert(v);
            }
            text.push_str("}\nprint(len(s))\n");
            vec![distinct.len().to_string()]
        }
    };
    Program {
        text,
        expect: Expect::Prints(lines(&printed)),
    }
}

/// A string literal of `n` characters (escapes and non-ASCII included),
/// or a long interpolation.
fn string_literal(rng: &mut Rng, n: usize) -> Program {
    let mut text = String::from("let a = 7\nlet s = \"");
    let mut chars = 0;
    let mut shown = String::new();
    for _ in 0..n {
        let (src, value) = match rng.below(40) {
            0 => ("\\\"", "\""),
            1 => ("\\\\", "\\"),
            2 => ("\\t", "\t"),
            3 => ("é", "é"),
            4 => ("€", "€"),
            5 => ("{a}", "7"),
            _ => {
                let c = (b'a' + rng.below(26) as u8) as char;
                text.push(c);
                shown.push(c);
                chars += 1;
                continue;
            }
        };
        text.push_str(src);
        shown.push_str(value);
        chars += value.chars().count();
    }
    text.push_str("\"\nprint(len(s))\nprint(s)\n");
    Program {
        text,
        expect: Expect::Prints(lines(&[chars.to_string(), shown])),
    }
}

/// An Int literal of up to `n` digits: printed when it fits in 64 bits,
/// an error otherwise; or a Float literal of that many digits, which
/// must at least check.
fn int_literal(rng: &mut Rng, n: usize) -> Program {
    let digits = 1 + rng.below(n);
    let mut literal = (1 + rng.below(9)).to_string();
    for _ in 1..digits {
        literal.push((b'0' + rng.below(10) as u8) as char);
    }
    let negative = rng.chance(30);
    let sign = if negative { "-" } else { "" };
    if rng.chance(25) {
        let text = format!("let x = {sign}{literal}.5\nprint(x > 0.0)\n");
        return Program {
            text,
            expect: Expect::Prints(format!("{}\n", !negative)),
        };
    }
    let text = format!("let x = {sign}{literal}\nprint(x)\n");
    let expect = match format!("{sign}{literal}").parse::<i64>() {
        Ok(v) => Expect::Prints(format!("{v}\n")),
        _ => Expect::Rejected("out of range"),
    };
    Program { text, expect }
}

/// `0 |> inc |> add(3) …`: a pipe chain through cells.
fn pipes(rng: &mut Rng, n: usize) -> Program {
    let mut text = String::from(
        "cell inc(x: Int) -> Int = x + 1\ncell add(x: Int, k: Int) -> Int = x + k\n\nlet x = 0",
    );
    let mut v = 0;
    for _ in 0..n {
        join_op(rng, &mut text, "|>", true);
        if rng.chance(50) {
            text.push_str("inc");
            v += 1;
        } else {
            let k = rng.int(-5, 5);
            write!(text, "add({k})").unwrap();
            v += k;
        }
    }
    text.push_str("\nprint(x)\n");
    Program {
        text,
        expect: chain(n, format!("{v}\n")),
    }
}

/// `C(n: 0).bump().add(3)… .n`: a method chain on a record.
fn methods(rng: &mut Rng, n: usize) -> Program {
    let mut text = String::from(
        "record C\n  n: Int\n  cell bump(self) -> C = C(n: self.n + 1)\n  cell add(self, k: Int) -> C = C(n: self.n + k)\nend\n\nlet c = C(n: 0)",
    );
    let mut v = 0;
    for _ in 0..n {
        if rng.chance(3) {
            text.push_str("\n  ");
        }
        if rng.chance(50) {
            text.push_str(".bump()");
            v += 1;
        } else {
            let k = rng.int(-5, 5);
            write!(text, ".add({k})").unwrap();
            v += k;
        }
    }
    text.push_str("\nprint(c.n)\n");
    Program {
        text,
        expect: chain(n, format!("{v}\n")),
    }
}

/// `inc ~> dec ~> …`: composition of `n` functions, then one call (which
/// runs `n` closures deep).
fn compose(rng: &mut Rng, n: usize) -> Program {
    let mut text = String::from(
        "cell inc(x: Int) -> Int = x + 1\ncell dec(x: Int) -> Int = x - 1\n\nlet g = inc",
    );
    let mut v = 1;
    for _ in 1..n {
        join_op(rng, &mut text, "~>", true);
        if rng.chance(60) {
            text.push_str("inc");
            v += 1;
        } else {
            text.push_str("dec");
            v -= 1;
        }
    }
    text.push_str("\nprint(g(0))\n");
    Program {
        text,
        expect: chain(n, format!("{v}\n")),
    }
}

/// Postfix chains: `s[0][0]…`, `x ?? x ?? … ?? 5`, optional field reads
/// `r?.next?.next…`.
fn postfix(rng: &mut Rng, n: usize) -> Program {
    match rng.below(3) {
        0 => Program {
            text: format!("let s = \"xyz\"\nprint(s{})\n", "[0]".repeat(n)),
            expect: chain(n, "x\n".to_string()),
        },
        1 => {
            let mut text = String::from("let x: Int? = null\nlet y = x");
            for _ in 0..n {
                join_op(rng, &mut text, "??", false);
                text.push('x');
            }
            text.push_str(" ?? 5\nprint(y)\n");
            Program {
                text,
                expect: chain(n, "5\n".to_string()),
            }
        }
        _ => Program {
            text: format!(
                "record R\n  v: Int\n  next: R?\nend\n\nlet r: R? = R(v: 1, next: null)\nprint(r{}?.v)\n",
                "?.next".repeat(n)
            ),
            expect: chain(n, "null\n".to_string()),
        },
    }
}

/// A cell of `n` `else if` arms, or a `match` of `n` arms, called once.
fn branches(rng: &mut Rng, n: usize) -> Program {
    let key = rng.below(n + 1);
    let mut text = String::from("cell f(k: Int) -> Int\n");
    // Arm `i` gives `i * 3 % 1000` (the `match` arms come in a shuffled
    // order, so `linear_match` sees gaps too).
    if rng.chance(50) {
        for i in 0..n {
            let head = if i == 0 { "if" } else { "else if" };
            writeln!(text, "  {head} k == {i}\n    return {}", i * 3 % 1000).unwrap();
        }
        text.push_str("  else\n    return -1\n  end\nend\n");
    } else {
        let mut order: Vec<usize> = (0..n).collect();
        if rng.chance(50) {
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
        }
        text.push_str("  match k\n");
        for i in order {
            writeln!(text, "    {i} -> {}", i * 3 % 1000).unwrap();
        }
        text.push_str("    _ -> -1\n  end\nend\n");
    }
    writeln!(text, "print(f({key}))").unwrap();
    let v = if key < n { (key * 3 % 1000) as i64 } else { -1 };
    Program {
        text,
        expect: Expect::Prints(format!("{v}\n")),
    }
}

/// `n` cells, each calling the one before, declared in a random order;
/// without a return type each one's type is inferred from the next's.
fn cells(rng: &mut Rng, n: usize) -> Program {
    let annotated = rng.chance(50);
    let ret = if annotated { " -> Int" } else { "" };
    let mut decls: Vec<String> = vec![format!("cell f0(x: Int){ret} = x\n")];
    let mut v = 1;
    for i in 1..n {
        let k = rng.int(0, 9);
        decls.push(format!("cell f{i}(x: Int){ret} = f{}(x) + {k}\n", i - 1));
        v += k;
    }
    if rng.chance(50) {
        for i in (1..n).rev() {
            decls.swap(i, rng.below(i + 1));
        }
    }
    let mut text = decls.concat();
    writeln!(text, "print(f{}(1))", n - 1).unwrap();
    Program {
        text,
        expect: Expect::Prints(format!("{v}\n")),
    }
}

/// A record of `n` fields, or a cell of `n` parameters called with `n`
/// arguments.
fn wide(rng: &mut Rng, n: usize) -> Program {
    let values: Vec<i64> = (0..n).map(|_| rng.int(0, 99)).collect();
    let list = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(", ");
    if rng.chance(50) {
        let fields: String = (0..n).map(|i| format!("  f{i}: Int\n")).collect();
        let value = format!("W({})", list(&|i| format!("f{i}: {}", values[i])));
        let last = n - 1;
        Program {
            text: format!("record W\n{fields}end\n\nlet w = {value}\nprint(w)\nprint(w.f{last})\n"),
            expect: Expect::Prints(lines(&[value, values[last].to_string()])),
        }
    } else {
        let params = list(&|i| format!("p{i}: Int"));
        let body = list(&|i| format!("p{i}")).replace(", ", " + ");
        let args = list(&|i| values[i].to_string());
        let sum: i64 = values.iter().sum();
        Program {
            text: format!("cell f({params}) -> Int = {body}\nprint(f({args}))\n"),
            expect: Expect::Prints(format!("{sum}\n")),
        }
    }
}
