//! Expressions (syntax.md §6): Pratt parsing over the single binding-power
//! table [`infix_op`], prefix operators, postfix operators and primary forms.

mod primary;

use super::*;

/// Binding powers of prefix operators' operands.
const NOT_BP: u8 = 12;
const UNARY_BP: u8 = 32;
/// Binding power of the right operand of `step` (same level as `..`).
const STEP_BP: u8 = 25;

/// THE binding-power table: `(left bp, right bp, node kind, tokens)` for the
/// infix operator at the parser's position. Levels follow syntax.md §6; all
/// operators associate left except `**`.
fn infix_op(p: &Parser<'_>) -> Option<(u8, u8, SyntaxKind, usize)> {
    let k = p.current();
    let (l, r, node) = match k {
        TILDE_GT => (2, 3, BIN_EXPR),
        PIPE_GT => (4, 5, BIN_EXPR),
        QUESTION2 => (6, 7, BIN_EXPR),
        OR_KW => (8, 9, BIN_EXPR),
        AND_KW => (10, 11, BIN_EXPR),
        // level 6: prefix `not` (NOT_BP)
        EQ2 | NEQ | LT | LTEQ | GT | GTEQ | IN_KW => (14, 15, BIN_EXPR),
        NOT_KW if p.nth_at(1, IN_KW) => return Some((14, 15, BIN_EXPR, 2)),
        IS_KW => (14, 15, IS_EXPR),
        AS_KW => (14, 15, AS_EXPR),
        PIPE => (16, 17, BIN_EXPR),
        CARET => (18, 19, BIN_EXPR),
        AMP => (20, 21, BIN_EXPR),
        SHL | SHR => (22, 23, BIN_EXPR),
        DOT2 | DOT2EQ => (24, 25, RANGE_EXPR),
        PLUS2 => (26, 27, BIN_EXPR),
        PLUS | MINUS => (28, 29, BIN_EXPR),
        STAR | SLASH | SLASH2 | PERCENT => (30, 31, BIN_EXPR),
        // level 16: prefix `-` `~` `await` `try` (UNARY_BP)
        STAR2 => (35, 34, BIN_EXPR),
        _ => return None,
    };
    Some((l, r, node, 1))
}

fn is_relational(k: SyntaxKind) -> bool {
    matches!(k, EQ2 | NEQ | LT | LTEQ | GT | GTEQ)
}

pub(super) fn expr(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    expr_bp(p, 0)
}

/// An expression that must be there; reports an error if it is not.
pub(super) fn expect_expr(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let r = expr(p);
    if r.is_none() {
        let found = p.found();
        p.error_with(
            format!("expected an expression, found {found}"),
            Some("expected an expression"),
            None,
        );
    }
    r
}

pub(super) fn expr_bp_pub(p: &mut Parser<'_>, min_bp: u8) -> Option<CompletedMarker> {
    expr_bp(p, min_bp)
}

pub(super) fn arm_body_pub(p: &mut Parser<'_>, indent: u32) {
    primary::arm_body_pub(p, indent)
}

fn expr_bp(p: &mut Parser<'_>, min_bp: u8) -> Option<CompletedMarker> {
    if !p.enter() {
        return None;
    }
    let r = expr_bp_inner(p, min_bp);
    p.leave();
    r
}

fn expr_bp_inner(p: &mut Parser<'_>, min_bp: u8) -> Option<CompletedMarker> {
    let mut lhs = lhs(p)?;
    let mut prev_relational: Option<(u32, u32)> = None;
    while let Some((l_bp, r_bp, node, n_tokens)) = infix_op(p) {
        if l_bp < min_bp {
            break;
        }
        let op = p.current();
        let op_range = p.token_range(p.index_of_next());
        if is_relational(op) {
            if let Some(first) = prev_relational {
                p.error_at(
                    (first.0, op_range.1),
                    "comparison operators cannot be chained",
                    Some("second comparison here"),
                    Some("split it with `and`: `a < b and b < c`"),
                );
            }
            prev_relational = Some(op_range);
        } else if l_bp != 14 {
            prev_relational = None;
        }
        let m = lhs.precede(p);
        for _ in 0..n_tokens {
            p.bump_any();
        }
        // `a..` ends before `]` too: a slice to the end, `xs[2..]`.
        let open_ended = node == RANGE_EXPR
            && op == DOT2
            && (p.at(R_BRACK)
                || p.open_range_ok && (p.at_line_end() || p.at(IF_KW) || p.at_contextual("step")));
        if !open_ended {
            p.eat_newlines();
        }
        match node {
            _ if open_ended => {}
            IS_EXPR | AS_EXPR => types::type_(p),
            _ => {
                if expr_bp(p, r_bp).is_none() {
                    let found = p.found();
                    p.error_with(
                        format!("expected an expression after the operator, found {found}"),
                        Some("expected an expression"),
                        None,
                    );
                }
            }
        }
        if node == RANGE_EXPR && p.at_contextual("step") {
            p.bump_any();
            p.eat_newlines();
            if expr_bp(p, STEP_BP).is_none() {
                p.error_with(
                    "expected the step after `step`",
                    Some("expected an expression"),
                    None,
                );
            }
        }
        lhs = m.complete(p, node);
    }
    Some(lhs)
}

