//! The Lumen grammar, one submodule per area. This module holds the file rule
//! and the small pieces shared by all areas: names, paths, labels, blocks,
//! statement terminators and error recovery.

mod assert_stmt;
mod expressions;
mod items;
mod patterns;
mod statements;
mod types;

use super::{CompletedMarker, Marker, Parser};
use crate::SyntaxKind::{self, *};

pub(crate) fn source_file(p: &mut Parser<'_>) {
    let m = p.start();
    while !p.at_eof() {
        if p.eat(NEWLINE) {
            continue;
        }
        if p.at(AT) {
            directive(p);
            continue;
        }
        if p.at_ts(&[END_KW, ELSE_KW]) {
            let found = p.found();
            p.error_with(
                format!("unexpected {found} at top level"),
                Some("nothing to close here"),
                Some("remove it, or check the `end`s above"),
            );
            let e = p.start();
            p.bump_any();
            e.complete(p, ERROR);
            continue;
        }
        statements::stmt(p);
    }
    m.complete(p, SOURCE_FILE);
}

/// `@deterministic true`
fn directive(p: &mut Parser<'_>) {
    let m = p.start();
    p.bump(AT);
    if p.at(IDENT) {
        name(p);
        if !p.at_line_end() {
            expressions::expr(p);
        }
    } else {
        p.error_expected(&[IDENT]);
    }
    stmt_end(p);
    m.complete(p, DIRECTIVE);
}

/// A defining name (`IDENT`).
fn name(p: &mut Parser<'_>) -> bool {
    if p.at(IDENT) || p.at(UNDERSCORE) {
        let m = p.start();
        p.bump_any();
        m.complete(p, NAME);
        true
    } else {
        p.error_expected(&[IDENT]);
        false
    }
}

/// A defining name that may be any keyword (record fields, named arguments).
fn word_name(p: &mut Parser<'_>) {
    if p.nth_is_word(0) {
        let m = p.start();
        p.bump_remap(IDENT);
        m.complete(p, NAME);
    } else {
        p.error_expected(&[IDENT]);
    }
}

/// A use of a name; `self` included.
fn name_ref(p: &mut Parser<'_>) -> bool {
    if p.at_ts(&[IDENT, SELF_KW, UNDERSCORE]) {
        let m = p.start();
        p.bump_any();
        m.complete(p, NAME_REF);
        true
    } else {
        p.error_expected(&[IDENT]);
        false
    }
}

/// `a.b.c` (segments after the first may be keywords).
fn path(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    name_ref(p);
    while p.at(DOT) && p.nth_is_word(1) {
        p.bump(DOT);
        let s = p.start();
        p.bump_remap(IDENT);
        s.complete(p, NAME_REF);
    }
    m.complete(p, PATH)
}

/// `@name` after `for`/`while`/`loop`/`break`/`continue`.
fn opt_label(p: &mut Parser<'_>) {
    if p.at(AT) {
        let m = p.start();
        p.bump(AT);
        name_ref(p);
        m.complete(p, LABEL);
    }
}

/// Where a block stops (besides `end` and end of file).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Only `end`.
    End,
    /// `else` or `end` (bodies of `if`).
    Else,
    /// The contextual `with` (the body of `handle`).
    With,
    /// A line indented no deeper than the given column (match/when arms, handle clauses).
    Dedent(u32),
}

fn at_stop(p: &Parser<'_>, stop: Stop) -> bool {
    if p.at_eof() || p.at(END_KW) {
        return true;
    }
    match stop {
        Stop::End => false,
        Stop::Else => p.at(ELSE_KW),
        Stop::With => p.at_contextual("with"),
        Stop::Dedent(col) => p.current_line_indent() <= col,
    }
}

/// A sequence of statements, newline-sensitive even inside brackets. `owner_indent`
/// is the indentation of the construct that opened it: an item keyword at that
/// indentation or less means its `end` is missing, so the block stops there.
fn block(p: &mut Parser<'_>, stop: Stop, owner_indent: u32) -> CompletedMarker {
    if !p.enter() {
        let m = p.start();
        return m.complete(p, BLOCK);
    }
    let cm = block_inner(p, stop, owner_indent);
    p.leave();
    cm
}

