//! One struct per node kind, with its accessors.

use super::{child, child_after, child_before, children, is_kind, is_word, token, AstNode};
use super::{ArmBody, Condition, Expr, Item, Pattern, Stmt, TypeRef};
use crate::SyntaxKind::{self, *};
use crate::{SyntaxNode, SyntaxToken};

macro_rules! ast_nodes {
    ($($(#[$attr:meta])* $name:ident = $kind:ident;)*) => {$(
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            pub(crate) syntax: SyntaxNode,
        }
        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool {
                kind == $kind
            }
            fn cast(node: SyntaxNode) -> Option<Self> {
                (node.kind() == $kind).then(|| $name { syntax: node })
            }
            fn syntax(&self) -> &SyntaxNode {
                &self.syntax
            }
        }
    )*};
}

ast_nodes! {
    SourceFile = SOURCE_FILE;
    /// `@deterministic true`
    Directive = DIRECTIVE;
    /// A defining occurrence of a name.
    Name = NAME;
    /// A use of a name (also a member name after `.`, and a tuple index).
    NameRef = NAME_REF;
    /// `a.b.c`
    Path = PATH;
    /// `@outer`
    Label = LABEL;
    Record = RECORD;
    /// A record/agent field: `name: Type [= default] [where cond]`.
    Field = FIELD;
    Enum = ENUM;
    Variant = VARIANT;
    /// A payload field of a variant: `radius: Float` or just `Int`.
    VariantField = VARIANT_FIELD;
    Cell = CELL;
    GenericParamList = GENERIC_PARAM_LIST;
    GenericParam = GENERIC_PARAM;
    ParamList = PARAM_LIST;
    Param = PARAM;
    RetType = RET_TYPE;
    /// `/ {llm, http}` or `/ llm`
    EffectRow = EFFECT_ROW;
    Const = CONST;
    TypeAlias = TYPE_ALIAS;
    Trait = TRAIT;
    Impl = IMPL;
    Import = IMPORT;
    ImportItem = IMPORT_ITEM;
    UseTool = USE_TOOL;
    Grant = GRANT;
    GrantEntry = GRANT_ENTRY;
    BindEffect = BIND_EFFECT;
    Effect = EFFECT;
    Handler = HANDLER;
    /// `E.op(params) [-> T]` + body, in a `handler` declaration or a `handle` expression.
    HandlerClause = HANDLER_CLAUSE;
    Agent = AGENT;
    Orchestration = ORCHESTRATION;
    Block = BLOCK;
    LetStmt = LET_STMT;
    AssignStmt = ASSIGN_STMT;
    ExprStmt = EXPR_STMT;
    ForStmt = FOR_STMT;
    WhileStmt = WHILE_STMT;
    LoopStmt = LOOP_STMT;
    ReturnStmt = RETURN_STMT;
    HaltStmt = HALT_STMT;
    BreakStmt = BREAK_STMT;
    ContinueStmt = CONTINUE_STMT;
    DeferStmt = DEFER_STMT;
    EmitStmt = EMIT_STMT;
    /// `assert cond [, message]` (the statement; `assert(…)` is a call).
    AssertStmt = ASSERT_STMT;
    /// `let pattern = expr` as an `if`/`while` condition.
    LetCond = LET_COND;
    ElseBranch = ELSE_BRANCH;
    /// `INT_NUMBER`, `FLOAT_NUMBER`, `true`, `false`, `null`, raw strings, bytes.
    Literal = LITERAL;
    /// A `"…"` or `"""…"""` string, possibly interpolated.
    StringExpr = STRING;
    /// `{expr}` / `{expr:spec}` inside a string or role text.
    Interp = INTERP;
    BinExpr = BIN_EXPR;
    PrefixExpr = PREFIX_EXPR;
    RangeExpr = RANGE_EXPR;
    CallExpr = CALL_EXPR;
    ArgList = ARG_LIST;
    Arg = ARG;
    /// `e.name`, `e?.name`, `t.0`
    FieldExpr = FIELD_EXPR;
    /// `e[i]`, `e?[i]`
    IndexExpr = INDEX_EXPR;
    /// `e!`, `e?`
    PostfixExpr = POSTFIX_EXPR;
    AsExpr = AS_EXPR;
    IsExpr = IS_EXPR;
    ParenExpr = PAREN_EXPR;
    TupleExpr = TUPLE_EXPR;
    ListExpr = LIST_EXPR;
    /// `...e` in a list, set, map or call.
    Spread = SPREAD;
    MapExpr = MAP_EXPR;
    MapEntry = MAP_ENTRY;
    /// `{a, b}` or `set[a, b]`
    SetExpr = SET_EXPR;
    LambdaExpr = LAMBDA_EXPR;
    /// Both `if c then a else b` and the block form (also as a statement).
    IfExpr = IF_EXPR;
    MatchExpr = MATCH_EXPR;
    MatchArm = MATCH_ARM;
    WhenExpr = WHEN_EXPR;
    WhenArm = WHEN_ARM;
    DoExpr = DO_EXPR;
    /// `loop … end` where an expression is expected: its value is given by
    /// `break value`.
    LoopExpr = LOOP_EXPR;
    /// `[e for x in xs if c]`, `{k: v for …}`, `{e for …}`
    CompExpr = COMP_EXPR;
    AwaitExpr = AWAIT_EXPR;
    TryExpr = TRY_EXPR;
    SpawnExpr = SPAWN_EXPR;
    ParallelForExpr = PARALLEL_FOR_EXPR;
    /// `parallel` / `race` / `vote` / `select` blocks.
    ConcurrentExpr = CONCURRENT_EXPR;
    /// `[name =] expr` in a concurrent block.
    Branch = BRANCH;
    TimeoutExpr = TIMEOUT_EXPR;
    HandleExpr = HANDLE_EXPR;
    PerformExpr = PERFORM_EXPR;
    /// `role NAME: text` (statement or expression).
    RoleExpr = ROLE_EXPR;
    WildcardPat = WILDCARD_PAT;
    IdentPat = IDENT_PAT;
    LiteralPat = LITERAL_PAT;
    RangePat = RANGE_PAT;
    /// `name: Type`
    TypeTestPat = TYPE_TEST_PAT;
    /// `Some(x)`, `Shape.Circle(r)`, `Rect(w: w, ..)`, `Shape.Empty`
    CtorPat = CTOR_PAT;
    /// `name: pattern` inside a constructor pattern.
    FieldPat = FIELD_PAT;
    /// `...rest` in a list pattern, `..` in a constructor pattern.
    RestPat = REST_PAT;
    TuplePat = TUPLE_PAT;
    ListPat = LIST_PAT;
    OrPat = OR_PAT;
    ParenPat = PAREN_PAT;
    PathType = PATH_TYPE;
    TypeArgList = TYPE_ARG_LIST;
    TupleType = TUPLE_TYPE;
    UnionType = UNION_TYPE;
    OptionalType = OPTIONAL_TYPE;
    FnType = FN_TYPE;
    NullType = NULL_TYPE;
    ParenType = PAREN_TYPE;
}

fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    token(node, kind).is_some()
}

fn is_pub(node: &SyntaxNode) -> bool {
    has_token(node, PUB_KW)
}

// ------------------------------------------------------------------ names

impl Name {
    pub fn ident_token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn text(&self) -> String {
        self.ident_token()
            .map(|t| t.text().to_string())
            .unwrap_or_default()
    }
}

impl NameRef {
    pub fn ident_token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn text(&self) -> String {
        self.ident_token()
            .map(|t| t.text().to_string())
            .unwrap_or_default()
    }
    /// `self`
    pub fn is_self(&self) -> bool {
        self.ident_token().is_some_and(|t| t.kind() == SELF_KW)
    }
}

impl Path {
    pub fn segments(&self) -> impl Iterator<Item = NameRef> {
        children(&self.syntax)
    }
    /// The segments joined with `.`.
    pub fn text(&self) -> String {
        self.segments()
            .map(|s| s.text())
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl Label {
    pub fn name_ref(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    pub fn text(&self) -> String {
        self.name_ref().map(|n| n.text()).unwrap_or_default()
    }
}

// ------------------------------------------------------------------ file

impl SourceFile {
    pub fn directives(&self) -> impl Iterator<Item = Directive> {
        children(&self.syntax)
    }
    /// Declarations and top-level statements, in order.
    pub fn items(&self) -> impl Iterator<Item = Item> {
        children(&self.syntax)
    }
}

impl Directive {
    /// `deterministic` in `@deterministic true`.
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

// ------------------------------------------------------------------ items

impl Record {
    pub fn is_pub(&self) -> bool {
        is_pub(&self.syntax)
    }
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn generic_params(&self) -> Option<GenericParamList> {
        child(&self.syntax)
    }
    pub fn fields(&self) -> impl Iterator<Item = Field> {
        children(&self.syntax)
    }
    /// Methods declared inside the record.
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

impl Field {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
    pub fn default(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(EQ))
    }
    /// The `where` constraint.
    pub fn constraint(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(WHERE_KW))
    }
}

impl Enum {
    pub fn is_pub(&self) -> bool {
        is_pub(&self.syntax)
    }
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn generic_params(&self) -> Option<GenericParamList> {
        child(&self.syntax)
    }
    pub fn variants(&self) -> impl Iterator<Item = Variant> {
        children(&self.syntax)
    }
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

impl Variant {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    /// Whether the variant has a parenthesised payload (possibly empty).
    pub fn has_payload(&self) -> bool {
        self.syntax
            .children()
            .any(|c| c.kind() == VARIANT_FIELD_LIST)
    }
    pub fn fields(&self) -> impl Iterator<Item = VariantField> {
        self.syntax
            .children()
            .filter(|c| c.kind() == VARIANT_FIELD_LIST)
            .flat_map(|l| children(&l).collect::<Vec<_>>())
    }
}

impl VariantField {
    /// `radius` in `radius: Float`; `None` for positional fields.
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

impl Cell {
    pub fn is_pub(&self) -> bool {
        is_pub(&self.syntax)
    }
    pub fn is_async(&self) -> bool {
        has_token(&self.syntax, ASYNC_KW)
    }
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn generic_params(&self) -> Option<GenericParamList> {
        child(&self.syntax)
    }
    pub fn param_list(&self) -> Option<ParamList> {
        child(&self.syntax)
    }
    pub fn params(&self) -> impl Iterator<Item = Param> {
        self.param_list()
            .into_iter()
            .flat_map(|l| l.params().collect::<Vec<_>>())
    }
    pub fn ret_type(&self) -> Option<TypeRef> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
    pub fn effect_row(&self) -> Option<EffectRow> {
        child(&self.syntax)
    }
    /// The block body (`NL … end`).
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
    /// The expression body (`= expr`).
    pub fn expr_body(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(EQ))
    }
    /// A signature without a body (traits, effects).
    pub fn is_signature(&self) -> bool {
        self.body().is_none() && !has_token(&self.syntax, EQ)
    }
}

impl GenericParamList {
    pub fn params(&self) -> impl Iterator<Item = GenericParam> {
        children(&self.syntax)
    }
}

impl GenericParam {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    /// The bounds after `:` (`Ord + Display`).
    pub fn bounds(&self) -> impl Iterator<Item = TypeRef> {
        self.syntax
            .children()
            .filter(|c| c.kind() == BOUND_LIST)
            .flat_map(|b| children(&b).collect::<Vec<_>>())
    }
}

impl ParamList {
    pub fn params(&self) -> impl Iterator<Item = Param> {
        children(&self.syntax)
    }
}

impl Param {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn is_self(&self) -> bool {
        self.name()
            .and_then(|n| n.ident_token())
            .is_some_and(|t| t.kind() == SELF_KW)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
    pub fn default(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(EQ))
    }
    /// `...rest`
    pub fn is_variadic(&self) -> bool {
        has_token(&self.syntax, DOT3)
    }
}

impl RetType {
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

impl EffectRow {
    pub fn effects(&self) -> impl Iterator<Item = Path> {
        children(&self.syntax)
    }
    pub fn names(&self) -> Vec<String> {
        self.effects().map(|p| p.text()).collect()
    }
}

impl Const {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
    pub fn value(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(EQ))
    }
}

impl TypeAlias {
    pub fn is_pub(&self) -> bool {
        is_pub(&self.syntax)
    }
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn generic_params(&self) -> Option<GenericParamList> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

impl Trait {
    pub fn is_pub(&self) -> bool {
        is_pub(&self.syntax)
    }
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    /// Super-traits after `:`.
    pub fn bounds(&self) -> impl Iterator<Item = TypeRef> {
        self.syntax
            .children()
            .filter(|c| c.kind() == BOUND_LIST)
            .flat_map(|b| children(&b).collect::<Vec<_>>())
    }
    /// Methods, with or without bodies (`Cell::is_signature`).
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

impl Impl {
    pub fn generic_params(&self) -> Option<GenericParamList> {
        child(&self.syntax)
    }
    /// The trait: `Describe` in `impl Describe for Point`.
    pub fn trait_ty(&self) -> Option<TypeRef> {
        child_before(&self.syntax, is_kind(FOR_KW))
    }
    /// The implementing type: `Point` in `impl Describe for Point`.
    pub fn self_ty(&self) -> Option<TypeRef> {
        child_after(&self.syntax, is_kind(FOR_KW))
    }
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

impl Import {
    pub fn is_pub(&self) -> bool {
        is_pub(&self.syntax)
    }
    /// The module path: `a.b` in `import a.b: X`.
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    /// `import a.b: *`
    pub fn is_glob(&self) -> bool {
        has_token(&self.syntax, STAR)
    }
    pub fn items(&self) -> impl Iterator<Item = ImportItem> {
        children(&self.syntax)
    }
}

impl ImportItem {
    pub fn name_ref(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    /// `Z` in `Y as Z`.
    pub fn alias(&self) -> Option<Name> {
        child(&self.syntax)
    }
}

impl UseTool {
    /// The tool id: `llm.chat`.
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    pub fn alias(&self) -> Option<Name> {
        child(&self.syntax)
    }
}

impl Grant {
    /// The tool alias the grant applies to.
    pub fn target(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    pub fn entries(&self) -> impl Iterator<Item = GrantEntry> {
        children(&self.syntax)
    }
    /// Block form (`grant X` NL `key value` lines `end`).
    pub fn is_block(&self) -> bool {
        has_token(&self.syntax, END_KW)
    }
}

impl GrantEntry {
    pub fn key(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl BindEffect {
    pub fn effect(&self) -> Option<Path> {
        children(&self.syntax).next()
    }
    pub fn tool(&self) -> Option<Path> {
        children(&self.syntax).nth(1)
    }
}

impl Effect {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    /// Operation signatures.
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

impl Handler {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn clauses(&self) -> impl Iterator<Item = HandlerClause> {
        children(&self.syntax)
    }
}

impl HandlerClause {
    /// `Console.log`
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    pub fn params(&self) -> impl Iterator<Item = Param> {
        child::<ParamList>(&self.syntax)
            .into_iter()
            .flat_map(|l| l.params().collect::<Vec<_>>())
    }
    pub fn ret_type(&self) -> Option<TypeRef> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
    /// The body: an expression on the `=>` line, or a block.
    pub fn body(&self) -> Option<ArmBody> {
        child_after(&self.syntax, is_kind(FAT_ARROW))
            .or_else(|| child::<Block>(&self.syntax).map(ArmBody::Block))
    }
}

impl Agent {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn fields(&self) -> impl Iterator<Item = Field> {
        children(&self.syntax)
    }
    /// Nested declarations: `use tool`, `grant`, cells.
    pub fn items(&self) -> impl Iterator<Item = Item> {
        children(&self.syntax)
    }
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

impl Orchestration {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn fields(&self) -> impl Iterator<Item = Field> {
        children(&self.syntax)
    }
    pub fn items(&self) -> impl Iterator<Item = Item> {
        children(&self.syntax)
    }
    pub fn cells(&self) -> impl Iterator<Item = Cell> {
        children(&self.syntax)
    }
}

// ------------------------------------------------------------------ statements

impl Block {
    pub fn stmts(&self) -> impl Iterator<Item = Stmt> {
        children(&self.syntax)
    }
}

impl LetStmt {
    pub fn is_mut(&self) -> bool {
        has_token(&self.syntax, MUT_KW)
    }
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
    pub fn init(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(EQ))
    }
}

impl AssignStmt {
    /// The place assigned to (`users[1].age`).
    pub fn target(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn op_token(&self) -> Option<SyntaxToken> {
        self.syntax
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| t.kind().is_assign_op())
    }
    /// `EQ` for plain assignment, `PLUSEQ` etc. for compound ones.
    pub fn op_kind(&self) -> Option<SyntaxKind> {
        self.op_token().map(|t| t.kind())
    }
    /// The binary operator of a compound assignment (`+=` → `Add`).
    pub fn compound_op(&self) -> Option<super::BinaryOp> {
        super::BinaryOp::from_compound_assign(self.op_kind()?)
    }
    pub fn value(&self) -> Option<Expr> {
        child_after(&self.syntax, |t| t.kind().is_assign_op())
    }
}

impl ExprStmt {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl ForStmt {
    pub fn label(&self) -> Option<Label> {
        child(&self.syntax)
    }
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn iterable(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(IN_KW))
    }
    /// The `if` filter.
    pub fn filter(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(IF_KW))
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl WhileStmt {
    pub fn label(&self) -> Option<Label> {
        child(&self.syntax)
    }
    pub fn condition(&self) -> Option<Condition> {
        child(&self.syntax)
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl LoopStmt {
    pub fn label(&self) -> Option<Label> {
        child(&self.syntax)
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl LoopExpr {
    pub fn label(&self) -> Option<Label> {
        child(&self.syntax)
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl AssertStmt {
    /// The asserted condition.
    pub fn condition(&self) -> Option<Expr> {
        child_before(&self.syntax, is_kind(COMMA))
    }
    /// The message after `,`.
    pub fn message(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(COMMA))
    }
}

impl ReturnStmt {
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl HaltStmt {
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl BreakStmt {
    pub fn label(&self) -> Option<Label> {
        child(&self.syntax)
    }
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl ContinueStmt {
    pub fn label(&self) -> Option<Label> {
        child(&self.syntax)
    }
}

impl DeferStmt {
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl EmitStmt {
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl LetCond {
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn expr(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(EQ))
    }
}

// ------------------------------------------------------------------ expressions

impl Literal {
    pub fn token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn kind(&self) -> Option<super::LiteralKind> {
        use super::LiteralKind as K;
        Some(match self.token()?.kind() {
            INT_NUMBER => K::Int,
            FLOAT_NUMBER => K::Float,
            TRUE_KW => K::Bool(true),
            FALSE_KW => K::Bool(false),
            NULL_KW => K::Null,
            RAW_STRING => K::RawString,
            BYTES => K::Bytes,
            _ => return None,
        })
    }
    /// The magnitude of an integer literal (`None` if it is not one or is malformed;
    /// out-of-range values are reported by the parser's validation).
    pub fn int_value(&self) -> Option<u64> {
        let t = self.token()?;
        (t.kind() == INT_NUMBER)
            .then(|| super::literals::decode_int(t.text()).ok())
            .flatten()
    }
    pub fn float_value(&self) -> Option<f64> {
        let t = self.token()?;
        (t.kind() == FLOAT_NUMBER)
            .then(|| super::literals::decode_float(t.text()).ok())
            .flatten()
    }
    /// The text of a raw string literal.
    pub fn raw_string_value(&self) -> Option<String> {
        let t = self.token()?;
        (t.kind() == RAW_STRING).then(|| super::literals::decode_raw_string(t.text()))
    }
    pub fn bytes_value(&self) -> Option<Vec<u8>> {
        let t = self.token()?;
        (t.kind() == BYTES)
            .then(|| super::literals::decode_bytes(t.text()).ok())
            .flatten()
    }
}

impl StringExpr {
    pub fn is_triple(&self) -> bool {
        self.syntax
            .first_token()
            .is_some_and(|t| t.text() == "\"\"\"")
    }
    /// Text segments (escapes decoded, triple-quoted text dedented) and
    /// interpolated expressions, in order. Malformed escapes are dropped here
    /// (the parser reports them).
    pub fn parts(&self) -> Vec<super::StringPart> {
        super::literals::string_parts(self).0
    }
    /// The decoded value when the string has no interpolation.
    pub fn plain_value(&self) -> Option<String> {
        let parts = self.parts();
        let mut out = String::new();
        for p in parts {
            match p {
                super::StringPart::Text(t) => out.push_str(&t),
                super::StringPart::Expr(..) => return None,
            }
        }
        Some(out)
    }
    pub fn interps(&self) -> impl Iterator<Item = Interp> {
        children(&self.syntax)
    }
}

impl Interp {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    /// The format spec without its colon: `>10` in `{x:>10}`.
    pub fn format_spec(&self) -> Option<String> {
        token(&self.syntax, FORMAT_SPEC).map(|t| t.text()[1..].to_string())
    }
}

impl BinExpr {
    pub fn lhs(&self) -> Option<Expr> {
        children(&self.syntax).next()
    }
    pub fn rhs(&self) -> Option<Expr> {
        children(&self.syntax).nth(1)
    }
    /// The operator's first token (`not` for `not in`).
    pub fn op_token(&self) -> Option<SyntaxToken> {
        self.syntax
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| !t.kind().is_trivia() && t.kind() != NEWLINE)
    }
    pub fn op(&self) -> Option<super::BinaryOp> {
        let t = self.op_token()?;
        if t.kind() == NOT_KW {
            return Some(super::BinaryOp::NotIn);
        }
        super::BinaryOp::from_kind(t.kind())
    }
}

impl PrefixExpr {
    pub fn op_token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn op(&self) -> Option<super::PrefixOp> {
        Some(match self.op_token()?.kind() {
            MINUS => super::PrefixOp::Neg,
            NOT_KW => super::PrefixOp::Not,
            TILDE => super::PrefixOp::BitNot,
            _ => return None,
        })
    }
    pub fn operand(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl RangeExpr {
    pub fn start(&self) -> Option<Expr> {
        child_before(&self.syntax, |t| matches!(t.kind(), DOT2 | DOT2EQ))
    }
    pub fn end(&self) -> Option<Expr> {
        let end: Option<Expr> = child_after(&self.syntax, |t| matches!(t.kind(), DOT2 | DOT2EQ));
        // Not the step: the end comes before the `step` keyword.
        end.filter(|e| {
            self.step_token()
                .is_none_or(|s| e.syntax().text_range().start() < s.text_range().start())
        })
    }
    /// `..=`
    pub fn is_inclusive(&self) -> bool {
        has_token(&self.syntax, DOT2EQ)
    }
    fn step_token(&self) -> Option<SyntaxToken> {
        self.syntax
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| t.kind() == IDENT && t.text() == "step")
    }
    pub fn step(&self) -> Option<Expr> {
        child_after(&self.syntax, is_word("step"))
    }
}

impl CallExpr {
    pub fn callee(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn arg_list(&self) -> Option<ArgList> {
        child(&self.syntax)
    }
    pub fn args(&self) -> impl Iterator<Item = Arg> {
        self.arg_list()
            .into_iter()
            .flat_map(|l| l.args().collect::<Vec<_>>())
    }
}

impl ArgList {
    pub fn args(&self) -> impl Iterator<Item = Arg> {
        children(&self.syntax)
    }
}

impl Arg {
    /// The name of a named argument (`x` in `x: 1`).
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    /// `...xs`
    pub fn is_spread(&self) -> bool {
        has_token(&self.syntax, DOT3)
    }
}

impl FieldExpr {
    pub fn receiver(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn name_ref(&self) -> Option<NameRef> {
        child_after(&self.syntax, |t| matches!(t.kind(), DOT | QUESTION_DOT))
    }
    pub fn field_name(&self) -> String {
        self.name_ref().map(|n| n.text()).unwrap_or_default()
    }
    /// `t.0` → `Some(0)`
    pub fn tuple_index(&self) -> Option<u32> {
        let t = self.name_ref()?.ident_token()?;
        (t.kind() == INT_NUMBER)
            .then(|| t.text().parse().ok())
            .flatten()
    }
    /// `?.`
    pub fn is_optional(&self) -> bool {
        has_token(&self.syntax, QUESTION_DOT)
    }
}

impl IndexExpr {
    pub fn base(&self) -> Option<Expr> {
        children(&self.syntax).next()
    }
    pub fn index(&self) -> Option<Expr> {
        children(&self.syntax).nth(1)
    }
    /// `?[`
    pub fn is_optional(&self) -> bool {
        has_token(&self.syntax, QUESTION_BRACK)
    }
}

impl PostfixExpr {
    pub fn operand(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn op(&self) -> Option<super::PostfixOp> {
        let t = self.syntax.last_token()?;
        Some(match t.kind() {
            BANG => super::PostfixOp::Unwrap,
            QUESTION => super::PostfixOp::Propagate,
            _ => return None,
        })
    }
}

impl AsExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

impl IsExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

impl ParenExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl TupleExpr {
    pub fn elements(&self) -> impl Iterator<Item = Expr> {
        children(&self.syntax)
    }
}

impl ListExpr {
    pub fn elements(&self) -> impl Iterator<Item = super::Element> {
        children(&self.syntax)
    }
}

impl SetExpr {
    pub fn elements(&self) -> impl Iterator<Item = super::Element> {
        children(&self.syntax)
    }
}

impl Spread {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl MapExpr {
    pub fn entries(&self) -> impl Iterator<Item = MapEntry> {
        children(&self.syntax)
    }
    pub fn spreads(&self) -> impl Iterator<Item = Spread> {
        children(&self.syntax)
    }
}

impl MapEntry {
    pub fn key(&self) -> Option<Expr> {
        children(&self.syntax).next()
    }
    pub fn value(&self) -> Option<Expr> {
        children(&self.syntax).nth(1)
    }
}

impl LambdaExpr {
    pub fn params(&self) -> impl Iterator<Item = Param> {
        child::<ParamList>(&self.syntax)
            .into_iter()
            .flat_map(|l| l.params().collect::<Vec<_>>())
    }
    pub fn ret_type(&self) -> Option<TypeRef> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
    pub fn effect_row(&self) -> Option<EffectRow> {
        child(&self.syntax)
    }
    /// `=> expr` or a block.
    pub fn body(&self) -> Option<ArmBody> {
        if let Some(b) = child::<Block>(&self.syntax) {
            return Some(ArmBody::Block(b));
        }
        child_after::<Expr>(&self.syntax, is_kind(FAT_ARROW)).map(ArmBody::Expr)
    }
}

/// One `if`/`else if` arm: its condition and block.
pub type IfBranch = (Option<Condition>, Option<Block>);

impl IfExpr {
    /// `if c then a else b` (as opposed to the block form).
    pub fn is_inline(&self) -> bool {
        has_token(&self.syntax, THEN_KW)
    }
    pub fn condition(&self) -> Option<Condition> {
        child(&self.syntax)
    }
    /// Block form: the `then` block.
    pub fn then_block(&self) -> Option<Block> {
        child(&self.syntax)
    }
    /// Block form: `else` followed by a block or an `else if`.
    pub fn else_branch(&self) -> Option<ElseBranch> {
        child(&self.syntax)
    }
    /// Inline form: the value after `then`.
    pub fn then_expr(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(THEN_KW))
    }
    /// Inline form: the value after `else`.
    pub fn else_expr(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(ELSE_KW))
    }
    /// Block form flattened: every `(condition, block)` of the `if`/`else if`
    /// chain, and the final `else` block.
    pub fn branches(&self) -> (Vec<IfBranch>, Option<Block>) {
        let mut out = Vec::new();
        let mut cur = Some(self.clone());
        let mut final_else = None;
        while let Some(i) = cur.take() {
            out.push((i.condition(), i.then_block()));
            if let Some(e) = i.else_branch() {
                match e.if_expr() {
                    Some(nested) => cur = Some(nested),
                    None => final_else = e.block(),
                }
            }
        }
        (out, final_else)
    }
}

impl ElseBranch {
    /// `else if …`
    pub fn if_expr(&self) -> Option<IfExpr> {
        child(&self.syntax)
    }
    pub fn block(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl MatchExpr {
    pub fn scrutinee(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn arms(&self) -> impl Iterator<Item = MatchArm> {
        children(&self.syntax)
    }
}

impl MatchArm {
    /// The alternatives before the guard (`a | b -> …` has two).
    pub fn patterns(&self) -> impl Iterator<Item = Pattern> {
        children(&self.syntax)
    }
    pub fn guard(&self) -> Option<Expr> {
        self.syntax
            .children()
            .find(|c| c.kind() == MATCH_GUARD)
            .and_then(|g| child(&g))
    }
    pub fn body(&self) -> Option<ArmBody> {
        child_after(&self.syntax, is_kind(ARROW))
    }
}

impl WhenExpr {
    pub fn arms(&self) -> impl Iterator<Item = WhenArm> {
        children(&self.syntax)
    }
}

impl WhenArm {
    /// `None` for the `_` arm.
    pub fn condition(&self) -> Option<Expr> {
        child_before(&self.syntax, is_kind(ARROW))
    }
    pub fn is_wildcard(&self) -> bool {
        has_token(&self.syntax, UNDERSCORE)
    }
    pub fn body(&self) -> Option<ArmBody> {
        child_after(&self.syntax, is_kind(ARROW))
    }
}

impl DoExpr {
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

/// Which brackets a comprehension uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Map,
}

impl CompExpr {
    pub fn kind(&self) -> CompKind {
        match self.syntax.first_token().map(|t| t.kind()) {
            Some(L_BRACK) => CompKind::List,
            _ if self.entry().is_some() => CompKind::Map,
            _ => CompKind::Set,
        }
    }
    /// The element expression (list and set comprehensions).
    pub fn element(&self) -> Option<Expr> {
        child_before(&self.syntax, is_kind(FOR_KW))
    }
    /// The `key: value` element (map comprehensions).
    pub fn entry(&self) -> Option<MapEntry> {
        child(&self.syntax)
    }
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn iterable(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(IN_KW))
    }
    pub fn filter(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(IF_KW))
    }
}

impl AwaitExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl TryExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl SpawnExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl ParallelForExpr {
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn iterable(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(IN_KW))
    }
    pub fn filter(&self) -> Option<Expr> {
        child_after(&self.syntax, is_kind(IF_KW))
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

/// The keyword of a [`ConcurrentExpr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrentKind {
    Parallel,
    Race,
    Vote,
    Select,
}

impl ConcurrentExpr {
    pub fn kind(&self) -> Option<ConcurrentKind> {
        Some(match self.syntax.first_token()?.kind() {
            PARALLEL_KW => ConcurrentKind::Parallel,
            RACE_KW => ConcurrentKind::Race,
            VOTE_KW => ConcurrentKind::Vote,
            SELECT_KW => ConcurrentKind::Select,
            _ => return None,
        })
    }
    pub fn branches(&self) -> impl Iterator<Item = Branch> {
        children(&self.syntax)
    }
}

impl Branch {
    /// `a` in `a = fetch_a()`.
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl TimeoutExpr {
    pub fn args(&self) -> impl Iterator<Item = Arg> {
        child::<ArgList>(&self.syntax)
            .into_iter()
            .flat_map(|l| l.args().collect::<Vec<_>>())
    }
    /// The first argument (milliseconds).
    pub fn duration(&self) -> Option<Expr> {
        self.args().next().and_then(|a| a.value())
    }
    /// The second argument (the guarded computation).
    pub fn body(&self) -> Option<Expr> {
        self.args().nth(1).and_then(|a| a.value())
    }
}

impl HandleExpr {
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
    pub fn clauses(&self) -> impl Iterator<Item = HandlerClause> {
        children(&self.syntax)
    }
    /// `Name` in `handle … with Name end`.
    pub fn handler_name(&self) -> Option<Path> {
        child(&self.syntax)
    }
}

impl PerformExpr {
    /// `Console.log`
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    pub fn args(&self) -> impl Iterator<Item = Arg> {
        child::<ArgList>(&self.syntax)
            .into_iter()
            .flat_map(|l| l.args().collect::<Vec<_>>())
    }
}

impl RoleExpr {
    /// `system` in `role system: …`.
    pub fn role_name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    /// Multi-line form ending in `end`.
    pub fn is_block(&self) -> bool {
        has_token(&self.syntax, END_KW)
    }
    /// The text (trailing spaces dropped; a block dedented) and interpolations.
    pub fn parts(&self) -> Vec<super::StringPart> {
        super::literals::role_parts(self)
    }
}

// ------------------------------------------------------------------ patterns

impl IdentPat {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
}

impl LiteralPat {
    /// A `Literal`, `StringExpr`, or `PrefixExpr` (negative number).
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl RangePat {
    pub fn start(&self) -> Option<Expr> {
        children(&self.syntax).next()
    }
    pub fn end(&self) -> Option<Expr> {
        children(&self.syntax).nth(1)
    }
    pub fn is_inclusive(&self) -> bool {
        has_token(&self.syntax, DOT2EQ)
    }
}

impl TypeTestPat {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

/// An element inside a constructor pattern's parentheses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CtorArg {
    Positional(Pattern),
    Field(FieldPat),
    /// `..`
    Rest(RestPat),
}

impl CtorPat {
    /// `Some`, `Shape.Circle`, `ok`
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    /// Whether the pattern has parentheses (`Empty` vs `Empty()`).
    pub fn has_args(&self) -> bool {
        has_token(&self.syntax, L_PAREN)
    }
    pub fn args(&self) -> impl Iterator<Item = CtorArg> {
        self.syntax.children().filter_map(|c| match c.kind() {
            FIELD_PAT => FieldPat::cast(c).map(CtorArg::Field),
            REST_PAT => RestPat::cast(c).map(CtorArg::Rest),
            PATH => None,
            _ => Pattern::cast(c).map(CtorArg::Positional),
        })
    }
}

impl FieldPat {
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
}

impl RestPat {
    /// `rest` in `...rest`.
    pub fn name(&self) -> Option<Name> {
        child(&self.syntax)
    }
}

impl TuplePat {
    pub fn elements(&self) -> impl Iterator<Item = Pattern> {
        children(&self.syntax)
    }
}

impl ListPat {
    /// Elements, including a `RestPat` for `...rest`.
    pub fn elements(&self) -> impl Iterator<Item = Pattern> {
        children(&self.syntax)
    }
}

impl OrPat {
    pub fn alternatives(&self) -> impl Iterator<Item = Pattern> {
        children(&self.syntax)
    }
}

impl ParenPat {
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
}

// ------------------------------------------------------------------ types

impl PathType {
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    /// `list` in `list[Int]`, `a.B` for qualified names.
    pub fn name(&self) -> String {
        self.path().map(|p| p.text()).unwrap_or_default()
    }
    /// Type arguments in brackets.
    pub fn args(&self) -> impl Iterator<Item = TypeRef> {
        child::<TypeArgList>(&self.syntax)
            .into_iter()
            .flat_map(|l| children(&l.syntax).collect::<Vec<_>>())
    }
}

impl TupleType {
    pub fn elements(&self) -> impl Iterator<Item = TypeRef> {
        children(&self.syntax)
    }
}

impl UnionType {
    pub fn members(&self) -> impl Iterator<Item = TypeRef> {
        children(&self.syntax)
    }
}

impl OptionalType {
    pub fn inner(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}

impl FnType {
    pub fn params(&self) -> impl Iterator<Item = TypeRef> {
        children(&self.syntax)
    }
    pub fn ret_type(&self) -> Option<TypeRef> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
    pub fn effect_row(&self) -> Option<EffectRow> {
        child(&self.syntax)
    }
}

impl ParenType {
    pub fn inner(&self) -> Option<TypeRef> {
        child(&self.syntax)
    }
}