fn lhs(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let (node, bp) = match p.current() {
        NOT_KW => (PREFIX_EXPR, NOT_BP),
        MINUS | TILDE => (PREFIX_EXPR, UNARY_BP),
        AWAIT_KW => (AWAIT_EXPR, UNARY_BP),
        TRY_KW => (TRY_EXPR, UNARY_BP),
        _ => {
            let prim = primary::primary(p)?;
            return Some(postfix(p, prim));
        }
    };
    let m = p.start();
    p.bump_any();
    if expr_bp(p, bp).is_none() {
        let found = p.found();
        p.error_with(
            format!("expected an operand, found {found}"),
            Some("expected an expression"),
            None,
        );
    }
    Some(m.complete(p, node))
}

/// Calls, member access, indexing, `!` and `?` (the tightest level).
fn postfix(p: &mut Parser<'_>, mut lhs: CompletedMarker) -> CompletedMarker {
    loop {
        lhs = match p.current() {
            L_PAREN => {
                let m = lhs.precede(p);
                arg_list(p);
                m.complete(p, CALL_EXPR)
            }
            DOT | QUESTION_DOT => {
                let m = lhs.precede(p);
                p.bump_any();
                if p.at(INT_NUMBER) || p.nth_is_word(0) {
                    let n = p.start();
                    p.bump_remap(if p.at(INT_NUMBER) { INT_NUMBER } else { IDENT });
                    n.complete(p, NAME_REF);
                } else {
                    let found = p.found();
                    p.error_with(
                        format!("expected a member name after `.`, found {found}"),
                        Some("expected a name"),
                        None,
                    );
                }
                m.complete(p, FIELD_EXPR)
            }
            L_BRACK | QUESTION_BRACK => {
                let m = lhs.precede(p);
                let open = here(p);
                p.bump_any();
                p.push_brackets();
                expect_expr(p);
                close_after_junk(p, R_BRACK, open);
                p.pop_mode();
                m.complete(p, INDEX_EXPR)
            }
            BANG | QUESTION => {
                let m = lhs.precede(p);
                p.bump_any();
                m.complete(p, POSTFIX_EXPR)
            }
            _ => return lhs,
        };
    }
}

/// `( [arg {, arg} [,]] )` where `arg = [name :] expr | ... expr`.
pub(super) fn arg_list(p: &mut Parser<'_>) {
    let m = p.start();
    let open = here(p);
    p.bump(L_PAREN);
    p.push_brackets();
    while !p.at(R_PAREN) && !p.at_eof() && !p.at_recovery_point() {
        let a = p.start();
        if p.eat(DOT3) {
            expect_expr(p);
        } else {
            if p.nth_is_word(0) && p.nth_at(1, COLON) {
                word_name(p);
                p.bump(COLON);
            }
            if expr(p).is_none() {
                let found = p.found();
                p.error_with(
                    format!("expected an argument, found {found}"),
                    Some("expected an expression"),
                    None,
                );
                a.abandon(p);
                if !p.at(R_PAREN) && !p.at_eof() {
                    recover_until(p, &[COMMA, R_PAREN]);
                    p.eat(COMMA);
                }
                continue;
            }
        }
        a.complete(p, ARG);
        if !list_sep(p, R_PAREN) {
            break;
        }
    }
    expect_close(p, R_PAREN, open);
    p.pop_mode();
    m.complete(p, ARG_LIST);
}

/// Skips tokens (into an `ERROR` node) until one of `kinds`, an unmatched
/// closing bracket or end of file, respecting nested brackets.
pub(super) fn recover_until(p: &mut Parser<'_>, kinds: &[SyntaxKind]) {
    if p.at_ts(kinds) || p.at_eof() || p.at_recovery_point() {
        return;
    }
    let m = p.start();
    let mut depth = 0u32;
    let mut first = true;
    while !p.at_eof() {
        let k = p.current();
        if depth == 0
            && !first
            && (kinds.contains(&k)
                || matches!(k, R_PAREN | R_BRACK | R_CURLY)
                || p.at_recovery_point())
        {
            break;
        }
        first = false;
        match k {
            L_PAREN | L_BRACK | L_CURLY | QUESTION_BRACK => depth += 1,
            R_PAREN | R_BRACK | R_CURLY => depth = depth.saturating_sub(1),
            _ => {}
        }
        p.bump_any();
    }
    m.complete(p, ERROR);
}