fn block_inner(p: &mut Parser<'_>, stop: Stop, owner_indent: u32) -> CompletedMarker {
    p.push_block();
    let m = p.start();
    loop {
        if p.eat(NEWLINE) {
            continue;
        }
        if at_stop(p, stop) {
            break;
        }
        if p.current_starts_line()
            && p.current_line_indent() <= owner_indent
            && items::at_decl_start(p)
            && owner_indent != u32::MAX
        {
            break;
        }
        statements::stmt(p);
    }
    let cm = m.complete(p, BLOCK);
    p.pop_mode();
    cm
}

/// Expects the `end` closing a construct whose opening keyword spans `opener`.
fn expect_end(p: &mut Parser<'_>, opener: (u32, u32), what: &str) {
    // An `end` on its own line indented less than the line that opened this
    // construct closes an enclosing one: this one was left open, and the
    // error points at it rather than at the cell whose `end` it took.
    let closes_outer = p.at(END_KW)
        && p.current_starts_line()
        && p.current_line_indent() < p.line_indent_at(opener.0);
    if !closes_outer && p.eat(END_KW) {
        return;
    }
    if closes_outer {
        p.error_at(
            opener,
            format!("`{what}` is never closed"),
            Some(&format!("this `{what}` has no `end`")),
            Some("the next `end` is indented like an enclosing block, so it closes that one; add an `end` for this one"),
        );
        return;
    }
    let found = p.found();
    p.error_at(
        opener,
        format!("expected `end` to close `{what}`, found {found}"),
        Some(&format!("`{what}` started here")),
        Some("every block ends with `end` on its own line"),
    );
}

/// After a statement or declaration line: a newline, end of file, or a closing keyword.
fn stmt_end(p: &mut Parser<'_>) {
    if p.at_line_end() || p.at(END_KW) || p.at(ELSE_KW) {
        return;
    }
    let found = p.found();
    p.error_with(
        format!("expected a newline, found {found}"),
        Some("unexpected here"),
        Some("put each statement on its own line"),
    );
    recover_line(p);
}

/// Wraps the rest of the line in an `ERROR` node.
fn recover_line(p: &mut Parser<'_>) {
    if p.at_line_end() {
        return;
    }
    p.push_block();
    let m = p.start();
    while !p.at_line_end() {
        p.bump_any();
    }
    m.complete(p, ERROR);
    p.pop_mode();
}

/// Reports an error and wraps the rest of the line in an `ERROR` node; always
/// consumes at least one token unless at a line end.
fn error_line(p: &mut Parser<'_>, message: String, label: &str) {
    p.error_with(message, Some(label), None);
    recover_line(p);
}

/// After an element of a bracketed list: `,` (continue), the closing bracket
/// (continue; the loop ends), or a mistake. Returns `false` when the list should
/// stop because a line starting a statement shows the bracket was never closed.
fn list_sep(p: &mut Parser<'_>, close: SyntaxKind) -> bool {
    if p.at(close) || p.eat(COMMA) {
        return true;
    }
    if p.at_eof() || p.at_recovery_point() {
        return false;
    }
    p.error_expected(&[COMMA, close]);
    expressions::recover_until(p, &[close]);
    true
}

/// Expects the closing bracket of a list opened at `open`.
fn expect_close(p: &mut Parser<'_>, close: SyntaxKind, open: (u32, u32)) {
    if p.eat(close) {
        return;
    }
    // A mistake inside the brackets was already reported: one error is enough.
    if p.last_error_start().is_some_and(|s| s > open.0) {
        return;
    }
    let (c, o) = match close {
        R_PAREN => (")", "("),
        R_BRACK => ("]", "["),
        _ => ("}", "{"),
    };
    let found = p.found();
    p.error_at(
        open,
        format!("expected `{c}` to close `{o}`, found {found}"),
        Some(&format!("unclosed `{o}`")),
        None,
    );
}

/// Range of the next token (for remembering where a construct opened).
fn here(p: &Parser<'_>) -> (u32, u32) {
    p.token_range(p.index_of_next())
}

/// Like [`expect_close`], but first skips junk before the closing bracket
/// (reporting it once) unless a statement line shows the bracket is unclosed.
fn close_after_junk(p: &mut Parser<'_>, close: SyntaxKind, open: (u32, u32)) {
    if !p.at(close) && !p.at_eof() && !p.at_recovery_point() {
        p.error_expected(&[close]);
        expressions::recover_until(p, &[close]);
        p.eat(close);
        return;
    }
    expect_close(p, close, open);
}
