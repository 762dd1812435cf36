//! The type checker: walks the typed AST, resolves names, checks types and
//! builds typed HIR. All errors of a program are collected in one run; an
//! expression that fails to check gets [`Type::Error`], which silences
//! follow-up errors about it.
//!
//! Sub-modules: [`items`] (declarations, signatures, the implicit `main`),
//! [`stmt`] (statements and blocks), [`expr`] (expressions), [`ops`] (operator
//! typing), [`pattern`] (match patterns), [`calls`] (cells and builtins).

mod agents;
mod aliases;
mod arg_order;
mod arg_source;
mod asserts;
mod build;
mod builtin_params;
mod calls;
mod channel_inference;
mod channels;
mod collections;
mod comprehension;
mod constraints;
mod decls;
mod destructure;
mod effect_rows;
mod effects;
mod expr;
mod forms;
mod futures;
mod generic_bodies;
mod generic_types;
mod generics;
mod grants;
mod higher_order;
mod instance_chains;
mod instance_notes;
mod items;
mod json;
mod lambda;
mod library;
mod loop_values;
mod methods;
mod modules;
mod ops;
mod pattern;
mod results;
mod roles;
mod spawn;
mod spreads;
mod stmt;
mod suggest;
mod tool_calls;
mod tool_kinds;
mod tools;
mod unions;
mod unused_futures;
mod values;

use std::collections::{HashMap, HashSet};

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast::{self, AstNode};

use crate::hir::{self, CellId, Type, VarId};
use crate::scope::Scopes;

/// Stable diagnostic codes (documented in `docs/diagnostics.md`).
pub mod codes {
    pub const UNRESOLVED_NAME: &str = "E0100";
    pub const DUPLICATE_DEFINITION: &str = "E0101";
    pub const MAIN_CONFLICT: &str = "E0102";
    pub const BAD_ARGUMENTS: &str = "E0200";
    pub const BAD_PARAMETERS: &str = "E0201";
    pub const MISMATCHED_TYPES: &str = "E0301";
    pub const BAD_OPERANDS: &str = "E0302";
    pub const IMMUTABLE_ASSIGN: &str = "E0303";
    pub const MISSING_RETURN: &str = "E0304";
    pub const NON_EXHAUSTIVE: &str = "E0305";
    pub const BAD_FORMAT_SPEC: &str = "E0306";
    pub const BAD_LOOP_CONTROL: &str = "E0307";
    pub const BAD_LITERAL: &str = "E0308";
    pub const NOT_CONSTANT: &str = "E0309";
    pub const NEEDS_ANNOTATION: &str = "E0310";
    pub const NOT_DECODABLE: &str = "E0311";
    pub const REFUTABLE_PATTERN: &str = "E0312";
    pub const OR_PATTERN_BINDINGS: &str = "E0313";
    pub const MISPLACED_DECLARATION: &str = "E0314";
    /// Polymorphic recursion: a generic cell needs instances without end.
    pub const INFINITE_INSTANTIATION: &str = "E0315";
    /// A bare `break` in a `loop` whose value is used.
    pub const BREAK_WITHOUT_VALUE: &str = "E0316";
    /// A `loop` whose value is used has no `break` that gives one.
    pub const LOOP_WITHOUT_VALUE: &str = "E0317";
    /// A `spawn`/`timeout` operand, a form or a future used wrongly (async.md §7).
    pub const ASYNC_FORM: &str = "E0700";
    /// A call that cannot be reproduced under `@deterministic true`.
    pub const NOT_DETERMINISTIC: &str = "E0701";
    /// `use tool`: a reserved id that is not a known tool, an alias
    /// declared twice or clashing with a cell, type or builtin.
    pub const TOOL_DECLARATION: &str = "E0800";
    /// `grant`: an unknown target or key, a key that does not apply to the
    /// tool, a value of the wrong type or out of range, a bad domain pattern.
    pub const BAD_GRANT: &str = "E0801";
    /// A tool call: positional, unknown, duplicate or mistyped arguments,
    /// nothing to send, a `result` context without `try`, an alias used as
    /// a value.
    pub const BAD_TOOL_CALL: &str = "E0802";
    /// A `role` block: an unknown role name.
    pub const BAD_ROLE: &str = "E0803";
    /// A cell performs an effect its declared row does not list.
    pub const MISSING_EFFECT: &str = "E0804";
    /// `bind effect`: not at the top level, an unknown effect or alias, an
    /// alias or effect bound twice, operation parameters the tool cannot take.
    pub const BAD_BIND: &str = "E0805";
    /// Algebraic effects: an operation declared with a body or handled
    /// twice, `resume` outside a clause, an effect no handler handles.
    pub const BAD_EFFECT: &str = "E0806";
    pub const NOT_SUPPORTED: &str = "E0900";
    pub const UNUSED_VARIABLE: &str = "W0001";
    pub const UNREACHABLE_ARM: &str = "W0002";
    pub const SHADOWED_BUILTIN: &str = "W0003";
    pub const UNREACHABLE_CODE: &str = "W0004";
    /// A future that is never awaited, inspected or passed on (async.md §7).
    pub const UNUSED_FUTURE: &str = "W0005";
    /// The value of a pure expression used as a statement is thrown away
    /// (types.md §2: "unused results of pure calls").
    pub const UNUSED_RESULT: &str = "W0008";
    /// A tool alias declared in a cell shadows one of the file.
    pub const SHADOWED_ALIAS: &str = "W0006";
    /// E0804 under `@strict false`.
    pub const MISSING_EFFECT_WARNING: &str = "W0007";
}

