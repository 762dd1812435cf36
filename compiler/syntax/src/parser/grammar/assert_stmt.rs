//! The statement `assert cond [, message]` (docs/language-decisions.md,
//! "Idioms of test code"). `assert` is a contextual keyword: it starts this
//! statement only at the start of a statement and only when what follows
//! cannot continue an expression that uses `assert` as a name. So the
//! builtin call `assert(c, "m")`, a variable named `assert` (`assert = 1`,
//! `assert.x`, `assert[0] = 2`, `assert - 1`) and every other program that
//! parsed before parse as before.

use super::*;

/// Is the parser at an `assert` statement (as opposed to an expression
/// statement that begins with the name `assert`)?
pub(super) fn at_assert_stmt(p: &Parser<'_>) -> bool {
    if !p.at_contextual("assert") {
        return false;
    }
    let at = p.index_of_next();
    let next = at + 1;
    let adjacent = p.token_range(at).1 == p.token_range(next).0;
    match p.kind_at(next) {
        // `assert(c)` is the builtin call; `assert[i]` indexes a variable.
        L_PAREN | L_BRACK if adjacent => false,
        // `assert (a or b) and c` is the statement; `assert (c, "m")` alone
        // on its line stays the call it always was, and `assert [0] = 1`
        // the assignment.
        L_PAREN | L_BRACK => match close_of(p, next) {
            Some(close) => {
                let after = p.kind_at(close + 1);
                !(matches!(after, NEWLINE | EOF | END_KW | ELSE_KW) || after.is_assign_op())
            }
            None => false,
        },
        // `assert -x < 0` negates; `assert - 1` and `assert-1` subtract.
        MINUS => !adjacent && p.token_range(next).1 == p.token_range(next + 1).0,
        // `assert not in xs` is the operator `not in`.
        NOT_KW => p.kind_at(next + 1) != IN_KW,
        IDENT | UNDERSCORE | SELF_KW | INT_NUMBER | FLOAT_NUMBER | STRING_START | RAW_STRING
        | BYTES | TRUE_KW | FALSE_KW | NULL_KW | L_CURLY | FN_KW | IF_KW | MATCH_KW | WHEN_KW
        | DO_KW | LOOP_KW | TRY_KW | AWAIT_KW | SPAWN_KW | TILDE | PARALLEL_KW | RACE_KW
        | VOTE_KW | SELECT_KW => true,
        _ => false,
    }
}

/// The input index of the bracket that closes the one at `open`, if the
/// file has it.
fn close_of(p: &Parser<'_>, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut idx = open;
    loop {
        match p.kind_at(idx) {
            L_PAREN | L_BRACK | L_CURLY | QUESTION_BRACK => depth += 1,
            R_PAREN | R_BRACK | R_CURLY => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(idx);
                }
            }
            EOF => return None,
            _ => {}
        }
        idx += 1;
    }
}

/// `assert cond [, message]`.
pub(super) fn assert_stmt(p: &mut Parser<'_>) {
    let m = p.start();
    p.bump_any(); // `assert`
    expressions::expect_expr(p);
    if p.eat(COMMA) {
        p.eat_newlines();
        expressions::expect_expr(p);
    }
    stmt_end(p);
    m.complete(p, ASSERT_STMT);
}
