//! Types (syntax.md §9): named types with arguments (`list[Int]`,
//! `Pair[A, B]`), tuples, unions `A | B`, optionals `T?`, `null`, and
//! function types with effect rows.

use super::*;

/// A type, unions included.
pub(super) fn type_(p: &mut Parser<'_>) {
    type_impl(p, true);
}

/// A type without top-level `|` (type tests in match arms, where `|`
/// separates alternatives, and bounds, where `+` does).
pub(super) fn type_no_union(p: &mut Parser<'_>) {
    type_impl(p, false);
}

fn type_impl(p: &mut Parser<'_>, allow_union: bool) {
    if !p.enter() {
        return;
    }
    if let Some(first) = optional_type(p) {
        if allow_union && p.at(PIPE) {
            let m = first.precede(p);
            while p.eat(PIPE) {
                p.eat_newlines();
                if optional_type(p).is_none() {
                    expected_type(p);
                    break;
                }
            }
            m.complete(p, UNION_TYPE);
        }
    } else {
        expected_type(p);
    }
    p.leave();
}

fn expected_type(p: &mut Parser<'_>) {
    let found = p.found();
    p.error_with(format!("expected a type, found {found}"), Some("expected a type"), Some("types look like `Int`, `list[String]`, `(Int, Bool)`, `T?`, `A | B` or `fn(Int) -> Int`"));
}

fn optional_type(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let mut t = atom_type(p)?;
    while p.at(QUESTION) {
        let m = t.precede(p);
        p.bump(QUESTION);
        t = m.complete(p, OPTIONAL_TYPE);
    }
    Some(t)
}

fn atom_type(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let m = p.start();
    let kind = match p.current() {
        NULL_KW => {
            p.bump(NULL_KW);
            NULL_TYPE
        }
        IDENT | SELF_KW => {
            path(p);
            if p.at(L_BRACK) {
                let a = p.start();
                let open = here(p);
                p.bump(L_BRACK);
                p.push_brackets();
                while !p.at(R_BRACK) && !p.at_eof() && !p.at_recovery_point() {
                    let before = p.pos();
                    type_(p);
                    if p.pos() == before {
                        expressions::recover_until(p, &[COMMA, R_BRACK]);
                    }
                    if !list_sep(p, R_BRACK) {
                        break;
                    }
                }
                expect_close(p, R_BRACK, open);
                p.pop_mode();
                a.complete(p, TYPE_ARG_LIST);
            }
            PATH_TYPE
        }
        L_PAREN => {
            let open = here(p);
            p.bump(L_PAREN);
            p.push_brackets();
            let mut kind = PAREN_TYPE;
            if p.at(R_PAREN) {
                kind = TUPLE_TYPE;
            } else {
                type_(p);
                while p.eat(COMMA) {
                    kind = TUPLE_TYPE;
                    if p.at(R_PAREN) {
                        break;
                    }
                    let before = p.pos();
                    type_(p);
                    if p.pos() == before {
                        expressions::recover_until(p, &[COMMA, R_PAREN]);
                    }
                }
            }
            close_after_junk(p, R_PAREN, open);
            p.pop_mode();
            kind
        }
        FN_KW => {
            p.bump(FN_KW);
            let open = here(p);
            if p.eat(L_PAREN) {
                p.push_brackets();
                while !p.at(R_PAREN) && !p.at_eof() && !p.at_recovery_point() {
                    let before = p.pos();
                    type_(p);
                    if p.pos() == before {
                        expressions::recover_until(p, &[COMMA, R_PAREN]);
                    }
                    if !list_sep(p, R_PAREN) {
                        break;
                    }
                }
                expect_close(p, R_PAREN, open);
                p.pop_mode();
            } else {
                p.error_expected(&[L_PAREN]);
            }
            items::opt_ret_type(p);
            items::opt_effect_row(p);
            FN_TYPE
        }
        _ => {
            m.abandon(p);
            return None;
        }
    };
    Some(m.complete(p, kind))
}
