//! `SyntaxKind`: the tag of every token and node in the Lumen syntax tree, the
//! rowan `Language` glue, and the `T![...]` shorthand used by the parser.

macro_rules! syntax_kinds {
    ($($name:ident),* $(,)?) => {
        /// Every kind of token and node. Tokens come first, then nodes.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        pub enum SyntaxKind { $($name),* }

        impl SyntaxKind {
            /// All kinds in declaration order, so a raw `u16` converts back safely.
            pub const ALL: &'static [SyntaxKind] = &[$(SyntaxKind::$name),*];
        }
    };
}

syntax_kinds! {
    // ---- trivia and special tokens
    WHITESPACE, NEWLINE, COMMENT, DOC_COMMENT, ERROR, EOF,
    // TOMBSTONE: placeholder for an abandoned node; never in a tree.
    TOMBSTONE,
    // ---- literal-ish tokens
    IDENT, UNDERSCORE, INT_NUMBER, FLOAT_NUMBER,
    STRING_START, STRING_TEXT, STRING_END, INTERP_START, INTERP_END, FORMAT_SPEC,
    RAW_STRING, BYTES, ROLE_TEXT,
    // ---- punctuation
    PLUS, MINUS, STAR, SLASH, SLASH2, PERCENT, STAR2, EQ, EQ2, NEQ, LT, LTEQ, GT, GTEQ,
    SHL, SHR, AMP, PIPE, CARET, TILDE, BANG, QUESTION, QUESTION2, QUESTION_DOT,
    QUESTION_BRACK, DOT, DOT2, DOT2EQ, DOT3, COMMA, COLON, L_PAREN, R_PAREN, L_BRACK,
    R_BRACK, L_CURLY, R_CURLY, AT, ARROW, FAT_ARROW, PIPE_GT, TILDE_GT, PLUS2, PLUSEQ,
    MINUSEQ, STAREQ, SLASHEQ, SLASH2EQ, PERCENTEQ, STAR2EQ, AMPEQ, PIPEEQ, CARETEQ,
    // ---- reserved keywords
    RECORD_KW, LET_KW, ENUM_KW, CELL_KW, TYPE_KW, CONST_KW, TRAIT_KW, IMPL_KW, IMPORT_KW, PUB_KW,
    EXTERN_KW, ASYNC_KW, MUT_KW, FN_KW, IF_KW, ELSE_KW, FOR_KW, IN_KW, WHILE_KW, LOOP_KW,
    MATCH_KW, RETURN_KW, HALT_KW, BREAK_KW, CONTINUE_KW, WHEN_KW, THEN_KW, AND_KW, OR_KW,
    NOT_KW, IS_KW, AS_KW, TRY_KW, AWAIT_KW, SPAWN_KW, YIELD_KW, DEFER_KW, DO_KW, TRUE_KW,
    FALSE_KW, NULL_KW, END_KW, WHERE_KW, SELF_KW, USE_KW, EMIT_KW, PARALLEL_KW, RACE_KW,
    VOTE_KW, SELECT_KW,
    // ---- nodes: file level and shared pieces
    SOURCE_FILE, DIRECTIVE, NAME, NAME_REF, PATH, LABEL,
    // ---- nodes: items
    RECORD, FIELD, ENUM, VARIANT, VARIANT_FIELD_LIST, VARIANT_FIELD, CELL,
    GENERIC_PARAM_LIST, GENERIC_PARAM, BOUND_LIST, PARAM_LIST, PARAM, RET_TYPE, EFFECT_ROW,
    CONST, TYPE_ALIAS, TRAIT, IMPL, IMPORT, IMPORT_ITEM, USE_TOOL, GRANT, GRANT_ENTRY,
    BIND_EFFECT, EFFECT, HANDLER, HANDLER_CLAUSE, AGENT, ORCHESTRATION,
    // ---- nodes: statements
    BLOCK, LET_STMT, ASSIGN_STMT, EXPR_STMT, FOR_STMT, WHILE_STMT, LOOP_STMT, RETURN_STMT,
    HALT_STMT, BREAK_STMT, CONTINUE_STMT, DEFER_STMT, EMIT_STMT, LET_COND, ELSE_BRANCH,
    ASSERT_STMT,
    // ---- nodes: expressions
    LITERAL, STRING, INTERP, BIN_EXPR, PREFIX_EXPR, RANGE_EXPR, CALL_EXPR, ARG_LIST, ARG,
    FIELD_EXPR, INDEX_EXPR, POSTFIX_EXPR, AS_EXPR, IS_EXPR, PAREN_EXPR, TUPLE_EXPR,
    LIST_EXPR, SPREAD, MAP_EXPR, MAP_ENTRY, SET_EXPR, LAMBDA_EXPR, IF_EXPR, MATCH_EXPR,
    MATCH_ARM, MATCH_GUARD, WHEN_EXPR, WHEN_ARM, DO_EXPR, COMP_EXPR, AWAIT_EXPR, TRY_EXPR,
    SPAWN_EXPR, PARALLEL_FOR_EXPR, CONCURRENT_EXPR, BRANCH, TIMEOUT_EXPR, HANDLE_EXPR,
    PERFORM_EXPR, ROLE_EXPR, LOOP_EXPR,
    // ---- nodes: patterns
    WILDCARD_PAT, IDENT_PAT, LITERAL_PAT, RANGE_PAT, TYPE_TEST_PAT, CTOR_PAT, FIELD_PAT,
    REST_PAT, TUPLE_PAT, LIST_PAT, OR_PAT, PAREN_PAT,
    // ---- nodes: types
    PATH_TYPE, TYPE_ARG_LIST, TUPLE_TYPE, UNION_TYPE, OPTIONAL_TYPE, FN_TYPE, NULL_TYPE,
    PAREN_TYPE,
}

