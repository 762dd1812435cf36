//! Primary expressions: literals, strings with interpolation, names, brackets
//! (tuples, lists, maps, sets, comprehensions), lambdas, block expressions
//! (`if`, `match`, `when`, `do`, `loop`, `handle`) and the concurrency forms.

use super::*;

pub(super) fn primary(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let cm = match p.current() {
        INT_NUMBER | FLOAT_NUMBER | RAW_STRING | BYTES | TRUE_KW | FALSE_KW | NULL_KW => {
            let m = p.start();
            p.bump_any();
            m.complete(p, LITERAL)
        }
        STRING_START => string(p),
        IDENT => return Some(ident_form(p)),
        SELF_KW | UNDERSCORE => {
            let m = p.start();
            p.bump_any();
            m.complete(p, NAME_REF)
        }
        L_PAREN => paren(p),
        L_BRACK => list(p),
        L_CURLY => map_or_set(p),
        FN_KW => lambda(p),
        IF_KW => if_expr(p),
        MATCH_KW => match_expr(p),
        WHEN_KW => when_expr(p),
        DO_KW => do_expr(p),
        LOOP_KW => statements::loop_node(p, LOOP_EXPR),
        SPAWN_KW => spawn(p),
        PARALLEL_KW if p.nth_at(1, FOR_KW) => parallel_for(p),
        PARALLEL_KW | RACE_KW | VOTE_KW | SELECT_KW => concurrent(p),
        _ => return None,
    };
    Some(cm)
}

/// Identifiers, including the contextual forms `role NAME:`, `handle`,
/// `perform`, `timeout(…)` and `set[…]` (syntax.md §2).
fn ident_form(p: &mut Parser<'_>) -> CompletedMarker {
    let text = p.nth_text(0);
    match text {
        "role"
            if p.nth_is_word(1)
                && p.nth_at(2, COLON)
                && matches!(p.nth(3), ROLE_TEXT | INTERP_START | EOF) =>
        {
            role_expr(p)
        }
        "handle" if p.raw_after_current() == NEWLINE || one_line_handle(p) => handle_expr(p),
        "perform" if p.nth_at(1, IDENT) => {
            let m = p.start();
            p.bump_any();
            path(p);
            if p.at(L_PAREN) {
                arg_list(p);
            } else {
                p.error_expected(&[L_PAREN]);
            }
            m.complete(p, PERFORM_EXPR)
        }
        "timeout" if p.nth_at(1, L_PAREN) => {
            let m = p.start();
            p.bump_any();
            arg_list(p);
            m.complete(p, TIMEOUT_EXPR)
        }
        "set" if p.nth_at(1, L_BRACK) => {
            let m = p.start();
            p.bump_any();
            let open = here(p);
            p.bump(L_BRACK);
            p.push_brackets();
            elements(p, R_BRACK);
            expect_close(p, R_BRACK, open);
            p.pop_mode();
            m.complete(p, SET_EXPR)
        }
        _ => {
            let m = p.start();
            p.bump_any();
            m.complete(p, NAME_REF)
        }
    }
}

/// `"text {expr:spec} text"`, also triple-quoted.
fn string(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let start = p.token_range(p.index_of_next());
    p.bump(STRING_START);
    loop {
        match p.raw_current() {
            STRING_TEXT => p.bump_any(),
            INTERP_START => interp(p),
            STRING_END => {
                p.bump_any();
                break;
            }
            _ => {
                p.error_at(start, "unterminated string literal", Some("string starts here"), Some("add the closing `\"` on the same line (use `\"\"\"` for text spanning lines)"));
                break;
            }
        }
    }
    m.complete(p, STRING)
}