/// Checks a parsed file. Returns the program when it has no errors, and every
/// diagnostic (errors and warnings) found.
pub fn check(file: &ast::SourceFile) -> (Option<hir::Program>, Vec<Diagnostic>) {
    check_modules(&[Module {
        name: String::new(),
        tree: file.clone(),
    }])
}

pub use modules::Module;

/// What the driver decides for a whole program, beside its text.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// `--deterministic` (cli.md): as if the main file began with
    /// `@deterministic true`, whatever its own directive says.
    pub deterministic: bool,
}

/// Checks a program made of several modules (the main file first). Each
/// diagnostic's `file` is the index of the module it is about.
pub fn check_modules(modules: &[Module]) -> (Option<hir::Program>, Vec<Diagnostic>) {
    check_modules_with(modules, Options::default())
}

/// [`check_modules`] with the driver's [`Options`].
pub fn check_modules_with(
    modules: &[Module],
    options: Options,
) -> (Option<hir::Program>, Vec<Diagnostic>) {
    let mut checker = Checker {
        deterministic: options.deterministic,
        deterministic_by_flag: options.deterministic,
        ..Checker::default()
    };
    let program = checker.check_program(modules);
    let has_errors = checker.diagnostics.iter().any(Diagnostic::is_error);
    (if has_errors { None } else { program }, checker.diagnostics)
}

/// A cell's signature, known before any body is checked.
#[derive(Clone)]
pub(crate) struct CellSig {
    pub name: String,
    pub params: Vec<ParamSig>,
    /// The declared return type; `None` when it is inferred from the body.
    pub declared_ret: Option<Type>,
    pub span: Span,
    /// The syntax of the cell (`None` for the implicit main).
    pub syntax: Option<ast::Cell>,
    /// The module the cell is declared in.
    pub module: usize,
    /// Type parameters of a generic cell (a template: only its instances
    /// are checked and compiled).
    pub generics: Vec<generics::TypeParam>,
    /// For an instance of a generic cell: its type arguments by name.
    pub type_args: HashMap<String, Type>,
}

#[derive(Clone)]
pub(crate) struct ParamSig {
    pub name: String,
    /// For a variadic parameter (`...rest: T`), the list type `list[T]`.
    pub ty: Type,
    pub default: Option<ast::Expr>,
    pub span: Span,
    /// `...rest: T`: takes the remaining positional arguments as a list.
    pub variadic: bool,
}

/// How far the return type of a cell without `->` has been worked out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RetState {
    Unknown,
    InProgress,
    Known(Type),
}