use SyntaxKind::*;

impl SyntaxKind {
    /// Whitespace and comments: kept in the tree, invisible to the parser.
    /// `NEWLINE` is deliberately not trivia: newlines end statements.
    pub fn is_trivia(self) -> bool {
        matches!(self, WHITESPACE | COMMENT | DOC_COMMENT)
    }

    /// Reserved keywords (syntax.md §2).
    pub fn is_keyword(self) -> bool {
        (RECORD_KW as u16..=SELECT_KW as u16).contains(&(self as u16))
    }

    /// Tokens (as opposed to nodes).
    pub fn is_token(self) -> bool {
        (self as u16) < SOURCE_FILE as u16
    }

    /// The keyword kind for an identifier-shaped word, if it is reserved.
    pub fn from_keyword(word: &str) -> Option<SyntaxKind> {
        Some(match word {
            "record" => RECORD_KW,
            // Not in the spec's list, but `let` is used as a keyword throughout.
            "let" => LET_KW,
            "enum" => ENUM_KW,
            "cell" => CELL_KW,
            "type" => TYPE_KW,
            "const" => CONST_KW,
            "trait" => TRAIT_KW,
            "impl" => IMPL_KW,
            "import" => IMPORT_KW,
            "pub" => PUB_KW,
            "extern" => EXTERN_KW,
            "async" => ASYNC_KW,
            "mut" => MUT_KW,
            "fn" => FN_KW,
            "if" => IF_KW,
            "else" => ELSE_KW,
            "for" => FOR_KW,
            "in" => IN_KW,
            "while" => WHILE_KW,
            "loop" => LOOP_KW,
            "match" => MATCH_KW,
            "return" => RETURN_KW,
            "halt" => HALT_KW,
            "break" => BREAK_KW,
            "continue" => CONTINUE_KW,
            "when" => WHEN_KW,
            "then" => THEN_KW,
            "and" => AND_KW,
            "or" => OR_KW,
            "not" => NOT_KW,
            "is" => IS_KW,
            "as" => AS_KW,
            "try" => TRY_KW,
            "await" => AWAIT_KW,
            "spawn" => SPAWN_KW,
            "yield" => YIELD_KW,
            "defer" => DEFER_KW,
            "do" => DO_KW,
            "true" => TRUE_KW,
            "false" => FALSE_KW,
            "null" => NULL_KW,
            "end" => END_KW,
            "where" => WHERE_KW,
            "self" => SELF_KW,
            "use" => USE_KW,
            "emit" => EMIT_KW,
            "parallel" => PARALLEL_KW,
            "race" => RACE_KW,
            "vote" => VOTE_KW,
            "select" => SELECT_KW,
            _ => return None,
        })
    }