/// `{expr}` or `{expr:spec}` inside a string or role text.
fn interp(p: &mut Parser<'_>) {
    let m = p.start();
    p.bump(INTERP_START);
    p.push_brackets();
    if p.at(INTERP_END) || p.at(FORMAT_SPEC) {
        p.error_with(
            "empty interpolation",
            Some("expected an expression"),
            Some("write `\\{` for a literal brace"),
        );
    } else {
        expect_expr(p);
    }
    p.eat(FORMAT_SPEC);
    if !p.at(INTERP_END) {
        let found = p.found();
        p.error_with(
            format!("expected `}}` to close the interpolation, found {found}"),
            Some("expected `}`"),
            None,
        );
        recover_until(p, &[INTERP_END]);
    }
    p.eat(INTERP_END);
    p.pop_mode();
    m.complete(p, INTERP);
}

/// `role NAME: text` to the end of the line, or `role NAME:` + indented lines + `end`.
fn role_expr(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    p.bump_any();
    let n = p.start();
    p.bump_remap(IDENT);
    n.complete(p, NAME);
    p.bump(COLON);
    let block_form = match p.raw_current() {
        ROLE_TEXT => p.nth_text(0).starts_with(['\n', '\r']),
        _ => p.at_eof(),
    };
    loop {
        match p.raw_current() {
            ROLE_TEXT => p.bump_any(),
            INTERP_START => interp(p),
            _ => break,
        }
    }
    if block_form {
        expect_end(p, opener, "role");
    }
    m.complete(p, ROLE_EXPR)
}

/// `()`, `(e)`, `(e,)`, `(a, b)`.
fn paren(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let open = here(p);
    p.bump(L_PAREN);
    p.push_brackets();
    let mut kind = PAREN_EXPR;
    if p.at(R_PAREN) {
        kind = TUPLE_EXPR;
    } else {
        expect_expr(p);
        while p.eat(COMMA) {
            kind = TUPLE_EXPR;
            if p.at(R_PAREN) || p.at_recovery_point() {
                break;
            }
            if expr(p).is_none() {
                let found = p.found();
                p.error_with(
                    format!("expected a tuple element, found {found}"),
                    Some("expected an expression"),
                    None,
                );
                recover_until(p, &[COMMA, R_PAREN]);
            }
        }
    }
    close_after_junk(p, R_PAREN, open);
    p.pop_mode();
    m.complete(p, kind)
}

/// One list/set element: `...e` (a `SPREAD`) or an expression.
fn element(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    if p.at(DOT3) {
        let m = p.start();
        p.bump(DOT3);
        expect_expr(p);
        return Some(m.complete(p, SPREAD));
    }
    expr(p)
}

/// Comma-separated elements up to (not including) `close`.
fn elements(p: &mut Parser<'_>, close: SyntaxKind) {
    while !p.at(close) && !p.at_eof() && !p.at_recovery_point() {
        if element(p).is_none() {
            let found = p.found();
            p.error_with(
                format!("expected an element, found {found}"),
                Some("expected an expression"),
                None,
            );
            recover_until(p, &[COMMA, close]);
        }
        if !list_sep(p, close) {
            break;
        }
    }
}

/// `for pattern in expr [if expr]` then the closing bracket: a comprehension.
fn comprehension_tail(p: &mut Parser<'_>, m: Marker, close: SyntaxKind) -> CompletedMarker {
    p.bump(FOR_KW);
    statements::for_header(p);
    p.expect(close);
    p.pop_mode();
    m.complete(p, COMP_EXPR)
}

/// `[a, ...b]` or `[e for x in xs if c]`.
fn list(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let open = here(p);
    p.bump(L_BRACK);
    p.push_brackets();
    if !p.at(R_BRACK) {
        let first = element(p);
        if first.is_some_and(|f| f.kind() != SPREAD) && p.at(FOR_KW) {
            return comprehension_tail(p, m, R_BRACK);
        }
        if first.is_none() {
            let found = p.found();
            p.error_with(
                format!("expected an element, found {found}"),
                Some("expected an expression"),
                None,
            );
            recover_until(p, &[COMMA, R_BRACK]);
        }
        if list_sep(p, R_BRACK) {
            elements(p, R_BRACK);
        }
    }
    expect_close(p, R_BRACK, open);
    p.pop_mode();
    m.complete(p, LIST_EXPR)
}

