//! Patterns (syntax.md §8): wildcards, bindings, literals and ranges, type
//! tests `name: T`, constructors with positional or named fields (`name:`
//! alone puns `name: name`), tuples, lists with rest, and or-patterns.
//!
//! A lone name is an `IDENT_PAT`; whether it binds or names a payload-less
//! variant (`Pending`) is decided by name resolution, not here.

use super::*;

/// A pattern including `a | b` alternatives (inside brackets).
pub(super) fn pattern(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let first = pattern_single(p, true)?;
    if !p.at(PIPE) {
        return Some(first);
    }
    let m = first.precede(p);
    while p.eat(PIPE) {
        if pattern_single(p, true).is_none() {
            p.error_expected(&[IDENT]);
            break;
        }
    }
    Some(m.complete(p, OR_PAT))
}

/// The pattern of a `let`: a top-level `x: T` is the binding's annotation,
/// not a type test.
pub(super) fn pattern_no_type_test(p: &mut Parser<'_>) {
    if pattern_single(p, false).is_none() {
        let found = p.found();
        p.error_with(
            format!("expected a pattern, found {found}"),
            Some("expected a name or pattern"),
            None,
        );
    }
}

fn at_literal_start(p: &Parser<'_>) -> bool {
    matches!(
        p.current(),
        INT_NUMBER
            | FLOAT_NUMBER
            | STRING_START
            | RAW_STRING
            | BYTES
            | TRUE_KW
            | FALSE_KW
            | NULL_KW
    ) || (p.at(MINUS) && matches!(p.nth(1), INT_NUMBER | FLOAT_NUMBER))
}

/// A literal (with optional leading `-`) as a `LITERAL` expression node.
fn literal(p: &mut Parser<'_>) {
    if p.at(MINUS) {
        let m = p.start();
        p.bump(MINUS);
        let l = p.start();
        p.bump_any();
        l.complete(p, LITERAL);
        m.complete(p, PREFIX_EXPR);
    } else if p.at(STRING_START) {
        expressions::expr_bp_pub(p, 36);
    } else {
        let m = p.start();
        p.bump_any();
        m.complete(p, LITERAL);
    }
}

pub(super) fn pattern_single(p: &mut Parser<'_>, type_test: bool) -> Option<CompletedMarker> {
    if !p.enter() {
        return None;
    }
    let r = pattern_inner(p, type_test);
    p.leave();
    r
}

fn pattern_inner(p: &mut Parser<'_>, type_test: bool) -> Option<CompletedMarker> {
    let m = p.start();
    if at_literal_start(p) {
        literal(p);
        if p.at(DOT2) || p.at(DOT2EQ) {
            p.bump_any();
            if at_literal_start(p) {
                literal(p);
            } else {
                p.error_with(
                    "expected the end of the range",
                    Some("expected a literal"),
                    None,
                );
            }
            return Some(m.complete(p, RANGE_PAT));
        }
        return Some(m.complete(p, LITERAL_PAT));
    }
    let kind = match p.current() {
        UNDERSCORE => {
            p.bump(UNDERSCORE);
            WILDCARD_PAT
        }
        IDENT | SELF_KW => {
            if type_test && p.nth_at(1, COLON) {
                name_or_self(p);
                p.bump(COLON);
                types::type_no_union(p);
                TYPE_TEST_PAT
            } else if p.nth_at(1, DOT) || p.nth_at(1, L_PAREN) {
                path(p);
                if p.at(L_PAREN) {
                    ctor_args(p);
                }
                CTOR_PAT
            } else {
                name_or_self(p);
                IDENT_PAT
            }
        }
        L_PAREN => {
            let open = here(p);
            p.bump(L_PAREN);
            p.push_brackets();
            let mut kind = PAREN_PAT;
            if p.at(R_PAREN) {
                kind = TUPLE_PAT;
            } else {
                sub_pattern(p, &[COMMA, R_PAREN]);
                while p.eat(COMMA) {
                    kind = TUPLE_PAT;
                    if p.at(R_PAREN) {
                        break;
                    }
                    sub_pattern(p, &[COMMA, R_PAREN]);
                }
            }
            close_after_junk(p, R_PAREN, open);
            p.pop_mode();
            kind
        }
        L_BRACK => {
            let open = here(p);
            p.bump(L_BRACK);
            p.push_brackets();
            while !p.at(R_BRACK) && !p.at_eof() && !p.at_recovery_point() {
                if p.at(DOT3) {
                    let r = p.start();
                    p.bump(DOT3);
                    if p.at(IDENT) || p.at(UNDERSCORE) {
                        name(p);
                    }
                    r.complete(p, REST_PAT);
                } else {
                    sub_pattern(p, &[COMMA, R_BRACK]);
                }
                if !list_sep(p, R_BRACK) {
                    break;
                }
            }
            expect_close(p, R_BRACK, open);
            p.pop_mode();
            LIST_PAT
        }
        _ => {
            m.abandon(p);
            return None;
        }
    };
    Some(m.complete(p, kind))
}

/// A pattern inside brackets; on failure skips to one of `until`.
fn sub_pattern(p: &mut Parser<'_>, until: &[SyntaxKind]) {
    if pattern(p).is_none() {
        let found = p.found();
        p.error_with(
            format!("expected a pattern, found {found}"),
            Some("expected a pattern"),
            None,
        );
        expressions::recover_until(p, until);
    }
}

fn name_or_self(p: &mut Parser<'_>) {
    let m = p.start();
    p.bump_any();
    m.complete(p, NAME);
}

/// `(p, q)`, `(name: p, other)`, `(name:, ..)`, `(a, ..)`.
fn ctor_args(p: &mut Parser<'_>) {
    let open = here(p);
    p.bump(L_PAREN);
    p.push_brackets();
    while !p.at(R_PAREN) && !p.at_eof() && !p.at_recovery_point() {
        if p.at(DOT2) {
            let r = p.start();
            p.bump(DOT2);
            r.complete(p, REST_PAT);
        } else if p.nth_is_word(0) && p.nth_at(1, COLON) {
            // Inside a constructor `name: p` is always a field pattern (§8).
            let f = p.start();
            let keyword = p.current().is_keyword();
            let field = p.found();
            let at = here(p);
            word_name(p);
            p.bump(COLON);
            if p.at(COMMA) || p.at(R_PAREN) {
                // `radius:` puns `radius: radius` (docs/language-decisions.md),
                // which a keyword field cannot: it would bind a keyword.
                if keyword {
                    p.error_at(
                        at,
                        format!("the field {field} cannot bind a variable of its own name"),
                        Some("a keyword is not a variable name"),
                        Some("name the variable: `type: t`"),
                    );
                }
            } else {
                sub_pattern(p, &[COMMA, R_PAREN]);
            }
            f.complete(p, FIELD_PAT);
        } else {
            sub_pattern(p, &[COMMA, R_PAREN]);
        }
        if !list_sep(p, R_PAREN) {
            break;
        }
    }
    expect_close(p, R_PAREN, open);
    p.pop_mode();
}