/// Per-body state: the variables of the cell being checked and its scopes.
#[derive(Clone)]
pub(crate) struct Body {
    pub vars: Vec<hir::Var>,
    pub scopes: Scopes,
    /// The type `return` values must have, when declared.
    pub expected_ret: Option<Type>,
    /// Types of `return` values seen, for cells whose return type is inferred.
    pub returned: Vec<(Type, Span)>,
    pub used: HashSet<VarId>,
    /// For a lambda body: variables of the enclosing body it captures, as
    /// (outer variable, the lambda's own copy).
    pub captures: Vec<(VarId, VarId)>,
    pub is_lambda: bool,
    /// The body of a thunk (code a form or `spawn` runs as a task): `return`
    /// has no cell to leave there.
    pub is_thunk: bool,
    /// The thunk is the operand of `try e`, run in place (not a task).
    pub in_try: bool,
    /// Tells this body from every other one checked in this run (depths
    /// on the body stack are reused), for [`channel_inference`].
    pub serial: u64,
    /// The cell (named or hidden) this is the body of, when it is one: the
    /// effects its tool calls perform are logged against it
    /// ([`effect_rows`]).
    pub owner: Option<CellId>,
    /// Statements a thunk's body runs before its value (the copy of the
    /// conversation its `role` statements append to, see [`roles`]).
    pub prelude: Vec<hir::Stmt>,
    /// For the body or a clause of a `handle` (a thunk): which.
    pub handle_part: Option<effects::HandlePart>,
    /// For a handler clause: what `resume` means there.
    pub resume: Option<effects::ResumeContext>,
    /// Narrowed copies (`if x != null`, `while x != null`) and the
    /// variables they narrow: assigning the name assigns the variable.
    pub narrowed_from: HashMap<VarId, VarId>,
    /// The `loop`s being checked, by id: whether their value is used and
    /// what their `break`s gave so far ([`loop_values`]).
    pub loop_values: HashMap<hir::LoopId, loop_values::LoopValue>,
    /// Variables bound by a field name alone (`Rect(w:, h)`): renaming one
    /// would name another field, so W0001 suggests `w: _` instead.
    pub field_puns: HashSet<VarId>,
}

impl Body {
    fn new(expected_ret: Option<Type>) -> Self {
        Body {
            vars: Vec::new(),
            scopes: Scopes::new(),
            expected_ret,
            returned: Vec::new(),
            used: HashSet::new(),
            captures: Vec::new(),
            is_lambda: false,
            is_thunk: false,
            in_try: false,
            serial: {
                use std::sync::atomic::{AtomicU64, Ordering};
                static NEXT: AtomicU64 = AtomicU64::new(0);
                NEXT.fetch_add(1, Ordering::Relaxed)
            },
            owner: None,
            prelude: Vec::new(),
            handle_part: None,
            resume: None,
            narrowed_from: HashMap::new(),
            loop_values: HashMap::new(),
            field_puns: HashSet::new(),
        }
    }
}