/// A map entry `k: v`, a spread or a set element.
fn map_or_set_element(p: &mut Parser<'_>) -> Option<CompletedMarker> {
    let e = element(p)?;
    if e.kind() != SPREAD && p.at(COLON) {
        let m = e.precede(p);
        p.bump(COLON);
        expect_expr(p);
        return Some(m.complete(p, MAP_ENTRY));
    }
    Some(e)
}

/// `{}`, `{k: v, …}`, `{a, b}`, `{k: v for …}`, `{e for …}`.
fn map_or_set(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let open = here(p);
    p.bump(L_CURLY);
    p.push_brackets();
    // Decided by the first element that is not a spread; `{}` is an empty map.
    let mut kind = None;
    let mut first = true;
    while !p.at(R_CURLY) && !p.at_eof() && !p.at_recovery_point() {
        let start = here(p);
        match map_or_set_element(p) {
            Some(e) => {
                // A literal is a map or a set, decided by its first element:
                // an element of the other kind is an error, never dropped.
                match (kind, e.kind()) {
                    (Some(MAP_EXPR), k) if k != MAP_ENTRY && k != SPREAD => p.error_at(
                        start,
                        "expected a `key: value` entry in a map literal",
                        Some("a set element in a map"),
                        Some("a brace literal is a map (all `key: value`) or a set (no `:`)"),
                    ),
                    (Some(SET_EXPR), MAP_ENTRY) => p.error_at(
                        start,
                        "expected an element in a set literal, found a `key: value` entry",
                        Some("a map entry in a set"),
                        Some("a brace literal is a map (all `key: value`) or a set (no `:`)"),
                    ),
                    _ => {}
                }
                if kind.is_none() && e.kind() != SPREAD {
                    kind = Some(if e.kind() == MAP_ENTRY {
                        MAP_EXPR
                    } else {
                        SET_EXPR
                    });
                }
                if first && e.kind() != SPREAD && p.at(FOR_KW) {
                    return comprehension_tail(p, m, R_CURLY);
                }
            }
            None => {
                let found = p.found();
                p.error_with(
                    format!("expected an entry, found {found}"),
                    Some("expected an expression"),
                    None,
                );
                recover_until(p, &[COMMA, R_CURLY]);
            }
        }
        first = false;
        if !list_sep(p, R_CURLY) {
            break;
        }
    }
    expect_close(p, R_CURLY, open);
    p.pop_mode();
    m.complete(p, kind.unwrap_or(MAP_EXPR))
}

/// `fn(params) [-> T] [/ row] => expr` or `fn(params) [-> T] NL block end`.
fn lambda(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.bump(FN_KW);
    if p.at(L_PAREN) {
        items::param_list(p);
    } else {
        p.error_expected(&[L_PAREN]);
    }
    items::opt_ret_type(p);
    items::opt_effect_row(p);
    if p.eat(FAT_ARROW) {
        p.eat_newlines();
        expect_expr(p);
    } else if p.at_line_end() {
        block(p, Stop::End, indent);
        expect_end(p, opener, "fn");
    } else {
        let found = p.found();
        p.error_with(format!("expected `=>` or a newline after the lambda's parameters, found {found}"), Some("expected `=>`"), Some("write `fn(x) => x + 1`, or put a block body on the following lines and close it with `end`"));
    }
    m.complete(p, LAMBDA_EXPR)
}

/// `if c then a else b`, or the block form with `else if` chains and one `end`.
fn if_expr(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.push_block();
    p.bump(IF_KW);
    statements::condition(p);
    if p.eat(THEN_KW) {
        p.eat_newlines();
        expect_expr(p);
        if p.peek_past_newlines().0 == ELSE_KW {
            p.eat_newlines();
        }
        if p.expect(ELSE_KW) {
            p.eat_newlines();
            expect_expr(p);
        }
        p.pop_mode();
        return m.complete(p, IF_EXPR);
    }
    statements::header_end(p, "if");
    block(p, Stop::Else, indent);
    if p.at(ELSE_KW) {
        else_branch(p, indent);
    }
    expect_end(p, opener, "if");
    p.pop_mode();
    m.complete(p, IF_EXPR)
}

