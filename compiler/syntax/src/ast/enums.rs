//! The sum types of the AST: `Item`, `Stmt`, `Expr`, `Pattern`, `TypeRef`
//! and the small unions used by accessors (`Condition`, `ArmBody`, `Element`).

use super::nodes::*;
use super::AstNode;
use crate::SyntaxKind::{self, *};
use crate::SyntaxNode;

macro_rules! ast_enum {
    ($(#[$attr:meta])* $name:ident { $($variant:ident($ty:ty) = $($kind:ident)|+,)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name { $($variant($ty),)* }
        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool {
                matches!(kind, $($($kind)|+)|*)
            }
            fn cast(node: SyntaxNode) -> Option<Self> {
                match node.kind() {
                    $($($kind)|+ => Some($name::$variant(<$ty>::cast(node)?)),)*
                    _ => None,
                }
            }
            fn syntax(&self) -> &SyntaxNode {
                match self { $($name::$variant(it) => it.syntax(),)* }
            }
        }
    };
}

ast_enum! {
    /// A declaration.
    Decl {
        Record(Record) = RECORD,
        Enum(Enum) = ENUM,
        Cell(Cell) = CELL,
        Const(Const) = CONST,
        TypeAlias(TypeAlias) = TYPE_ALIAS,
        Trait(Trait) = TRAIT,
        Impl(Impl) = IMPL,
        Import(Import) = IMPORT,
        UseTool(UseTool) = USE_TOOL,
        Grant(Grant) = GRANT,
        BindEffect(BindEffect) = BIND_EFFECT,
        Effect(Effect) = EFFECT,
        Handler(Handler) = HANDLER,
        Agent(Agent) = AGENT,
        Orchestration(Orchestration) = ORCHESTRATION,
    }
}

/// Something at the top level of a file (or a declaration body): a declaration
/// or a statement (top-level statements form the implicit `main`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    Record(Record),
    Enum(Enum),
    Cell(Cell),
    Const(Const),
    TypeAlias(TypeAlias),
    Trait(Trait),
    Impl(Impl),
    Import(Import),
    UseTool(UseTool),
    Grant(Grant),
    BindEffect(BindEffect),
    Effect(Effect),
    Handler(Handler),
    Agent(Agent),
    Orchestration(Orchestration),
    Stmt(Stmt),
}

impl From<Decl> for Item {
    fn from(d: Decl) -> Item {
        match d {
            Decl::Record(x) => Item::Record(x),
            Decl::Enum(x) => Item::Enum(x),
            Decl::Cell(x) => Item::Cell(x),
            Decl::Const(x) => Item::Const(x),
            Decl::TypeAlias(x) => Item::TypeAlias(x),
            Decl::Trait(x) => Item::Trait(x),
            Decl::Impl(x) => Item::Impl(x),
            Decl::Import(x) => Item::Import(x),
            Decl::UseTool(x) => Item::UseTool(x),
            Decl::Grant(x) => Item::Grant(x),
            Decl::BindEffect(x) => Item::BindEffect(x),
            Decl::Effect(x) => Item::Effect(x),
            Decl::Handler(x) => Item::Handler(x),
            Decl::Agent(x) => Item::Agent(x),
            Decl::Orchestration(x) => Item::Orchestration(x),
        }
    }
}

impl AstNode for Item {
    fn can_cast(kind: SyntaxKind) -> bool {
        Decl::can_cast(kind) || Stmt::can_cast(kind)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        if Decl::can_cast(node.kind()) {
            return Decl::cast(node).map(Item::from);
        }
        Stmt::cast(node).map(Item::Stmt)
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Item::Record(x) => x.syntax(),
            Item::Enum(x) => x.syntax(),
            Item::Cell(x) => x.syntax(),
            Item::Const(x) => x.syntax(),
            Item::TypeAlias(x) => x.syntax(),
            Item::Trait(x) => x.syntax(),
            Item::Impl(x) => x.syntax(),
            Item::Import(x) => x.syntax(),
            Item::UseTool(x) => x.syntax(),
            Item::Grant(x) => x.syntax(),
            Item::BindEffect(x) => x.syntax(),
            Item::Effect(x) => x.syntax(),
            Item::Handler(x) => x.syntax(),
            Item::Agent(x) => x.syntax(),
            Item::Orchestration(x) => x.syntax(),
            Item::Stmt(x) => x.syntax(),
        }
    }
}

ast_enum! {
    /// A statement in a block. `if`, `match` and `role` statements are the
    /// expression nodes themselves; declarations inside blocks are `Decl`.
    Stmt {
        Let(LetStmt) = LET_STMT,
        Assign(AssignStmt) = ASSIGN_STMT,
        If(IfExpr) = IF_EXPR,
        For(ForStmt) = FOR_STMT,
        While(WhileStmt) = WHILE_STMT,
        Loop(LoopStmt) = LOOP_STMT,
        Match(MatchExpr) = MATCH_EXPR,
        Return(ReturnStmt) = RETURN_STMT,
        Halt(HaltStmt) = HALT_STMT,
        Break(BreakStmt) = BREAK_STMT,
        Continue(ContinueStmt) = CONTINUE_STMT,
        Defer(DeferStmt) = DEFER_STMT,
        Emit(EmitStmt) = EMIT_STMT,
        Assert(AssertStmt) = ASSERT_STMT,
        Role(RoleExpr) = ROLE_EXPR,
        Expr(ExprStmt) = EXPR_STMT,
        Decl(Decl) = RECORD | ENUM | CELL | CONST | TYPE_ALIAS | TRAIT | IMPL | IMPORT | USE_TOOL | GRANT | BIND_EFFECT | EFFECT | HANDLER | AGENT | ORCHESTRATION,
    }
}

