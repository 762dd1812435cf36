//! Declarations (syntax.md §4): records, enums, cells, constants, type aliases,
//! traits, impls, imports, tools, grants, effects, handlers, agents and
//! orchestrations. Items may also appear inside blocks.

use super::*;

/// Is the parser at the start of a declaration (as opposed to a statement)?
pub(super) fn at_item(p: &Parser<'_>) -> bool {
    match p.current() {
        PUB_KW | RECORD_KW | ENUM_KW | CELL_KW | CONST_KW | TRAIT_KW | IMPL_KW | IMPORT_KW => true,
        TYPE_KW => p.nth_at(1, IDENT),
        USE_KW => true,
        ASYNC_KW => p.nth_at(1, CELL_KW),
        IDENT => at_contextual_item(p),
        _ => false,
    }
}

fn at_contextual_item(p: &Parser<'_>) -> bool {
    match p.nth_text(0) {
        "grant" => p.nth_at(1, IDENT),
        "bind" => p.nth_at_contextual(1, "effect"),
        "effect" | "handler" | "agent" | "orchestration" => {
            p.nth_at(1, IDENT) && matches!(p.nth(2), NEWLINE | EOF)
        }
        _ => false,
    }
}

/// Starts of declarations that only ever appear at the top of a file or a
/// declaration body; used to detect a missing `end` (see `block`).
pub(super) fn at_decl_start(p: &Parser<'_>) -> bool {
    matches!(
        p.current(),
        PUB_KW | RECORD_KW | ENUM_KW | CELL_KW | TRAIT_KW | IMPL_KW | IMPORT_KW
    ) || (p.at(ASYNC_KW) && p.nth_at(1, CELL_KW))
        || (p.at(IDENT)
            && matches!(
                p.nth_text(0),
                "agent" | "orchestration" | "effect" | "handler"
            )
            && at_contextual_item(p))
}

pub(super) fn item(p: &mut Parser<'_>) {
    if !p.enter() {
        return;
    }
    item_inner(p);
    p.leave();
}

fn item_inner(p: &mut Parser<'_>) {
    let m = p.start();
    let indent = p.current_line_indent();
    p.eat(PUB_KW);
    let opener = p.token_range(p.index_of_next());
    let kind = match p.current() {
        RECORD_KW => {
            p.bump(RECORD_KW);
            name(p);
            opt_generic_params(p);
            if p.at(L_PAREN) {
                paren_fields(p);
            } else {
                decl_body(p, opener, indent, "record", Body::Fields);
            }
            RECORD
        }
        ENUM_KW => {
            p.bump(ENUM_KW);
            name(p);
            opt_generic_params(p);
            decl_body(p, opener, indent, "enum", Body::Variants);
            ENUM
        }
        ASYNC_KW | CELL_KW => {
            cell(p, indent, false);
            CELL
        }
        CONST_KW => {
            p.bump(CONST_KW);
            name(p);
            if p.eat(COLON) {
                types::type_(p);
            }
            if p.expect(EQ) {
                p.eat_newlines();
                expressions::expect_expr(p);
            }
            stmt_end(p);
            CONST
        }
        TYPE_KW => {
            p.bump(TYPE_KW);
            name(p);
            opt_generic_params(p);
            if p.expect(EQ) {
                p.eat_newlines();
                types::type_(p);
            }
            stmt_end(p);
            TYPE_ALIAS
        }
        TRAIT_KW => {
            p.bump(TRAIT_KW);
            name(p);
            if p.eat(COLON) {
                bounds(p);
            }
            decl_body(p, opener, indent, "trait", Body::Signatures);
            TRAIT
        }
        IMPL_KW => {
            p.bump(IMPL_KW);
            opt_generic_params(p);
            types::type_(p);
            if p.expect(FOR_KW) {
                types::type_(p);
            }
            decl_body(p, opener, indent, "impl", Body::Items);
            IMPL
        }
        IMPORT_KW => {
            import(p);
            IMPORT
        }
        USE_KW => {
            p.bump(USE_KW);
            if p.at_contextual("tool") {
                p.bump_any();
            } else {
                let found = p.found();
                p.error_with(
                    format!("expected `tool` after `use`, found {found}"),
                    Some("expected `tool`"),
                    Some("declare a tool with `use tool llm.chat as Chat`"),
                );
            }
            path(p);
            if p.expect(AS_KW) {
                name(p);
            }
            stmt_end(p);
            USE_TOOL
        }
        IDENT => contextual_item(p, opener, indent),
        _ => {
            let found = p.found();
            p.error_with(
                format!("expected a declaration after `pub`, found {found}"),
                Some("expected a declaration"),
                None,
            );
            recover_line(p);
            ERROR
        }
    };
    m.complete(p, kind);
}