fn else_branch(p: &mut Parser<'_>, indent: u32) {
    let e = p.start();
    p.bump(ELSE_KW);
    if p.at(IF_KW) {
        // `else if`: a nested `if` that shares the outer `end`.
        let n = p.start();
        p.bump(IF_KW);
        statements::condition(p);
        statements::header_end(p, "else if");
        block(p, Stop::Else, indent);
        if p.at(ELSE_KW) {
            else_branch(p, indent);
        }
        n.complete(p, IF_EXPR);
    } else {
        statements::header_end(p, "else");
        block(p, Stop::End, indent);
    }
    e.complete(p, ELSE_BRANCH);
}

/// `match e NL arms end`.
fn match_expr(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    p.push_block();
    p.bump(MATCH_KW);
    expect_expr(p);
    statements::header_end(p, "match");
    loop {
        if p.eat(NEWLINE) {
            continue;
        }
        if p.at_eof() || p.at(END_KW) || p.at_recovery_point() {
            break;
        }
        match_arm(p);
    }
    expect_end(p, opener, "match");
    p.pop_mode();
    m.complete(p, MATCH_EXPR)
}

fn match_arm(p: &mut Parser<'_>) {
    let m = p.start();
    let indent = p.current_line_indent();
    if patterns::pattern_single(p, true).is_none() {
        let found = p.found();
        p.error_with(
            format!("expected a pattern, found {found}"),
            Some("expected a match arm"),
            Some("an arm looks like `pattern -> result`"),
        );
        recover_line(p);
        m.complete(p, MATCH_ARM);
        return;
    }
    while p.eat(PIPE) {
        p.eat_newlines();
        if patterns::pattern_single(p, true).is_none() {
            p.error_expected(&[IDENT]);
            break;
        }
    }
    if p.at(IF_KW) {
        let g = p.start();
        p.bump(IF_KW);
        expect_expr(p);
        g.complete(p, MATCH_GUARD);
    }
    if p.expect(ARROW) {
        arm_body(p, indent);
    } else {
        recover_line(p);
    }
    m.complete(p, MATCH_ARM);
}

/// After `->`/`=>`: a statement on the same line, or the following lines
/// indented deeper than the arm (syntax.md §3).
fn arm_body(p: &mut Parser<'_>, indent: u32) {
    if p.at_line_end() {
        let (next, next_indent) = p.peek_past_newlines();
        if next_indent <= indent || matches!(next, END_KW | EOF) {
            p.error_with(
                "expected a body after the arrow",
                Some("nothing follows the arrow"),
                Some("put a statement after the arrow, or the body on the following lines indented deeper than this line"),
            );
        }
        block(p, Stop::Dedent(indent), u32::MAX);
    } else {
        statements::arm_stmt(p);
        stmt_end(p);
    }
}

/// `when NL { (cond | _) -> body } end`.
fn when_expr(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    p.push_block();
    p.bump(WHEN_KW);
    statements::header_end(p, "when");
    loop {
        if p.eat(NEWLINE) {
            continue;
        }
        if p.at_eof() || p.at(END_KW) || p.at_recovery_point() {
            break;
        }
        let a = p.start();
        let indent = p.current_line_indent();
        let ok = if p.at(UNDERSCORE) && p.nth_at(1, ARROW) {
            p.bump(UNDERSCORE);
            true
        } else {
            expr(p).is_some()
        };
        if ok && p.expect(ARROW) {
            arm_body(p, indent);
        } else {
            if !ok {
                let found = p.found();
                p.error_with(
                    format!("expected a condition, found {found}"),
                    Some("expected a `when` arm"),
                    Some("an arm looks like `condition -> result`"),
                );
            }
            recover_line(p);
        }
        a.complete(p, WHEN_ARM);
    }
    expect_end(p, opener, "when");
    p.pop_mode();
    m.complete(p, WHEN_EXPR)
}

/// `do NL block end`.
fn do_expr(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.bump(DO_KW);
    statements::body_end(p, opener, indent, "do");
    m.complete(p, DO_EXPR)
}

