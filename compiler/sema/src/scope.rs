//! Lexical scopes of one cell body: which name means which variable, and the
//! loops that `break`/`continue` may target.

use std::collections::HashMap;

use crate::hir::{LoopId, VarId};

#[derive(Default, Clone)]
pub struct Scopes {
    frames: Vec<HashMap<String, VarId>>,
    /// Enclosing loops, innermost last, with their optional labels.
    loops: Vec<(Option<String>, LoopId)>,
    next_loop: u32,
}

impl Scopes {
    pub fn new() -> Self {
        Scopes {
            frames: vec![HashMap::new()],
            loops: Vec::new(),
            next_loop: 0,
        }
    }

    pub fn push(&mut self) {
        self.frames.push(HashMap::new());
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }

    pub fn bind(&mut self, name: &str, var: VarId) {
        if let Some(frame) = self.frames.last_mut() {
            frame.insert(name.to_string(), var);
        }
    }

    /// Binds in the outermost scope (captured variables of a closure body).
    pub fn bind_root(&mut self, name: &str, var: VarId) {
        if let Some(frame) = self.frames.first_mut() {
            frame.insert(name.to_string(), var);
        }
    }

    /// Whether `name` is bound in the innermost scope.
    pub fn bound_in_current(&self, name: &str) -> bool {
        self.frames.last().is_some_and(|f| f.contains_key(name))
    }

    /// Every name bound in some enclosing scope (for "did you mean").
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.frames
            .iter()
            .flat_map(|f| f.keys().map(String::as_str))
    }

    /// Makes `name` mean `var` in the innermost scope that binds it (a
    /// narrowed copy gives way to its variable once that is assigned).
    pub fn rebind(&mut self, name: &str, var: VarId) {
        if let Some(frame) = self.frames.iter_mut().rev().find(|f| f.contains_key(name)) {
            frame.insert(name.to_string(), var);
        }
    }

    pub fn lookup(&self, name: &str) -> Option<VarId> {
        self.frames.iter().rev().find_map(|f| f.get(name).copied())
    }

    pub fn enter_loop(&mut self, label: Option<String>) -> LoopId {
        let id = LoopId(self.next_loop);
        self.next_loop += 1;
        self.loops.push((label, id));
        id
    }

    pub fn exit_loop(&mut self) {
        self.loops.pop();
    }

    /// The loop a `break`/`continue` refers to: the innermost one, or the one
    /// with the label.
    pub fn find_loop(&self, label: Option<&str>) -> Option<LoopId> {
        match label {
            None => self.loops.last().map(|(_, id)| *id),
            Some(l) => self
                .loops
                .iter()
                .rev()
                .find(|(name, _)| name.as_deref() == Some(l))
                .map(|(_, id)| *id),
        }
    }
}
