//! Declarations: collecting cell signatures and constants, the implicit
//! `main`, and checking each cell body into a [`hir::Cell`].

use lumen_diagnostics::Diagnostic;
use lumen_syntax::ast::{self, AstNode};

use super::{codes, span_of, Body, CellSig, Checker, ParamSig, RetState};
use crate::hir::{self, CellId, Type};
use crate::types::list_of;

impl Checker {
    pub(super) fn check_program(&mut self, modules: &[super::Module]) -> Option<hir::Program> {
        self.module_names = modules.iter().map(|m| m.name.clone()).collect();
        let items: Vec<(usize, Vec<ast::Item>)> = modules
            .iter()
            .enumerate()
            .map(|(i, m)| (i, m.tree.items().collect()))
            .collect();
        if let Some(main) = modules.first() {
            for directive in main.tree.directives() {
                self.check_directive(&directive);
            }
        }
        self.build_module_views(&items);
        for (m, module_items) in &items {
            self.current_module = *m;
            self.declare_types(module_items);
        }
        self.current_module = 0;
        self.declare_future_state();
        self.declare_tool_types();
        for (m, module_items) in &items {
            self.current_module = *m;
            self.define_types(module_items);
        }
        for (m, module_items) in &items {
            self.current_module = *m;
            for item in module_items.clone() {
                if *m != 0 {
                    if let ast::Item::Stmt(stmt) = &item {
                        self.error(
                            codes::MAIN_CONFLICT,
                            "an imported module may only contain declarations",
                            span_of(stmt),
                            "a statement outside any cell",
                        );
                        continue;
                    }
                }
                self.collect_item(item);
            }
        }
        for (m, i) in std::mem::take(&mut self.pending_impls) {
            self.current_module = m;
            self.collect_impl(i);
        }
        self.check_super_traits();
        self.check_pending_alias_bounds();
        self.declare_module_tools(&items);
        self.current_module = 0;
        let explicit_main = self.cell_names.get("main").copied();
        let entry = match explicit_main {
            Some(main) => {
                if let Some(first) = self.top_level.first() {
                    let main_span = self.cells[main.0 as usize].span.clone();
                    self.push_diagnostic(
                        Diagnostic::error(
                            codes::MAIN_CONFLICT,
                            "statements outside any cell, and a `main` cell",
                            span_of(first),
                            "this statement would form an implicit `main`",
                        )
                        .with_label(main_span, "but `main` is declared here")
                        .with_help("move the statements into `cell main()`"),
                    );
                }
                self.check_main_signature(main);
                main
            }
            None => self.add_cell(CellSig {
                name: "main".to_string(),
                params: Vec::new(),
                declared_ret: Some(Type::Null),
                span: 0..0,
                syntax: None,
                generics: Vec::new(),
                type_args: Default::default(),
                module: self.current_module,
            }),
        };
        // In declaration order (module, then position), so diagnostics come
        // out the same on every run.
        let mut order: Vec<(usize, usize, String)> = self
            .const_syntax
            .iter()
            .map(|(name, c)| {
                let module = self.const_module.get(name).copied().unwrap_or(0);
                let at = usize::from(c.syntax().text_range().start());
                (module, at, name.clone())
            })
            .collect();
        order.sort();
        for (_, _, name) in order {
            self.const_value(&name, 0..0);
        }
        // Checking may add cells (instances of generic cells, closures).
        let mut id = 0;
        while id < self.cells.len() {
            self.check_cell(CellId(id as u32));
            id += 1;
        }
        self.check_handler_declarations();
        self.check_effect_rows(entry);
        self.settle_instance_errors();
        let cells: Vec<hir::Cell> = self.checked.iter_mut().filter_map(Option::take).collect();
        (cells.len() == self.cells.len()).then(|| hir::Program {
            cells,
            entry,
            records: self.types.records.clone(),
            enums: self.types.enums.clone(),
            cell_modules: self.cells.iter().map(|c| c.module).collect(),
            deterministic: self.deterministic,
        })
    }