#[derive(Default, Clone)]
pub(crate) struct Checker {
    /// `async cell`s: a call spawns the cell (async.md §2).
    pub async_cells: HashSet<CellId>,
    /// `@deterministic true` (or `--deterministic`).
    pub deterministic: bool,
    /// Deterministic because of `--deterministic` alone (the file has no
    /// `@deterministic true`): diagnostics then name the flag.
    pub deterministic_by_flag: bool,
    /// The next `await` is a `match` scrutinee (directly or through a
    /// `let`) with a `name: String` arm: it yields the outcome (async.md §3).
    pub await_outcome_next: Option<Span>,
    /// `name: String` arms of matches on a `let`-bound await whose variable
    /// is used elsewhere too, so that they do not receive failures.
    pub outcome_missed_arms: Vec<Span>,
    /// The expected type of the call being checked, for telling apart
    /// variants of the same name (`let l: Light = Red(1)`).
    pub variant_hint: Option<Type>,
    /// The records standing for type parameters while a generic cell's body
    /// is checked at its declaration (`generic_bodies`).
    pub archetypes: HashSet<u32>,
    /// The type the next `let` checked takes as its expected type: what
    /// [`channel_inference`] found for `let ch = channel()`.
    pub inferred_let: Option<Type>,
    /// In a speculative check for a channel's element type: the channel and
    /// what its uses gave so far (see [`channel_inference`]).
    pending_channel: Option<channel_inference::PendingChannel>,
    pub diagnostics: Vec<Diagnostic>,
    pub cells: Vec<CellSig>,
    pub cell_names: HashMap<String, CellId>,
    /// `type` aliases by key, with the module that declares them.
    pub(crate) aliases: HashMap<String, (ast::TypeAlias, usize)>,
    /// The type parameters of generic aliases, by key.
    pub(crate) alias_params: HashMap<String, Vec<String>>,
    /// Bounds on the type parameters of generic aliases (`type Sorted[T:
    /// Ord] = list[T]`), checked at each use: (parameter, bound, its span).
    pub(crate) alias_bounds: HashMap<String, Vec<(usize, String, Span)>>,
    /// Alias bounds on user traits met before the `impl` blocks were
    /// collected, and whether they are now.
    pending_alias_bounds: Vec<aliases::AliasBound>,
    impls_collected: bool,
    /// Resolved aliases per type arguments (none for a plain alias).
    alias_types: HashMap<(String, Vec<Type>), Type>,
    /// Aliases being resolved right now: meeting one again is a cycle.
    alias_resolving: HashSet<String>,
    /// How deep [`Checker::match_type`] has expanded aliases (a guard
    /// against cycles, which are reported where the alias is resolved).
    alias_match_depth: std::cell::Cell<u32>,
    ret_states: Vec<RetState>,
    checked: Vec<Option<hir::Cell>>,
    pub consts: HashMap<String, Option<hir::Expr>>,
    /// Const declarations not yet checked (checked on first use or at the end).
    pub const_syntax: HashMap<String, ast::Const>,
    pub bodies: Vec<Body>,
    /// Records and enums.
    pub types: decls::TypeDecls,
    /// Closure wrappers of named cells used as values.
    cell_values: lambda::CellValues,
    /// Instances of generic cells.
    instances: generics::Instances,
    /// The type expected of the value of the next branch or block checked
    /// (a declared return type, or the expected type of an `if`/`match`).
    pub branch_expected: Option<Type>,
    /// Module paths, by module index (empty for the main file).
    pub module_names: Vec<String>,
    /// The module whose code is being checked.
    pub current_module: usize,
    /// Per module: visible name → key of the declaration.
    pub visible: Vec<HashMap<String, String>>,
    /// The module of each constant, by key.
    pub const_module: HashMap<String, usize>,
    /// `where` constraints of record fields.
    constraints: constraints::Constraints,
    /// Hidden `() -> F` cells giving field defaults to `from_json`, by
    /// (record id, field index).
    json_default_cells: HashMap<(u32, u32), CellId>,
    /// Generic records and enums and their instances.
    generic_types: generic_types::GenericTypes,
    /// Methods, traits and implementations.
    methods: methods::Methods,
    /// `impl` blocks, collected once every trait is declared.
    pending_impls: Vec<(usize, ast::Impl)>,
    /// Inside a `match` arm whose patterns all match one variant of an
    /// enum: the scrutinee variable (an immutable one, with the depth of
    /// the body it belongs to), the enum and the variant, so `v.field`
    /// reads that variant's payload (semantics.md §6).
    variant_narrowing: Vec<((usize, VarId), u32, u32)>,
    /// Type parameters bound while checking an instance (innermost last).
    pub type_args: Vec<HashMap<String, Type>>,
    /// Statements outside any cell: the body of the implicit `main`.
    top_level: Vec<ast::Stmt>,
    /// Tool aliases, grants and `bind effect` by scope, the built-in
    /// `Message` and `HttpResponse` (tools.md).
    tools: tools::Tools,
    /// Effects performed and effect rows declared, checked at the end.
    effects: effect_rows::EffectLog,
    /// `effect` and `handler` declarations (tools.md §5).
    algebraic: effects::Effects,
    /// `@strict false`: effect-row violations are warnings.
    lenient_effects: bool,
}

/// The byte range of a syntax node.
pub(crate) fn span_of(node: &impl AstNode) -> Span {
    let range = node.syntax().text_range();
    usize::from(range.start())..usize::from(range.end())
}