fn contextual_item(p: &mut Parser<'_>, opener: (u32, u32), indent: u32) -> SyntaxKind {
    let word = p.nth_text(0).to_owned();
    p.bump_any();
    match word.as_str() {
        "grant" => {
            grant(p, opener);
            GRANT
        }
        "bind" => {
            p.bump_any(); // `effect`
            path(p);
            if p.at_contextual("to") {
                p.bump_any();
                path(p);
            } else {
                let found = p.found();
                p.error_with(
                    format!("expected `to`, found {found}"),
                    Some("expected `to`"),
                    Some("`bind effect Console to Alias`"),
                );
            }
            stmt_end(p);
            BIND_EFFECT
        }
        "effect" => {
            name(p);
            decl_body(p, opener, indent, "effect", Body::Signatures);
            EFFECT
        }
        "handler" => {
            name(p);
            decl_body(p, opener, indent, "handler", Body::Handlers);
            HANDLER
        }
        "agent" => {
            name(p);
            decl_body(p, opener, indent, "agent", Body::Fields);
            AGENT
        }
        _ => {
            name(p);
            decl_body(p, opener, indent, "orchestration", Body::Fields);
            ORCHESTRATION
        }
    }
}

/// What a declaration body holds besides nested declarations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// `name: Type [= default] [where cond]` lines (records, agents, orchestrations).
    Fields,
    /// Variants (enums).
    Variants,
    /// Cells that may be signatures without bodies (traits, effects).
    Signatures,
    /// `handle E.op(params) … end` clauses (handlers).
    Handlers,
    /// Declarations only (impls).
    Items,
}

/// NL { members } `end`.
fn decl_body(p: &mut Parser<'_>, opener: (u32, u32), indent: u32, what: &str, body: Body) {
    statements::header_end(p, what);
    p.push_block();
    loop {
        if p.eat(NEWLINE) {
            continue;
        }
        // (`end: Int` in a record is a field named `end`, syntax.md §2.)
        let end_field = body == Body::Fields && p.nth_at(1, COLON);
        if p.at_eof() || (p.at(END_KW) && !end_field) {
            break;
        }
        // A declaration keyword at the indentation of the opener: `end` is missing.
        if p.current_line_indent() <= indent && at_decl_start(p) {
            break;
        }
        member(p, body);
    }
    p.pop_mode();
    expect_end(p, opener, what);
}

fn member(p: &mut Parser<'_>, body: Body) {
    match body {
        Body::Signatures
            if p.at(CELL_KW)
                || (p.at(ASYNC_KW) && p.nth_at(1, CELL_KW))
                || (p.at(PUB_KW) && p.nth_at(1, CELL_KW)) =>
        {
            let m = p.start();
            let indent = p.current_line_indent();
            p.eat(PUB_KW);
            cell(p, indent, true);
            m.complete(p, CELL);
        }
        Body::Handlers if p.at_contextual("handle") => handler_clause(p, false),
        Body::Fields if p.nth_is_word(0) && p.nth_at(1, COLON) => field(p),
        Body::Variants if p.at(IDENT) && !at_item(p) => variant(p),
        _ if at_item(p) => item(p),
        _ => {
            let found = p.found();
            let expected = match body {
                Body::Fields => "a field or declaration",
                Body::Variants => "a variant or cell",
                Body::Signatures => "a cell",
                Body::Handlers => "a `handle` clause",
                Body::Items => "a declaration",
            };
            error_line(
                p,
                format!("expected {expected}, found {found}"),
                &format!("expected {expected}"),
            );
            if !p.at_line_end() {
                p.bump_any();
            }
        }
    }
}

/// `name: Type [= default] [where cond]` on its own line.
fn field(p: &mut Parser<'_>) {
    let m = p.start();
    field_parts(p);
    stmt_end(p);
    m.complete(p, FIELD);
}

/// The parts of a field after which the line or the list goes on.
fn field_parts(p: &mut Parser<'_>) {
    word_name(p);
    p.bump(COLON);
    types::type_(p);
    if p.eat(EQ) {
        p.eat_newlines();
        expressions::expect_expr(p);
    }
    if p.eat(WHERE_KW) {
        expressions::expect_expr(p);
    }
}