/// `spawn(e)`.
fn spawn(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    p.bump(SPAWN_KW);
    let open = here(p);
    if p.eat(L_PAREN) {
        p.push_brackets();
        expect_expr(p);
        close_after_junk(p, R_PAREN, open);
        p.pop_mode();
    } else {
        p.error_with(
            "expected `(` after `spawn`",
            Some("expected `(`"),
            Some("write `spawn(f(x))` or `spawn(fn() => …)`"),
        );
        expr_bp(p, UNARY_BP);
    }
    m.complete(p, SPAWN_EXPR)
}

/// `parallel for x in xs [if c] NL block end`.
fn parallel_for(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.push_block();
    p.bump(PARALLEL_KW);
    p.bump(FOR_KW);
    statements::for_header(p);
    statements::body_end(p, opener, indent, "parallel for");
    p.pop_mode();
    m.complete(p, PARALLEL_FOR_EXPR)
}

/// `parallel`/`race`/`vote`/`select` NL { [name =] expr NL } end.
fn concurrent(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let kw = p.current().text().unwrap_or("parallel");
    p.push_block();
    p.bump_any();
    statements::header_end(p, kw);
    loop {
        if p.eat(NEWLINE) {
            continue;
        }
        if p.at_eof() || p.at(END_KW) || p.at_recovery_point() {
            break;
        }
        let b = p.start();
        if p.at(IDENT) && p.nth_at(1, EQ) {
            name(p);
            p.bump(EQ);
            p.eat_newlines();
        }
        if expr(p).is_none() {
            let found = p.found();
            p.error_with(
                format!("expected a branch expression, found {found}"),
                Some("expected an expression"),
                Some("each branch is an expression, optionally named: `a = fetch_a()`"),
            );
            recover_line(p);
        } else {
            stmt_end(p);
        }
        b.complete(p, BRANCH);
    }
    expect_end(p, opener, kw);
    p.pop_mode();
    m.complete(p, CONCURRENT_EXPR)
}

/// `handle body() with Name end` on one line (tools.md §5): `handle`, then
/// a word (a variable named `handle` is never followed by one), and `with`
/// later on the line.
fn one_line_handle(p: &Parser<'_>) -> bool {
    if p.nth(1) != IDENT {
        return false;
    }
    (2..512)
        .map(|k| (p.nth(k), k))
        .take_while(|(kind, _)| !matches!(kind, NEWLINE | EOF))
        .any(|(kind, k)| kind == IDENT && p.nth_text(k) == "with")
}

/// `handle NL block with NL clauses end`, or `handle NL block with Name end`,
/// or the body as one expression on the `handle` line.
fn handle_expr(p: &mut Parser<'_>) -> CompletedMarker {
    let m = p.start();
    let opener = p.token_range(p.index_of_next());
    let indent = p.current_line_indent();
    p.push_block();
    p.bump_any();
    if p.at_line_end() {
        block(p, Stop::With, indent);
    } else {
        let body = p.start();
        let stmt = p.start();
        expect_expr(p);
        stmt.complete(p, EXPR_STMT);
        body.complete(p, BLOCK);
    }
    if p.at_contextual("with") {
        p.bump_any();
        if p.at_line_end() {
            loop {
                if p.eat(NEWLINE) {
                    continue;
                }
                if p.at_eof() || p.at(END_KW) || p.at_recovery_point() {
                    break;
                }
                items::handler_clause(p, true);
            }
        } else {
            path(p);
            if p.peek_past_newlines().0 == END_KW {
                p.eat_newlines();
            }
        }
    } else {
        let found = p.found();
        p.error_with(
            format!("expected `with` after the body of `handle`, found {found}"),
            Some("expected `with`"),
            Some("`handle` … `with` Effect.op(x) => … `end`"),
        );
    }
    expect_end(p, opener, "handle");
    p.pop_mode();
    m.complete(p, HANDLE_EXPR)
}

pub(super) fn arm_body_pub(p: &mut Parser<'_>, indent: u32) {
    arm_body(p, indent)
}