ast_enum! {
    Expr {
        Literal(Literal) = LITERAL,
        String(StringExpr) = STRING,
        Name(NameRef) = NAME_REF,
        Binary(BinExpr) = BIN_EXPR,
        Prefix(PrefixExpr) = PREFIX_EXPR,
        Range(RangeExpr) = RANGE_EXPR,
        Call(CallExpr) = CALL_EXPR,
        Field(FieldExpr) = FIELD_EXPR,
        Index(IndexExpr) = INDEX_EXPR,
        Postfix(PostfixExpr) = POSTFIX_EXPR,
        As(AsExpr) = AS_EXPR,
        Is(IsExpr) = IS_EXPR,
        Paren(ParenExpr) = PAREN_EXPR,
        Tuple(TupleExpr) = TUPLE_EXPR,
        List(ListExpr) = LIST_EXPR,
        Map(MapExpr) = MAP_EXPR,
        Set(SetExpr) = SET_EXPR,
        Lambda(LambdaExpr) = LAMBDA_EXPR,
        If(IfExpr) = IF_EXPR,
        Match(MatchExpr) = MATCH_EXPR,
        When(WhenExpr) = WHEN_EXPR,
        Do(DoExpr) = DO_EXPR,
        Loop(LoopExpr) = LOOP_EXPR,
        Comprehension(CompExpr) = COMP_EXPR,
        Await(AwaitExpr) = AWAIT_EXPR,
        Try(TryExpr) = TRY_EXPR,
        Spawn(SpawnExpr) = SPAWN_EXPR,
        ParallelFor(ParallelForExpr) = PARALLEL_FOR_EXPR,
        Concurrent(ConcurrentExpr) = CONCURRENT_EXPR,
        Timeout(TimeoutExpr) = TIMEOUT_EXPR,
        Handle(HandleExpr) = HANDLE_EXPR,
        Perform(PerformExpr) = PERFORM_EXPR,
        Role(RoleExpr) = ROLE_EXPR,
    }
}

ast_enum! {
    Pattern {
        Wildcard(WildcardPat) = WILDCARD_PAT,
        Ident(IdentPat) = IDENT_PAT,
        Literal(LiteralPat) = LITERAL_PAT,
        Range(RangePat) = RANGE_PAT,
        TypeTest(TypeTestPat) = TYPE_TEST_PAT,
        Ctor(CtorPat) = CTOR_PAT,
        Tuple(TuplePat) = TUPLE_PAT,
        List(ListPat) = LIST_PAT,
        Rest(RestPat) = REST_PAT,
        Or(OrPat) = OR_PAT,
        Paren(ParenPat) = PAREN_PAT,
    }
}

ast_enum! {
    TypeRef {
        Path(PathType) = PATH_TYPE,
        Tuple(TupleType) = TUPLE_TYPE,
        Union(UnionType) = UNION_TYPE,
        Optional(OptionalType) = OPTIONAL_TYPE,
        Fn(FnType) = FN_TYPE,
        Null(NullType) = NULL_TYPE,
        Paren(ParenType) = PAREN_TYPE,
    }
}

/// An `if`/`while` condition: an expression or `let pattern = expr`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    Expr(Expr),
    Let(LetCond),
}

impl AstNode for Condition {
    fn can_cast(kind: SyntaxKind) -> bool {
        kind == LET_COND || Expr::can_cast(kind)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        if node.kind() == LET_COND {
            return LetCond::cast(node).map(Condition::Let);
        }
        Expr::cast(node).map(Condition::Expr)
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Condition::Expr(e) => e.syntax(),
            Condition::Let(l) => l.syntax(),
        }
    }
}

/// The body of a match/when arm, handle clause or lambda: an expression on
/// the same line, or a block (statements, or an indented multi-line body).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArmBody {
    Expr(Expr),
    Block(Block),
}

impl AstNode for ArmBody {
    fn can_cast(kind: SyntaxKind) -> bool {
        kind == BLOCK || Expr::can_cast(kind)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        if node.kind() == BLOCK {
            return Block::cast(node).map(ArmBody::Block);
        }
        Expr::cast(node).map(ArmBody::Expr)
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            ArmBody::Expr(e) => e.syntax(),
            ArmBody::Block(b) => b.syntax(),
        }
    }
}

/// A list or set element: an expression or `...spread`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Element {
    Expr(Expr),
    Spread(Spread),
}

impl AstNode for Element {
    fn can_cast(kind: SyntaxKind) -> bool {
        kind == SPREAD || Expr::can_cast(kind)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        if node.kind() == SPREAD {
            return Spread::cast(node).map(Element::Spread);
        }
        Expr::cast(node).map(Element::Expr)
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Element::Expr(e) => e.syntax(),
            Element::Spread(s) => s.syntax(),
        }
    }
}

/// A piece of an interpolated string or role text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StringPart {
    /// Literal text, escapes decoded.
    Text(String),
    /// An interpolated expression and its format spec (without the `:`).
    Expr(Expr, Option<String>),
}

/// What kind of value a [`Literal`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    Int,
    Float,
    Bool(bool),
    Null,
    RawString,
    Bytes,
}