/// `record Point(x: Int, y: Int = 0)`: the one-line form of a record
/// (docs/language-decisions.md), the fields of the block form separated by
/// commas, as `FIELD` children of the `RECORD` like the block form's. It
/// has no `end` and no methods.
fn paren_fields(p: &mut Parser<'_>) {
    let open = here(p);
    p.bump(L_PAREN);
    p.push_brackets();
    while !p.at(R_PAREN) && !p.at_eof() && !p.at_recovery_point() {
        if p.nth_is_word(0) && p.nth_at(1, COLON) {
            let m = p.start();
            field_parts(p);
            m.complete(p, FIELD);
        } else {
            let found = p.found();
            p.error_with(
                format!("expected a field `name: Type`, found {found}"),
                Some("expected a field"),
                Some("every field of a record has a type: `record Point(x: Int, y: Int)`"),
            );
            expressions::recover_until(p, &[COMMA, R_PAREN]);
        }
        if !list_sep(p, R_PAREN) {
            break;
        }
    }
    expect_close(p, R_PAREN, open);
    p.pop_mode();
    stmt_end(p);
}

/// `Name [( types | named fields )]`.
fn variant(p: &mut Parser<'_>) {
    let m = p.start();
    name(p);
    if p.at(L_PAREN) {
        let l = p.start();
        let open = here(p);
        p.bump(L_PAREN);
        p.push_brackets();
        while !p.at(R_PAREN) && !p.at_eof() && !p.at_recovery_point() {
            let f = p.start();
            if p.nth_is_word(0) && p.nth_at(1, COLON) {
                word_name(p);
                p.bump(COLON);
            }
            types::type_(p);
            f.complete(p, VARIANT_FIELD);
            if !list_sep(p, R_PAREN) {
                break;
            }
        }
        expect_close(p, R_PAREN, open);
        p.pop_mode();
        l.complete(p, VARIANT_FIELD_LIST);
    }
    stmt_end(p);
    m.complete(p, VARIANT);
}

/// `[async] cell name [generics] (params) [-> T] [/ row] (NL block end | = expr)`.
/// With `signature_ok` (traits, effects) a header followed by a line that is not
/// indented deeper than `cell` has no body (syntax.md §3).
fn cell(p: &mut Parser<'_>, indent: u32, signature_ok: bool) {
    p.eat(ASYNC_KW);
    let opener = p.token_range(p.index_of_next());
    p.expect(CELL_KW);
    name(p);
    opt_generic_params(p);
    if p.at(L_PAREN) {
        param_list(p);
    } else {
        p.error_expected(&[L_PAREN]);
    }
    opt_ret_type(p);
    opt_effect_row(p);
    if p.eat(EQ) {
        p.eat_newlines();
        expressions::expect_expr(p);
        stmt_end(p);
        return;
    }
    if signature_ok && p.at_line_end() {
        let (next, next_indent) = p.peek_past_newlines();
        if next_indent <= indent || matches!(next, END_KW | EOF) {
            return;
        }
    }
    statements::body_end(p, opener, indent, "cell");
}

/// `[T: Bound + Other, U]`.
fn opt_generic_params(p: &mut Parser<'_>) {
    if !p.at(L_BRACK) {
        return;
    }
    let m = p.start();
    let open = here(p);
    p.bump(L_BRACK);
    p.push_brackets();
    while !p.at(R_BRACK) && !p.at_eof() && !p.at_recovery_point() {
        let g = p.start();
        if !name(p) {
            g.abandon(p);
            expressions::recover_until(p, &[COMMA, R_BRACK]);
        } else {
            if p.eat(COLON) {
                bounds(p);
            }
            g.complete(p, GENERIC_PARAM);
        }
        if !list_sep(p, R_BRACK) {
            break;
        }
    }
    expect_close(p, R_BRACK, open);
    p.pop_mode();
    m.complete(p, GENERIC_PARAM_LIST);
}

/// `Name { + Name }`.
fn bounds(p: &mut Parser<'_>) {
    let m = p.start();
    types::type_no_union(p);
    while p.eat(PLUS) {
        types::type_no_union(p);
    }
    m.complete(p, BOUND_LIST);
}

/// `( [...] name [: T] [= default], … )`.
pub(super) fn param_list(p: &mut Parser<'_>) {
    let m = p.start();
    let open = here(p);
    p.bump(L_PAREN);
    p.push_brackets();
    while !p.at(R_PAREN) && !p.at_eof() && !p.at_recovery_point() {
        let a = p.start();
        p.eat(DOT3);
        if !name_or_self(p) {
            a.abandon(p);
            expressions::recover_until(p, &[COMMA, R_PAREN]);
        } else {
            if p.eat(COLON) {
                types::type_(p);
            }
            if p.eat(EQ) {
                expressions::expect_expr(p);
            }
            a.complete(p, PARAM);
        }
        if !list_sep(p, R_PAREN) {
            break;
        }
    }
    expect_close(p, R_PAREN, open);
    p.pop_mode();
    m.complete(p, PARAM_LIST);
}