    /// How the kind is written in diagnostics: `` `end` `` for fixed tokens, a
    /// description for the others.
    pub fn describe(self) -> &'static str {
        match self {
            NEWLINE => "a newline",
            EOF => "end of file",
            IDENT => "a name",
            UNDERSCORE => "`_`",
            INT_NUMBER => "an integer",
            FLOAT_NUMBER => "a float",
            STRING_START => "a string",
            STRING_TEXT | ROLE_TEXT => "text",
            STRING_END => "`\"`",
            INTERP_START => "`{`",
            INTERP_END => "`}`",
            FORMAT_SPEC => "a format spec",
            RAW_STRING => "a raw string",
            BYTES => "a bytes literal",
            ERROR => "an invalid character",
            COMMENT | DOC_COMMENT => "a comment",
            WHITESPACE => "whitespace",
            _ => match self.text() {
                Some(_) => "token",
                None => "syntax",
            },
        }
    }

    /// The fixed text of a punctuation or keyword kind.
    pub fn text(self) -> Option<&'static str> {
        Some(match self {
            PLUS => "+",
            MINUS => "-",
            STAR => "*",
            SLASH => "/",
            SLASH2 => "//",
            PERCENT => "%",
            STAR2 => "**",
            EQ => "=",
            EQ2 => "==",
            NEQ => "!=",
            LT => "<",
            LTEQ => "<=",
            GT => ">",
            GTEQ => ">=",
            SHL => "<<",
            SHR => ">>",
            AMP => "&",
            PIPE => "|",
            CARET => "^",
            TILDE => "~",
            BANG => "!",
            QUESTION => "?",
            QUESTION2 => "??",
            QUESTION_DOT => "?.",
            QUESTION_BRACK => "?[",
            DOT => ".",
            DOT2 => "..",
            DOT2EQ => "..=",
            DOT3 => "...",
            COMMA => ",",
            COLON => ":",
            L_PAREN => "(",
            R_PAREN => ")",
            L_BRACK => "[",
            R_BRACK => "]",
            L_CURLY => "{",
            R_CURLY => "}",
            AT => "@",
            ARROW => "->",
            FAT_ARROW => "=>",
            PIPE_GT => "|>",
            TILDE_GT => "~>",
            PLUS2 => "++",
            PLUSEQ => "+=",
            MINUSEQ => "-=",
            STAREQ => "*=",
            SLASHEQ => "/=",
            SLASH2EQ => "//=",
            PERCENTEQ => "%=",
            STAR2EQ => "**=",
            AMPEQ => "&=",
            PIPEEQ => "|=",
            CARETEQ => "^=",
            RECORD_KW => "record",
            LET_KW => "let",
            ENUM_KW => "enum",
            CELL_KW => "cell",
            TYPE_KW => "type",
            CONST_KW => "const",
            TRAIT_KW => "trait",
            IMPL_KW => "impl",
            IMPORT_KW => "import",
            PUB_KW => "pub",
            EXTERN_KW => "extern",
            ASYNC_KW => "async",
            MUT_KW => "mut",
            FN_KW => "fn",
            IF_KW => "if",
            ELSE_KW => "else",
            FOR_KW => "for",
            IN_KW => "in",
            WHILE_KW => "while",
            LOOP_KW => "loop",
            MATCH_KW => "match",
            RETURN_KW => "return",
            HALT_KW => "halt",
            BREAK_KW => "break",
            CONTINUE_KW => "continue",
            WHEN_KW => "when",
            THEN_KW => "then",
            AND_KW => "and",
            OR_KW => "or",
            NOT_KW => "not",
            IS_KW => "is",
            AS_KW => "as",
            TRY_KW => "try",
            AWAIT_KW => "await",
            SPAWN_KW => "spawn",
            YIELD_KW => "yield",
            DEFER_KW => "defer",
            DO_KW => "do",
            TRUE_KW => "true",
            FALSE_KW => "false",
            NULL_KW => "null",
            END_KW => "end",
            WHERE_KW => "where",
            SELF_KW => "self",
            USE_KW => "use",
            EMIT_KW => "emit",
            PARALLEL_KW => "parallel",
            RACE_KW => "race",
            VOTE_KW => "vote",
            SELECT_KW => "select",
            _ => return None,
        })
    }

    /// Compound assignment operators and `=` (statement level, syntax.md §5).
    pub fn is_assign_op(self) -> bool {
        matches!(
            self,
            EQ | PLUSEQ
                | MINUSEQ
                | STAREQ
                | SLASHEQ
                | SLASH2EQ
                | PERCENTEQ
                | STAR2EQ
                | AMPEQ
                | PIPEEQ
                | CARETEQ
        )
    }
}

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        rowan::SyntaxKind(kind as u16)
    }
}

/// The rowan language tag for Lumen trees.
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LumenLanguage {}

impl rowan::Language for LumenLanguage {
    type Kind = SyntaxKind;
    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        // Every raw kind in our trees was produced by `kind_to_raw`.
        SyntaxKind::ALL
            .get(raw.0 as usize)
            .copied()
            .unwrap_or(ERROR)
    }
    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        kind.into()
    }
}

