//! Tests of the typed AST accessors and literal decoding.

use super::literals::*;
use super::*;
use crate::parse;

fn first_cell(src: &str) -> Cell {
    let p = parse(src);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    p.tree()
        .items()
        .find_map(|i| if let Item::Cell(c) = i { Some(c) } else { None })
        .unwrap()
}

#[test]
fn cell_signature() {
    let c = first_cell("pub async cell f[T: Ord](a: Int, b: T = 1, ...rest) -> list[T] / {llm, http}\n  return a\nend\n");
    assert!(c.is_async() && c.is_pub());
    assert_eq!(c.name().unwrap().text(), "f");
    let params: Vec<Param> = c.params().collect();
    assert_eq!(params.len(), 3);
    assert!(params[1].default().is_some());
    assert!(params[2].is_variadic());
    assert_eq!(c.effect_row().unwrap().names(), vec!["llm", "http"]);
    assert!(matches!(c.ret_type(), Some(TypeRef::Path(p)) if p.name() == "list"));
    assert_eq!(c.body().unwrap().stmts().count(), 1);
    assert_eq!(
        c.generic_params()
            .unwrap()
            .params()
            .next()
            .unwrap()
            .bounds()
            .count(),
        1
    );
}

#[test]
fn expr_body_and_binary() {
    let c = first_cell("cell f(x: Int) -> Int = x + 2 * 3\n");
    let Some(Expr::Binary(b)) = c.expr_body() else {
        panic!()
    };
    assert_eq!(b.op(), Some(BinaryOp::Add));
    assert!(matches!(b.rhs(), Some(Expr::Binary(m)) if m.op() == Some(BinaryOp::Mul)));
}

#[test]
fn string_parts_decoded() {
    let c = first_cell("cell f()\n  \"a\\tb{x:>4}c\\u{1F600}\"\nend\n");
    let Some(Stmt::Expr(s)) = c.body().unwrap().stmts().next() else {
        panic!()
    };
    let Some(Expr::String(s)) = s.expr() else {
        panic!()
    };
    let parts = s.parts();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], StringPart::Text("a\tb".into()));
    assert!(
        matches!(&parts[1], StringPart::Expr(Expr::Name(n), Some(spec)) if n.text() == "x" && spec == ">4")
    );
    assert_eq!(parts[2], StringPart::Text("c😀".into()));
}

#[test]
fn triple_quoted_dedent() {
    let src = "let s = \"\"\"\n    hello\n      {name}\n    bye\n    \"\"\"\n";
    let p = parse(src);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let Some(Item::Stmt(Stmt::Let(l))) = p.tree().items().next() else {
        panic!()
    };
    let Some(Expr::String(s)) = l.init() else {
        panic!()
    };
    let parts = s.parts();
    assert_eq!(parts[0], StringPart::Text("hello\n  ".into()));
    assert_eq!(parts[2], StringPart::Text("\nbye".into()));
}