fn name_or_self(p: &mut Parser<'_>) -> bool {
    if p.at(SELF_KW) {
        let m = p.start();
        p.bump(SELF_KW);
        m.complete(p, NAME);
        return true;
    }
    name(p)
}

pub(super) fn opt_ret_type(p: &mut Parser<'_>) {
    if p.at(ARROW) {
        let m = p.start();
        p.bump(ARROW);
        p.eat_newlines();
        types::type_(p);
        m.complete(p, RET_TYPE);
    }
}

/// `/ {a, b}` or `/ name`.
pub(super) fn opt_effect_row(p: &mut Parser<'_>) {
    if !p.at(SLASH) {
        return;
    }
    let m = p.start();
    p.bump(SLASH);
    let open = here(p);
    if p.eat(L_CURLY) {
        p.push_brackets();
        while !p.at(R_CURLY) && !p.at_eof() && !p.at_recovery_point() {
            if p.at(IDENT) {
                path(p);
            } else {
                p.error_expected(&[IDENT]);
                expressions::recover_until(p, &[COMMA, R_CURLY]);
            }
            if !list_sep(p, R_CURLY) {
                break;
            }
        }
        expect_close(p, R_CURLY, open);
        p.pop_mode();
    } else if p.at(IDENT) {
        path(p);
    } else {
        p.error_expected(&[L_CURLY, IDENT]);
    }
    m.complete(p, EFFECT_ROW);
}

/// `import a.b: *` or `import a.b: X, Y as Z`.
fn import(p: &mut Parser<'_>) {
    p.bump(IMPORT_KW);
    path(p);
    if !p.expect(COLON) {
        recover_line(p);
        return;
    }
    if p.eat(STAR) {
        stmt_end(p);
        return;
    }
    loop {
        let m = p.start();
        if !name_ref(p) {
            m.abandon(p);
            recover_line(p);
            return;
        }
        if p.eat(AS_KW) {
            name(p);
        }
        m.complete(p, IMPORT_ITEM);
        if !p.eat(COMMA) {
            break;
        }
        p.eat_newlines();
    }
    stmt_end(p);
}

/// After `grant`: `Alias key value …` on one line, or `Alias` NL lines `end`.
fn grant(p: &mut Parser<'_>, opener: (u32, u32)) {
    name_ref(p);
    if p.at_line_end() {
        p.push_block();
        loop {
            if p.eat(NEWLINE) {
                continue;
            }
            if p.at_eof() || p.at(END_KW) || p.at_recovery_point() {
                break;
            }
            grant_entry(p);
            stmt_end(p);
        }
        p.pop_mode();
        expect_end(p, opener, "grant");
        return;
    }
    while !p.at_line_end() && !p.at(END_KW) {
        let before = p.pos();
        grant_entry(p);
        if p.pos() == before {
            recover_line(p);
        }
    }
}

fn grant_entry(p: &mut Parser<'_>) {
    let m = p.start();
    if p.nth_is_word(0) {
        word_name(p);
    } else {
        p.error_expected(&[IDENT]);
        m.abandon(p);
        recover_line(p);
        return;
    }
    if p.at_line_end() || expressions::expr_bp_pub(p, 32).is_none() {
        let found = p.found();
        p.error_with(
            format!("expected a value for the grant key, found {found}"),
            Some("expected a value"),
            Some("grants are `key value` pairs: `grant Chat model \"gpt-4o\" max_tokens 512`"),
        );
    }
    m.complete(p, GRANT_ENTRY);
}

/// `handle E.op(params) [-> T]` then `NL block end` (a `handler` declaration,
/// `in_expr == false`) or `=> body` (a clause of a `handle` expression).
pub(super) fn handler_clause(p: &mut Parser<'_>, in_expr: bool) {
    let m = p.start();
    let indent = p.current_line_indent();
    let opener = p.token_range(p.index_of_next());
    if !in_expr {
        p.bump_any(); // `handle`
    }
    if !p.at(IDENT) {
        let found = p.found();
        error_line(
            p,
            format!("expected an effect operation like `Console.log(msg)`, found {found}"),
            "expected a handler clause",
        );
        if !p.at_line_end() {
            p.bump_any();
        }
        m.complete(p, HANDLER_CLAUSE);
        return;
    }
    path(p);
    if p.at(L_PAREN) {
        param_list(p);
    } else {
        p.error_expected(&[L_PAREN]);
    }
    opt_ret_type(p);
    if in_expr {
        if p.expect(FAT_ARROW) {
            expressions::arm_body_pub(p, indent);
        } else {
            recover_line(p);
        }
    } else {
        statements::body_end(p, opener, indent, "handle");
    }
    m.complete(p, HANDLER_CLAUSE);
}