    fn check_directive(&mut self, directive: &ast::Directive) {
        let span = span_of(directive);
        let name = directive.name().map(|n| n.text()).unwrap_or_default();
        match name.as_str() {
            "deterministic" | "strict" => {
                let value = directive
                    .value()
                    .map(|v| v.syntax().text().to_string())
                    .unwrap_or_default();
                if value != "true" && value != "false" {
                    self.error(
                        codes::BAD_LITERAL,
                        format!("`@{name}` takes `true` or `false`"),
                        span,
                        "expected `true` or `false`",
                    );
                } else if name == "deterministic" && value == "true" {
                    self.deterministic = true;
                    self.deterministic_by_flag = false;
                } else if name == "strict" {
                    self.lenient_effects = value == "false";
                }
            }
            _ => self.error(
                codes::BAD_LITERAL,
                format!("unknown directive `@{name}`"),
                span,
                "unknown directive",
            ),
        }
    }

    fn check_main_signature(&mut self, main: CellId) {
        let sig = self.cells[main.0 as usize].clone();
        if !sig.params.is_empty() {
            self.error(
                codes::BAD_ARGUMENTS,
                "`main` takes no parameters",
                sig.span.clone(),
                "declared with parameters here",
            );
            self.push_help("read program arguments with `args()`".to_string());
        }
        if let Some(t) = sig.declared_ret {
            if t != Type::Int && t != Type::Null {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("`main` must return `Int` (the exit status) or nothing, not `{t}`"),
                    sig.span,
                    "invalid return type for `main`",
                );
            }
        }
    }

    fn add_cell(&mut self, sig: CellSig) -> CellId {
        let id = CellId(self.cells.len() as u32);
        let key = self.key_in_module(sig.module, &sig.name);
        self.cell_names.insert(key, id);
        self.cells.push(sig);
        self.ret_states.push(RetState::Unknown);
        self.checked.push(None);
        id
    }

    fn collect_item(&mut self, item: ast::Item) {
        match item {
            ast::Item::Cell(cell) => self.collect_cell(cell),
            ast::Item::Const(c) => {
                let Some(name) = c.name().map(|n| n.text()) else {
                    return;
                };
                let span = span_of(&c);
                if self.const_syntax.contains_key(&self.key(&name))
                    || self.cell_names.contains_key(&self.key(&name))
                {
                    self.error(
                        codes::DUPLICATE_DEFINITION,
                        format!("`{name}` is defined more than once"),
                        span,
                        "redefined here",
                    );
                    return;
                }
                let key = self.decl_key(&name);
                self.const_module.insert(key.clone(), self.current_module);
                self.const_syntax.insert(key, c);
            }
            ast::Item::Stmt(stmt) => self.top_level.push(stmt),
            // Declared by `declare_types`/`define_types`; their cells are methods.
            ast::Item::Record(r) => {
                if let Some(ty) = r
                    .name()
                    .and_then(|n| self.types.by_name.get(&self.key(&n.text())).copied())
                {
                    self.collect_type_methods(ty, r.cells().collect());
                }
            }
            ast::Item::Enum(e) => {
                if let Some(ty) = e
                    .name()
                    .and_then(|n| self.types.by_name.get(&self.key(&n.text())).copied())
                {
                    self.collect_type_methods(ty, e.cells().collect());
                }
            }
            ast::Item::Agent(_) | ast::Item::Orchestration(_) => {
                if let Some(decl) = super::agents::AgentDecl::of(&item) {
                    self.collect_agent(decl);
                }
            }
            ast::Item::Trait(t) => self.collect_trait(t),
            // After every trait is known (an impl may come first).
            ast::Item::Impl(i) => self.pending_impls.push((self.current_module, i)),
            // Resolved by `build_module_views`.
            ast::Item::Import(_) => {}
            // Registered by `declare_types`, resolved where used.
            ast::Item::TypeAlias(_) => {}
            // Declared by `declare_module_tools`.
            ast::Item::UseTool(_) | ast::Item::Grant(_) | ast::Item::BindEffect(_) => {}
            ast::Item::Effect(e) => self.collect_effect(&e),
            ast::Item::Handler(h) => self.collect_handler(&h),
        }
    }

    fn collect_cell(&mut self, cell: ast::Cell) {
        let Some(name_node) = cell.name() else { return };
        let name = name_node.text();
        let span = span_of(&name_node);
        if self.cell_names.contains_key(&self.key(&name))
            || self.const_syntax.contains_key(&self.key(&name))
            || self.types.by_name.contains_key(&self.key(&name))
        {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("`{name}` is defined more than once"),
                span,
                "redefined here",
            );
            return;
        }
        if super::calls::is_builtin_name(&name) {
            self.push_diagnostic(Diagnostic::warning(
                codes::SHADOWED_BUILTIN,
                format!("cell `{name}` shadows the builtin of the same name"),
                span.clone(),
                "shadows a builtin",
            ));
        }
        let sig = self.cell_sig(&cell, name, span, None);
        let id = self.add_cell(sig);
        if cell.is_async() {
            self.async_cells.insert(id);
        }
    }

    /// The signature of a cell (a method when `self_ty` is given: its `self`
    /// parameter has that type).
    pub(super) fn cell_sig(
        &mut self,
        cell: &ast::Cell,
        name: String,
        span: lumen_diagnostics::Span,
        self_ty: Option<Type>,
    ) -> CellSig {
        let generics = match cell.generic_params() {
            Some(list) => self.type_params_of(&list),
            None => Vec::new(),
        };
        // A template's signature mentions its type parameters; they stand
        // for unknown types until an instance binds them.
        let placeholder: std::collections::HashMap<String, Type> = generics
            .iter()
            .map(|g| (g.name.clone(), Type::Error))
            .collect();
        self.type_args.push(placeholder);
        let mut params: Vec<ParamSig> = Vec::new();
        for param in cell.params() {
            let Some(pname) = param.name().map(|n| n.text()) else {
                continue;
            };
            let pspan = span_of(&param);
            let variadic = param.is_variadic();
            if variadic {
                self.check_variadic(&param, &params, &generics, &pspan);
            }
            let ty = match (param.ty(), self_ty) {
                (_, Some(owner)) if param.is_self() => owner,
                (Some(t), _) if variadic => list_of(self.resolve_type(&t)),
                (Some(t), _) => self.resolve_type(&t),
                (None, _) => {
                    self.error(
                        codes::NEEDS_ANNOTATION,
                        format!("parameter `{pname}` needs a type"),
                        pspan.clone(),
                        "add `: Type`",
                    );
                    Type::Error
                }
            };
            if params.iter().any(|p| p.name == pname) {
                self.error(
                    codes::DUPLICATE_DEFINITION,
                    format!("parameter `{pname}` is declared more than once"),
                    pspan.clone(),
                    "duplicate parameter",
                );
            }
            if !variadic && params.last().is_some_and(|p| p.variadic) {
                self.error(
                    codes::BAD_PARAMETERS,
                    format!("parameter `{pname}` follows the variadic parameter"),
                    pspan.clone(),
                    "a variadic parameter must be the last one",
                );
            }
            params.push(ParamSig {
                name: pname,
                ty,
                default: param.default(),
                span: pspan,
                variadic,
            });
        }
        let declared_ret = cell.ret_type().map(|t| self.resolve_type(&t));
        self.type_args.pop();
        CellSig {
            name,
            params,
            declared_ret,
            span,
            syntax: Some(cell.clone()),
            generics,
            type_args: Default::default(),
            module: self.current_module,
        }
    }

    /// The rules for `...rest: T` that do not depend on its position: no
    /// default (no arguments already means an empty list), and not in a
    /// generic cell (inference over a variable number of arguments is not
    /// implemented).
    fn check_variadic(
        &mut self,
        param: &ast::Param,
        before: &[ParamSig],
        generics: &[super::generics::TypeParam],
        span: &lumen_diagnostics::Span,
    ) {
        if param.default().is_some() {
            self.error(
                codes::BAD_PARAMETERS,
                "a variadic parameter cannot have a default",
                span.clone(),
                "without arguments it is an empty list",
            );
        }
        if before.iter().any(|p| p.variadic) {
            self.error(
                codes::BAD_PARAMETERS,
                "a cell can have only one variadic parameter",
                span.clone(),
                "second variadic parameter",
            );
        }
        if !generics.is_empty() {
            self.not_supported("a variadic parameter in a generic cell", span.clone());
        }
    }

    /// Resolves a type annotation.
    pub(crate) fn resolve_type(&mut self, ty: &ast::TypeRef) -> Type {
        let span = span_of(ty);
        match ty {
            ast::TypeRef::Path(path)
                if path.args().next().is_none()
                    && self.bound_type_param(&path.name()).is_some() =>
            {
                self.bound_type_param(&path.name()).unwrap_or(Type::Error)
            }
            ast::TypeRef::Path(path) if self.is_alias(&path.name()) => self.resolve_alias_use(path),
            ast::TypeRef::Path(path)
                if self
                    .generic_types
                    .templates
                    .contains_key(&self.key(&path.name())) =>
            {
                self.resolve_generic_type(path).unwrap_or(Type::Error)
            }
            ast::TypeRef::Path(path) => match Some(path.name()).as_deref() {
                _ if self.types.by_name.contains_key(&self.key(&path.name()))
                    || path.name() == "list" =>
                {
                    self.resolve_named_type(path).unwrap_or(Type::Error)
                }
                Some("Int") if path.args().next().is_none() => Type::Int,
                Some("Float") if path.args().next().is_none() => Type::Float,
                Some("Bool") if path.args().next().is_none() => Type::Bool,
                Some("String") if path.args().next().is_none() => Type::Str,
                Some("Bytes") if path.args().next().is_none() => Type::Bytes,
                Some("Null") | Some("null") => Type::Null,
                Some("Json") if path.args().next().is_none() => Type::Json,
                Some("result") if path.args().count() == 2 => {
                    let args: Vec<Type> = path.args().map(|e| self.resolve_type(&e)).collect();
                    crate::types::result_of(args[0], args[1])
                }
                Some("map") if path.args().count() == 2 => {
                    let args: Vec<Type> = path.args().map(|e| self.resolve_type(&e)).collect();
                    crate::types::map_of(args[0], args[1])
                }
                Some("set") if path.args().count() == 1 => {
                    let args: Vec<Type> = path.args().map(|e| self.resolve_type(&e)).collect();
                    crate::types::set_of(args[0])
                }
                Some(name @ ("Future" | "Channel")) if path.args().count() == 1 => {
                    let args: Vec<Type> = path.args().map(|e| self.resolve_type(&e)).collect();
                    if name == "Future" {
                        crate::types::future_of(args[0])
                    } else {
                        crate::types::channel_of(args[0])
                    }
                }
                Some("tuple") => {
                    let elems: Vec<Type> = path.args().map(|e| self.resolve_type(&e)).collect();
                    crate::types::tuple_of(&elems)
                }
                Some(
                    name @ ("map" | "set" | "result" | "Json" | "Any" | "Future" | "Channel"
                    | "FutureState"),
                ) => {
                    self.not_supported(&format!("the type `{name}`"), span);
                    Type::Error
                }
                Some(name) => {
                    self.error(
                        codes::UNRESOLVED_NAME,
                        format!("cannot find type `{name}`"),
                        span,
                        "not a known type",
                    );
                    self.suggest_import(&name);
                    Type::Error
                }
                None => Type::Error,
            },
            ast::TypeRef::Null(_) => Type::Null,
            ast::TypeRef::Tuple(t) => {
                let elems: Vec<Type> = t.elements().map(|e| self.resolve_type(&e)).collect();
                crate::types::tuple_of(&elems)
            }
            ast::TypeRef::Optional(o) => match o.inner() {
                Some(inner) => crate::types::optional(self.resolve_type(&inner)),
                None => Type::Error,
            },
            ast::TypeRef::Union(u) => {
                let members: Vec<Type> = u.members().map(|m| self.resolve_type(&m)).collect();
                crate::types::union_of(&members)
            }
            ast::TypeRef::Paren(p) => match p.inner() {
                Some(inner) => self.resolve_type(&inner),
                None => Type::Error,
            },
            ast::TypeRef::Fn(f) => {
                let row = f.effect_row().map(|r| self.fn_row(&r));
                let params = f.params().map(|p| self.resolve_type(&p)).collect();
                let ret = f.ret_type().map_or(Type::Null, |r| self.resolve_type(&r));
                crate::types::fn_type_with_row(params, ret, row)
            }
        }
    }

    /// The checked value of a constant (checked on first use).
    pub(crate) fn const_value(
        &mut self,
        name: &str,
        use_span: lumen_diagnostics::Span,
    ) -> Option<hir::Expr> {
        if let Some(value) = self.consts.get(name).cloned() {
            if value.is_none() {
                self.error(
                    codes::NOT_CONSTANT,
                    format!("constant `{name}` depends on itself"),
                    use_span,
                    "cyclic constant",
                );
            }
            return value;
        }
        let syntax = self.const_syntax.get(name)?.clone();
        self.consts.insert(name.to_string(), None);
        let module = self
            .const_module
            .get(name)
            .copied()
            .unwrap_or(self.current_module);
        let saved_module = std::mem::replace(&mut self.current_module, module);
        self.bodies.push(Body::new(None));
        let declared = syntax.ty().map(|t| self.resolve_type(&t));
        let value = match syntax.value() {
            Some(e) => {
                let checked = self.check_expr(&e, declared);
                match declared {
                    Some(t) => self.coerce(checked, t, &span_of(&e)),
                    None => checked,
                }
            }
            None => hir::Expr {
                kind: hir::ExprKind::Error,
                ty: Type::Error,
                span: span_of(&syntax),
            },
        };
        self.bodies.pop();
        if !is_constant(&value) {
            self.error(
                codes::NOT_CONSTANT,
                format!("the value of constant `{name}` is not a constant expression"),
                value.span.clone(),
                "computed at run time",
            );
            self.push_help("a const may use literals, operators and other constants; use a `let` in `main` or a cell otherwise".to_string());
        }
        self.current_module = saved_module;
        self.consts.insert(name.to_string(), Some(value.clone()));
        Some(value)
    }

    /// Checks the body of a cell into HIR.
    pub(super) fn check_cell_body(&mut self, id: CellId) -> hir::Cell {
        let sig = self.cells[id.0 as usize].clone();
        let saved_module = std::mem::replace(&mut self.current_module, sig.module);
        // The cell's own tool aliases and grants, wherever they stand in
        // its body (tools-details §1).
        let nodes: Vec<lumen_syntax::SyntaxNode> = match &sig.syntax {
            Some(cell) => cell
                .body()
                .map(|b| b.syntax().clone())
                .into_iter()
                .collect(),
            None => self.top_level.iter().map(|s| s.syntax().clone()).collect(),
        };
        let agent = self.tools.agent_of_method.get(&id).copied();
        self.enter_cell_tools(&nodes, agent);
        let cell = self.check_cell_body_in_module(id, sig, &nodes);
        self.leave_cell_tools();
        self.current_module = saved_module;
        cell
    }

    fn check_cell_body_in_module(
        &mut self,
        id: CellId,
        sig: CellSig,
        nodes: &[lumen_syntax::SyntaxNode],
    ) -> hir::Cell {
        self.type_args.push(sig.type_args.clone());
        let mut body_state = Body::new(sig.declared_ret);
        body_state.owner = Some(id);
        self.bodies.push(body_state);
        let params: Vec<hir::VarId> = sig
            .params
            .iter()
            .map(|p| self.new_var(&p.name, p.ty, false, p.span.clone()))
            .collect();
        // Parameters are "used" by definition: unused parameters are a normal
        // part of an interface, not a mistake.
        for p in &params {
            self.body().used.insert(*p);
        }
        let conversation = self.begin_conversation(nodes, &sig.span);
        let (mut body, ret) = match &sig.syntax {
            None => {
                let stmts = std::mem::take(&mut self.top_level);
                let block = self.check_stmts(&stmts, false);
                self.top_level = stmts;
                (block, Type::Null)
            }
            Some(cell) => {
                let wants_value = sig.declared_ret.is_some_and(|t| t != Type::Null);
                if let Some(e) = cell.expr_body() {
                    let expected = sig.declared_ret;
                    let value = self.check_expr(&e, expected);
                    let ty = value.ty;
                    let value = match sig.declared_ret {
                        Some(t) => self.coerce(value, t, &span_of(&e)),
                        None => value,
                    };
                    let ret =
                        sig.declared_ret
                            .unwrap_or(if ty == Type::Never { Type::Null } else { ty });
                    (
                        hir::Block {
                            stmts: Vec::new(),
                            tail: Some(Box::new(value)),
                        },
                        ret,
                    )
                } else {
                    let stmts: Vec<ast::Stmt> =
                        cell.body().map(|b| b.stmts().collect()).unwrap_or_default();
                    self.branch_expected = sig.declared_ret.filter(|_| wants_value);
                    let mut block = self.check_stmts(&stmts, wants_value);
                    let ret = match sig.declared_ret {
                        Some(t) => {
                            if wants_value {
                                self.check_block_returns(&mut block, t, &sig);
                            }
                            t
                        }
                        None => self.infer_ret(&mut block),
                    };
                    (block, ret)
                }
            }
        };
        if let Some(stmt) = conversation {
            body.stmts.insert(0, stmt);
        }
        self.warn_unused();
        let body_state = self.bodies.pop().expect("pushed above");
        self.type_args.pop();
        hir::Cell {
            name: sig.name,
            params,
            ret,
            vars: body_state.vars,
            body,
            span: sig.span,
            captures: None,
        }
    }

    /// For a declared non-Null return type: the tail must have that type, or
    /// the body must never complete.
    fn check_block_returns(&mut self, block: &mut hir::Block, ret: Type, sig: &CellSig) {
        if let Some(tail) = block.tail.take() {
            let span = tail.span.clone();
            let is_branching = matches!(
                tail.kind,
                hir::ExprKind::If { .. } | hir::ExprKind::Match { .. } | hir::ExprKind::When(_)
            );
            if tail.ty == Type::Null && is_branching {
                // An `if`/`match` without a value on some path: say that, not
                // "found Null".
                self.error(
                    codes::MISSING_RETURN,
                    format!("cell `{}` may finish without returning a `{ret}`", sig.name),
                    span,
                    "some path through this ends without a value",
                );
                self.push_help(
                    "add an `else` branch, or end every path with `return …`".to_string(),
                );
                block.tail = Some(tail);
                return;
            }
            block.tail = Some(Box::new(self.coerce(*tail, ret, &span)));
            return;
        }
        if super::build::block_diverges(block) {
            return;
        }
        let end = sig
            .syntax
            .as_ref()
            .map(|c| {
                let r = c.syntax().text_range();
                usize::from(r.end())
            })
            .unwrap_or(0);
        self.error(
            codes::MISSING_RETURN,
            format!("cell `{}` may finish without returning a `{ret}`", sig.name),
            end.saturating_sub(3)..end,
            "the body can reach its `end` here",
        );
        self.push_help(
            "end every path with `return …`, or make the last statement an expression".to_string(),
        );
    }

    /// A cell without `->` returns `Null` unless every `return` gives a value
    /// of one type (syntax.md §4).
    fn infer_ret(&mut self, block: &mut hir::Block) -> Type {
        // An unannotated cell's trailing expression is a statement, not a value.
        if let Some(tail) = block.tail.take() {
            self.warn_discarded_future(&tail);
            block.stmts.push(hir::Stmt {
                span: tail.span.clone(),
                kind: hir::StmtKind::Expr(*tail),
            });
        }
        let returned = std::mem::take(&mut self.body().returned);
        self.join_returns(&returned, block, "cell")
    }

    /// The one type the `return`s of a body without `-> T` give (syntax.md
    /// §4: no unions; Int and Float give Float), or `Null` without any;
    /// E0301 for two kinds, E0304 when the body can also fall off its end
    /// (which returns null). `what` names the body: "cell", "function".
    pub(super) fn join_returns(
        &mut self,
        returned: &[(Type, lumen_diagnostics::Span)],
        block: &hir::Block,
        what: &str,
    ) -> Type {
        let mut ty: Option<Type> = None;
        for (t, span) in returned {
            let joined = match ty {
                None => Some(*t),
                Some(prev) => prev.join(*t).filter(|j| !matches!(j, Type::Union(_))),
            };
            match joined {
                Some(j) => ty = Some(j),
                None => {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        format!(
                            "this {what} returns both `{}` and `{t}`",
                            ty.unwrap_or(Type::Null)
                        ),
                        span.clone(),
                        format!("returns `{t}`"),
                    );
                    self.push_help("declare the return type with `-> T`".to_string());
                    return Type::Error;
                }
            }
        }
        let ty = ty.unwrap_or(Type::Null);
        if ty != Type::Null && !super::build::block_diverges(block) {
            // Falling off the end returns null, which does not fit `ty`.
            if let Some((_, span)) = returned.first() {
                self.error(
                    codes::MISSING_RETURN,
                    format!("this {what} returns `{ty}` on some paths and nothing on others"),
                    span.clone(),
                    format!("returns `{ty}` here"),
                );
                self.push_help("end every path with `return …`, or declare `-> T`".to_string());
            }
            return Type::Error;
        }
        ty
    }

    fn warn_unused(&mut self) {
        let body = self.body();
        let unused: Vec<(String, lumen_diagnostics::Span, Type, bool)> = body
            .vars
            .iter()
            .enumerate()
            .filter(|(i, v)| {
                // A variable whose value had an error is reported already.
                !body.used.contains(&hir::VarId(*i as u32))
                    && !v.name.starts_with('_')
                    && !v.ty.has_error()
            })
            .map(|(i, v)| {
                let pun = body.field_puns.contains(&hir::VarId(i as u32));
                (v.name.clone(), v.span.clone(), v.ty, pun)
            })
            .collect();
        for (name, span, ty, pun) in unused {
            if super::unused_futures::holds_future(ty) {
                self.warn_unused_future_var(&name, ty, span);
                continue;
            }
            self.push_diagnostic(
                Diagnostic::warning(
                    codes::UNUSED_VARIABLE,
                    format!("unused variable `{name}`"),
                    span,
                    "never read",
                )
                .with_help(if pun {
                    format!("if this is intentional, match the field with `{name}: _`")
                } else {
                    format!("if this is intentional, name it `_{name}`")
                }),
            );
        }
    }
}

/// Whether a checked const initializer can be computed without running code
/// that depends on the program's state.
fn is_constant(e: &hir::Expr) -> bool {
    use hir::ExprKind as K;
    match &e.kind {
        K::Int(_) | K::Float(_) | K::Bool(_) | K::Null | K::Str(_) | K::Error => true,
        K::Binary(_, l, r) | K::And(l, r) | K::Or(l, r) => is_constant(l) && is_constant(r),
        K::Unary(_, x) | K::Cast(_, x) => is_constant(x),
        K::Interpolation(parts) => parts.iter().all(|p| match p {
            hir::InterpPart::Text(_) => true,
            hir::InterpPart::Value(v, _) => is_constant(v),
        }),
        _ => false,
    }
}
