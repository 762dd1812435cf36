//! Statements (syntax.md §5): `let`, assignment, loops, `return`/`halt`/
//! `break`/`continue`, `defer`, `emit`, `assert` (in [`super::assert_stmt`])
//! and expression statements. `if`, `match` and `role` in statement position
//! are their expression nodes, unwrapped; a `loop` there is a `LOOP_STMT`,
//! and a `LOOP_EXPR` where an expression is expected.

use super::*;

pub(super) fn stmt(p: &mut Parser<'_>) {
    match p.current() {
        LET_KW => let_stmt(p),
        FOR_KW => for_stmt(p),
        WHILE_KW => while_stmt(p),
        LOOP_KW => loop_stmt(p),
        RETURN_KW | HALT_KW | BREAK_KW | CONTINUE_KW | EMIT_KW => jump_stmt(p),
        DEFER_KW => defer_stmt(p),
        IDENT if assert_stmt::at_assert_stmt(p) => assert_stmt::assert_stmt(p),
        _ if items::at_item(p) => items::item(p),
        _ => expr_stmt(p),
    }
}

/// A statement that fits on one line after a match/when arrow; an expression
/// statement is left as the bare expression, anything else is wrapped in a `BLOCK`.
pub(super) fn arm_stmt(p: &mut Parser<'_>) {
    match p.current() {
        LET_KW | FOR_KW | WHILE_KW | LOOP_KW | RETURN_KW | HALT_KW | BREAK_KW | CONTINUE_KW
        | EMIT_KW | DEFER_KW => {
            let m = p.start();
            stmt(p);
            m.complete(p, BLOCK);
        }
        IDENT if assert_stmt::at_assert_stmt(p) => {
            let m = p.start();
            stmt(p);
            m.complete(p, BLOCK);
        }
        _ => {
            let m = p.start();
            match expressions::expr(p) {
                Some(lhs) if p.current().is_assign_op() => {
                    // An assignment is a statement, so the arm body becomes a block.
                    let a = lhs.precede(p);
                    p.bump_any();
                    p.eat_newlines();
                    expressions::expect_expr(p);
                    a.complete(p, ASSIGN_STMT);
                    m.complete(p, BLOCK);
                }
                Some(_) => m.abandon(p),
                None => {
                    m.abandon(p);
                    let found = p.found();
                    error_line(
                        p,
                        format!("expected an expression or statement after `->`, found {found}"),
                        "expected a statement",
                    );
                }
            }
        }
    }
}

fn let_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    p.bump(LET_KW);
    p.eat(MUT_KW);
    patterns::pattern_no_type_test(p);
    if p.eat(COLON) {
        types::type_(p);
    }
    if p.expect(EQ) {
        p.eat_newlines();
        expressions::expect_expr(p);
    }
    stmt_end(p);
    m.complete(p, LET_STMT);
}

fn expr_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    let Some(lhs) = expressions::expr(p) else {
        m.abandon(p);
        let found = p.found();
        let e = p.start();
        p.error_with(
            format!("expected a statement, found {found}"),
            Some("not the start of a statement or expression"),
            None,
        );
        p.bump_any();
        while !p.at_line_end() {
            p.bump_any();
        }
        e.complete(p, ERROR);
        return;
    };
    if p.current().is_assign_op() {
        p.bump_any();
        p.eat_newlines();
        expressions::expect_expr(p);
        stmt_end(p);
        m.complete(p, ASSIGN_STMT);
        return;
    }
    stmt_end(p);
    if matches!(lhs.kind(), IF_EXPR | MATCH_EXPR | ROLE_EXPR) {
        m.abandon(p);
    } else {
        m.complete(p, EXPR_STMT);
    }
}

/// `let pat = expr` as an `if`/`while` condition, or a plain expression.
pub(super) fn condition(p: &mut Parser<'_>) {
    if p.at(LET_KW) {
        let m = p.start();
        p.bump(LET_KW);
        patterns::pattern(p);
        if p.expect(EQ) {
            p.eat_newlines();
            expressions::expect_expr(p);
        }
        m.complete(p, LET_COND);
    } else {
        expressions::expect_expr(p);
    }
}

fn for_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.bump(FOR_KW);
    opt_label(p);
    // `for i in 0..` loops until `break` (only a `for` statement can).
    p.open_range_ok = true;
    for_header(p);
    body_end(p, opener, indent, "for");
    m.complete(p, FOR_STMT);
}

/// `pattern in expr [if expr]` (shared by `for`, `parallel for`, comprehensions).
pub(super) fn for_header(p: &mut Parser<'_>) {
    patterns::pattern(p);
    if p.expect(IN_KW) {
        expressions::expect_expr(p);
    }
    p.open_range_ok = false;
    if p.at(IF_KW) {
        p.bump(IF_KW);
        expressions::expect_expr(p);
    }
}

/// A header's end of line, a block, and its `end`.
pub(super) fn body_end(p: &mut Parser<'_>, opener: (u32, u32), indent: u32, what: &str) {
    header_end(p, what);
    block(p, Stop::End, indent);
    expect_end(p, opener, what);
}

/// The newline that ends a block header; junk before it is one error.
pub(super) fn header_end(p: &mut Parser<'_>, what: &str) {
    if !p.at_line_end() {
        let found = p.found();
        let help = match p.current() {
            EQ => Some("to compare values use `==`"),
            L_CURLY => Some("blocks are not written in braces: put the body on the following lines and close it with `end`"),
            COLON => Some("no `:` is needed: put the body on the following lines and close it with `end`"),
            _ if what == "if" => Some("the body goes on the following lines; for a value on one line write `if cond then a else b`"),
            _ => None,
        };
        p.error_with(
            format!("expected a newline after the `{what}` header, found {found}"),
            Some("the body starts on the next line"),
            help,
        );
        recover_line(p);
    }
}

fn while_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.bump(WHILE_KW);
    opt_label(p);
    condition(p);
    body_end(p, opener, indent, "while");
    m.complete(p, WHILE_STMT);
}

fn loop_stmt(p: &mut Parser<'_>) {
    loop_node(p, LOOP_STMT);
}

/// `loop [@label] NL block end`, as a statement (`LOOP_STMT`) or, where an
/// expression is expected, as an expression whose value `break value`
/// gives (`LOOP_EXPR`, docs/language-decisions.md).
pub(super) fn loop_node(p: &mut Parser<'_>, kind: SyntaxKind) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.bump(LOOP_KW);
    opt_label(p);
    body_end(p, opener, indent, "loop");
    m.complete(p, kind)
}

fn defer_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.bump(DEFER_KW);
    body_end(p, opener, indent, "defer");
    m.complete(p, DEFER_STMT);
}

fn value_follows(p: &Parser<'_>) -> bool {
    !(p.at_line_end() || p.at(END_KW) || p.at(ELSE_KW))
}

/// `return [e]`, `halt e`, `break [@l] [e]`, `continue [@l]`, `emit e`.
fn jump_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    let kw = p.current();
    p.bump_any();
    let kind = match kw {
        RETURN_KW => {
            if value_follows(p) {
                expressions::expect_expr(p);
            }
            RETURN_STMT
        }
        HALT_KW => {
            expressions::expect_expr(p);
            HALT_STMT
        }
        BREAK_KW => {
            opt_label(p);
            if value_follows(p) {
                expressions::expect_expr(p);
            }
            BREAK_STMT
        }
        CONTINUE_KW => {
            opt_label(p);
            CONTINUE_STMT
        }
        _ => {
            expressions::expect_expr(p);
            EMIT_STMT
        }
    };
    stmt_end(p);
    m.complete(p, kind);
}