pub type SyntaxNode = rowan::SyntaxNode<LumenLanguage>;
pub type SyntaxToken = rowan::SyntaxToken<LumenLanguage>;
pub type SyntaxElement = rowan::SyntaxElement<LumenLanguage>;

/// `T![+]`, `T![end]`, … : the kind of a fixed token.
#[macro_export]
macro_rules! T {
    [+] => { $crate::SyntaxKind::PLUS };
    [-] => { $crate::SyntaxKind::MINUS };
    [*] => { $crate::SyntaxKind::STAR };
    [/] => { $crate::SyntaxKind::SLASH };
    [%] => { $crate::SyntaxKind::PERCENT };
    [=] => { $crate::SyntaxKind::EQ };
    [==] => { $crate::SyntaxKind::EQ2 };
    [!=] => { $crate::SyntaxKind::NEQ };
    [<] => { $crate::SyntaxKind::LT };
    [>] => { $crate::SyntaxKind::GT };
    [|] => { $crate::SyntaxKind::PIPE };
    [&] => { $crate::SyntaxKind::AMP };
    [!] => { $crate::SyntaxKind::BANG };
    [?] => { $crate::SyntaxKind::QUESTION };
    [.] => { $crate::SyntaxKind::DOT };
    [..] => { $crate::SyntaxKind::DOT2 };
    [...] => { $crate::SyntaxKind::DOT3 };
    [,] => { $crate::SyntaxKind::COMMA };
    [:] => { $crate::SyntaxKind::COLON };
    ['('] => { $crate::SyntaxKind::L_PAREN };
    [')'] => { $crate::SyntaxKind::R_PAREN };
    ['['] => { $crate::SyntaxKind::L_BRACK };
    [']'] => { $crate::SyntaxKind::R_BRACK };
    ['{'] => { $crate::SyntaxKind::L_CURLY };
    ['}'] => { $crate::SyntaxKind::R_CURLY };
    [@] => { $crate::SyntaxKind::AT };
    [->] => { $crate::SyntaxKind::ARROW };
    [=>] => { $crate::SyntaxKind::FAT_ARROW };
    [record] => { $crate::SyntaxKind::RECORD_KW };
    [let] => { $crate::SyntaxKind::LET_KW };
    [enum] => { $crate::SyntaxKind::ENUM_KW };
    [cell] => { $crate::SyntaxKind::CELL_KW };
    [type] => { $crate::SyntaxKind::TYPE_KW };
    [const] => { $crate::SyntaxKind::CONST_KW };
    [trait] => { $crate::SyntaxKind::TRAIT_KW };
    [impl] => { $crate::SyntaxKind::IMPL_KW };
    [import] => { $crate::SyntaxKind::IMPORT_KW };
    [pub] => { $crate::SyntaxKind::PUB_KW };
    [async] => { $crate::SyntaxKind::ASYNC_KW };
    [mut] => { $crate::SyntaxKind::MUT_KW };
    [fn] => { $crate::SyntaxKind::FN_KW };
    [if] => { $crate::SyntaxKind::IF_KW };
    [else] => { $crate::SyntaxKind::ELSE_KW };
    [for] => { $crate::SyntaxKind::FOR_KW };
    [in] => { $crate::SyntaxKind::IN_KW };
    [while] => { $crate::SyntaxKind::WHILE_KW };
    [loop] => { $crate::SyntaxKind::LOOP_KW };
    [match] => { $crate::SyntaxKind::MATCH_KW };
    [return] => { $crate::SyntaxKind::RETURN_KW };
    [halt] => { $crate::SyntaxKind::HALT_KW };
    [break] => { $crate::SyntaxKind::BREAK_KW };
    [continue] => { $crate::SyntaxKind::CONTINUE_KW };
    [when] => { $crate::SyntaxKind::WHEN_KW };
    [then] => { $crate::SyntaxKind::THEN_KW };
    [not] => { $crate::SyntaxKind::NOT_KW };
    [is] => { $crate::SyntaxKind::IS_KW };
    [as] => { $crate::SyntaxKind::AS_KW };
    [do] => { $crate::SyntaxKind::DO_KW };
    [end] => { $crate::SyntaxKind::END_KW };
    [where] => { $crate::SyntaxKind::WHERE_KW };
    [self] => { $crate::SyntaxKind::SELF_KW };
    [use] => { $crate::SyntaxKind::USE_KW };
    [null] => { $crate::SyntaxKind::NULL_KW };
}