impl Checker {
    pub fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) {
        let mut d = Diagnostic::error(code, message, span, label);
        d.file = self.current_module;
        self.diagnostics.push(d);
    }

    pub fn push_diagnostic(&mut self, mut d: Diagnostic) {
        d.file = self.current_module;
        self.diagnostics.push(d);
    }

    pub fn not_supported(&mut self, what: &str, span: Span) {
        self.error(
            codes::NOT_SUPPORTED,
            format!("{what} is not supported by lumenc yet"),
            span,
            "not supported yet",
        );
    }

    pub fn body(&mut self) -> &mut Body {
        // Bodies are pushed before any expression is checked.
        self.bodies
            .last_mut()
            .expect("an expression is checked inside a body")
    }

    pub fn new_var(&mut self, name: &str, ty: Type, mutable: bool, span: Span) -> VarId {
        let body = self.body();
        body.vars.push(hir::Var {
            name: name.to_string(),
            ty,
            mutable,
            span,
        });
        let id = VarId(body.vars.len() as u32 - 1);
        body.scopes.bind(name, id);
        id
    }

    /// Resolves a variable name, looking through enclosing bodies for a
    /// lambda: a variable of an enclosing cell becomes a capture (by value).
    pub fn lookup_var(&mut self, name: &str) -> Option<VarId> {
        let depth = self.bodies.len().checked_sub(1)?;
        self.lookup_at(depth, name)
    }

    fn lookup_at(&mut self, depth: usize, name: &str) -> Option<VarId> {
        if let Some(v) = self.bodies[depth].scopes.lookup(name) {
            return Some(v);
        }
        if depth == 0 || !self.bodies[depth].is_lambda {
            return None;
        }
        let outer = self.lookup_at(depth - 1, name)?;
        let outer_body = &mut self.bodies[depth - 1];
        outer_body.used.insert(outer);
        let info = outer_body.vars[outer.0 as usize].clone();
        let body = &mut self.bodies[depth];
        body.vars.push(hir::Var {
            name: info.name.clone(),
            ty: info.ty,
            // Closures capture by value: the copy cannot be assigned.
            mutable: false,
            span: info.span,
        });
        let inner = VarId(body.vars.len() as u32 - 1);
        body.used.insert(inner);
        body.scopes.bind_root(name, inner);
        body.captures.push((outer, inner));
        self.channel_captured(depth, outer, inner);
        Some(inner)
    }

    /// The return type of a cell, checking its body first if the type is inferred.
    pub fn cell_ret(&mut self, id: CellId, use_span: Span) -> Type {
        if let Some(t) = self.cells[id.0 as usize].declared_ret {
            return t;
        }
        match self.ret_states[id.0 as usize] {
            RetState::Known(t) => t,
            RetState::InProgress => {
                let name = self.cells[id.0 as usize].name.clone();
                self.error(
                    codes::NEEDS_ANNOTATION,
                    format!("the return type of `{name}` depends on itself"),
                    use_span,
                    "recursive call of a cell without a declared return type",
                );
                self.push_help(format!("declare it: `cell {name}(…) -> T`"));
                Type::Error
            }
            RetState::Unknown => {
                self.check_cell(id);
                match self.ret_states[id.0 as usize] {
                    RetState::Known(t) => t,
                    _ => Type::Error,
                }
            }
        }
    }

    /// Adds a help line to the last diagnostic.
    pub fn push_help(&mut self, help: String) {
        if let Some(d) = self.diagnostics.last_mut() {
            d.help.push(help);
        }
    }

    fn check_cell(&mut self, id: CellId) {
        let idx = id.0 as usize;
        if self.checked[idx].is_some() || self.ret_states[idx] == RetState::InProgress {
            return;
        }
        if !self.cells[idx].generics.is_empty() {
            let stub = self.template_stub(&self.cells[idx].clone());
            self.ret_states[idx] = RetState::Known(Type::Null);
            self.checked[idx] = Some(stub);
            self.check_generic_declaration(id);
            return;
        }
        if self.cells[idx].declared_ret.is_none() {
            self.ret_states[idx] = RetState::InProgress;
        }
        let first_diagnostic = self.diagnostics.len();
        let cell = self.check_cell_body(id);
        self.note_instantiation(id, first_diagnostic);
        if self.cells[idx].declared_ret.is_none() {
            self.ret_states[idx] = RetState::Known(cell.ret);
        }
        self.checked[idx] = Some(cell);
    }
}