#[test]
fn role_text() {
    let p = parse("role user: Hi {name}, # not a comment   \nrole system:\n  You are terse.\n    Indented.\nend\n");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let roles: Vec<RoleExpr> = p
        .tree()
        .items()
        .filter_map(|i| {
            if let Item::Stmt(Stmt::Role(r)) = i {
                Some(r)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(roles.len(), 2);
    let parts = roles[0].parts();
    assert_eq!(parts[0], StringPart::Text("Hi ".into()));
    assert_eq!(parts[2], StringPart::Text(", # not a comment".into()));
    assert_eq!(
        roles[1].parts(),
        vec![StringPart::Text("You are terse.\n  Indented.".into())]
    );
    assert_eq!(roles[1].role_name().unwrap().text(), "system");
}

#[test]
fn ints() {
    assert_eq!(decode_int("0x2A"), Ok(42));
    assert_eq!(decode_int("0b1010"), Ok(10));
    assert_eq!(decode_int("0o17"), Ok(15));
    assert_eq!(decode_int("1_000_000"), Ok(1_000_000));
    assert!(decode_int("99999999999999999999").is_err());
    assert!(decode_int("12abc").is_err());
    assert!(int_fits_i64(9223372036854775808, true));
    assert!(!int_fits_i64(9223372036854775808, false));
    assert!(parse("let x = -9223372036854775808\n").errors.is_empty());
    assert_eq!(parse("let x = 9223372036854775808\n").errors.len(), 1);
    assert_eq!(decode_float("2.5e-3"), Ok(0.0025));
    assert_eq!(decode_bytes("b\"4869\""), Ok(vec![0x48, 0x69]));
    assert_eq!(decode_bytes("b\"aB Cd_eF\""), Ok(vec![0xab, 0xcd, 0xef]));
    assert_eq!(decode_bytes("b\"\""), Ok(vec![]));
    assert!(decode_bytes("b\"123\"").is_err());
    assert!(decode_bytes("b\"zz\"").is_err());
    // A sign is not a hex digit (`u8::from_str_radix` would accept it).
    assert!(decode_bytes("b\"+1\"").is_err());
    assert!(decode_bytes("b\"-1\"").is_err());
}

#[test]
fn escapes() {
    assert_eq!(decode_escapes(r#"a\n\"\{\}\x41"#).0, "a\n\"{}A");
    let (_, errs) = decode_escapes(r"\q");
    assert_eq!(errs.len(), 1);
    assert_eq!(parse("print(\"bad \\q\")\n").errors.len(), 1);
}

#[test]
fn statements_and_patterns() {
    let src = "cell main()\n  let mut users = [1]\n  users[0].age += 1\n  for @outer (k, v) in m if k > 0\n    break @outer\n  end\n  match x\n    Circle(r) | Rect(w: r, ..) if r > 0 -> r\n    n: Int ->\n      print(n)\n      n\n    _ -> return 0\n  end\nend\n";
    let c = first_cell(src);
    let stmts: Vec<Stmt> = c.body().unwrap().stmts().collect();
    assert!(matches!(&stmts[0], Stmt::Let(l) if l.is_mut()));
    let Stmt::Assign(a) = &stmts[1] else {
        panic!("{:?}", stmts[1])
    };
    assert_eq!(a.compound_op(), Some(BinaryOp::Add));
    assert!(matches!(a.target(), Some(Expr::Field(_))));
    let Stmt::For(f) = &stmts[2] else { panic!() };
    assert_eq!(f.label().unwrap().text(), "outer");
    assert!(matches!(f.pattern(), Some(Pattern::Tuple(_))));
    assert!(f.filter().is_some());
    let Stmt::Match(m) = &stmts[3] else { panic!() };
    let arms: Vec<MatchArm> = m.arms().collect();
    assert_eq!(arms.len(), 3);
    assert_eq!(arms[0].patterns().count(), 2);
    assert!(arms[0].guard().is_some());
    assert!(matches!(arms[1].body(), Some(ArmBody::Block(b)) if b.stmts().count() == 2));
    assert!(matches!(arms[2].body(), Some(ArmBody::Block(_))));
    let Some(Pattern::Ctor(ctor)) = arms[0].patterns().nth(1) else {
        panic!()
    };
    assert!(matches!(ctor.args().next(), Some(CtorArg::Field(_))));
}

#[test]
fn doc_comments() {
    let p = parse(
        "```\nAdds one.\nReally.\n```\ncell inc(x: Int) -> Int = x + 1\n\ncell other() = 1\n",
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let cells: Vec<Cell> = p
        .tree()
        .items()
        .filter_map(|i| if let Item::Cell(c) = i { Some(c) } else { None })
        .collect();
    assert_eq!(
        doc_comment(cells[0].syntax()).as_deref(),
        Some("Adds one.\nReally.")
    );
    assert_eq!(doc_comment(cells[1].syntax()), None);
}

#[test]
fn concurrency_forms() {
    let p = parse("let r = await race\n  a()\n  b()\nend\nawait select\n  m = ch.receive()\n  timeout = sleep(10)\nend\nlet t = await timeout(5, slow())\n");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let items: Vec<Item> = p.tree().items().collect();
    let Item::Stmt(Stmt::Let(l)) = &items[0] else {
        panic!()
    };
    let Some(Expr::Await(a)) = l.init() else {
        panic!()
    };
    let Some(Expr::Concurrent(c)) = a.expr() else {
        panic!()
    };
    assert_eq!(c.kind(), Some(ConcurrentKind::Race));
    assert_eq!(c.branches().count(), 2);
    let Item::Stmt(Stmt::Expr(e)) = &items[1] else {
        panic!()
    };
    let Some(Expr::Await(a)) = e.expr() else {
        panic!()
    };
    let Some(Expr::Concurrent(c)) = a.expr() else {
        panic!()
    };
    let names: Vec<String> = c
        .branches()
        .filter_map(|b| b.name())
        .map(|n| n.text())
        .collect();
    assert_eq!(names, ["m", "timeout"]);
    let Item::Stmt(Stmt::Let(l)) = &items[2] else {
        panic!()
    };
    let Some(Expr::Await(a)) = l.init() else {
        panic!()
    };
    let Some(Expr::Timeout(t)) = a.expr() else {
        panic!()
    };
    assert!(t.duration().is_some() && t.body().is_some());
}

#[test]
fn if_chains_and_lambdas() {
    let p = parse("if a\n  1\nelse if let ok(v) = r\n  2\nelse\n  3\nend\nlet f = fn(x) => x\nlet g = fn()\n  1\nend\n");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let items: Vec<Item> = p.tree().items().collect();
    let Item::Stmt(Stmt::If(i)) = &items[0] else {
        panic!()
    };
    let (branches, else_block) = i.branches();
    assert_eq!(branches.len(), 2);
    assert!(matches!(branches[1].0, Some(Condition::Let(_))));
    assert!(else_block.is_some());
    let Item::Stmt(Stmt::Let(l)) = &items[1] else {
        panic!()
    };
    let Some(Expr::Lambda(f)) = l.init() else {
        panic!()
    };
    assert!(matches!(f.body(), Some(ArmBody::Expr(_))));
    let Item::Stmt(Stmt::Let(l)) = &items[2] else {
        panic!()
    };
    let Some(Expr::Lambda(g)) = l.init() else {
        panic!()
    };
    assert!(matches!(g.body(), Some(ArmBody::Block(_))));
}

#[test]
fn ranges_and_postfix() {
    let p = parse("let r = 0..10 step 2\nlet s = a?.b?[0]!\nlet t = x not in xs\n");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let inits: Vec<Expr> = p
        .tree()
        .items()
        .filter_map(|i| {
            if let Item::Stmt(Stmt::Let(l)) = i {
                l.init()
            } else {
                None
            }
        })
        .collect();
    let Expr::Range(r) = &inits[0] else { panic!() };
    assert!(r.start().is_some() && r.end().is_some() && r.step().is_some() && !r.is_inclusive());
    let Expr::Postfix(p1) = &inits[1] else {
        panic!()
    };
    assert_eq!(p1.op(), Some(PostfixOp::Unwrap));
    let Some(Expr::Index(ix)) = p1.operand() else {
        panic!()
    };
    assert!(ix.is_optional());
    let Expr::Binary(b) = &inits[2] else { panic!() };
    assert_eq!(b.op(), Some(BinaryOp::NotIn));
}

#[test]
fn escape_error_ranges_stay_on_char_boundaries() {
    for raw in [r"\x€", r"\xé1", r"\u{zz}€", r"\€"] {
        for e in decode_escapes(raw).1 {
            assert!(
                raw.is_char_boundary(e.start) && raw.is_char_boundary(e.end),
                "{raw}: {e:?}"
            );
        }
    }
}
