//! `--emit clif`: the Cranelift IR of every function, annotated with the
//! `.lm` source location of its instructions.
//!
//! Like rustc_codegen_cranelift's `pretty_clif`, a custom
//! [`FuncWriter`] wraps Cranelift's plain printer: whenever the source
//! location changes it writes a comment line `; app.lm:12:5`, and it drops the
//! raw `@0003` location prefix (an index into our per-function table, not a
//! line number). The text is the IR as built, before Cranelift optimises it,
//! so it shows what this crate generated.

use std::fmt::{self, Write};

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{Block, Function, Inst, SourceLoc, Value};
use cranelift_codegen::write::{decorate_function, FuncWriter, PlainWriter};
use lumen_mir::Loc;

use crate::function::BuiltFunction;

struct Annotator<'a> {
    file: &'a str,
    locs: &'a [Loc],
    last: Option<SourceLoc>,
}

impl FuncWriter for Annotator<'_> {
    fn write_block_header(
        &mut self,
        w: &mut dyn Write,
        func: &Function,
        block: Block,
        _indent: usize,
    ) -> fmt::Result {
        // A location comment at the top of each block, even if unchanged.
        self.last = None;
        let mut text = String::new();
        PlainWriter.write_block_header(&mut text, func, block, INDENT)?;
        for (i, line) in text.lines().enumerate() {
            let indent = if i == 0 { 0 } else { INDENT };
            writeln!(w, "{:indent$}{}", "", line.trim_start())?;
        }
        Ok(())
    }

    fn write_instruction(
        &mut self,
        w: &mut dyn Write,
        func: &Function,
        aliases: &SecondaryMap<Value, Vec<Value>>,
        inst: Inst,
        _indent: usize,
    ) -> fmt::Result {
        let srcloc = func.srcloc(inst);
        if !srcloc.is_default() && self.last != Some(srcloc) {
            self.last = Some(srcloc);
            if let Some(loc) = self.locs.get(srcloc.bits() as usize) {
                writeln!(w, "{:INDENT$}; {}:{}:{}", "", self.file, loc.line, loc.col)?;
            }
        }
        // The plain writer pads a `@0003 ` prefix to a wide column; drop it
        // and indent every line (instruction and value aliases) uniformly.
        let mut text = String::new();
        PlainWriter.write_instruction(&mut text, func, aliases, inst, INDENT)?;
        let raw = format!("{srcloc} ");
        for (i, line) in text.lines().enumerate() {
            let mut line = line.trim_start();
            if i == 0 && !srcloc.is_default() {
                line = line.strip_prefix(raw.as_str()).unwrap_or(line).trim_start();
            }
            writeln!(w, "{:INDENT$}{line}", "")?;
        }
        Ok(())
    }
}

/// Indentation of instructions (block headers have none).
const INDENT: usize = 4;

/// Appends the annotated CLIF of `built` to `out`.
pub fn write_function(out: &mut String, built: &BuiltFunction, file: &str) {
    let _ = writeln!(out, "; {} ({file})", built.display_name);
    let mut annotator = Annotator {
        file,
        locs: &built.locs,
        last: None,
    };
    // Writing into a String cannot fail. Cranelift indents value aliases to
    // the wide column it reserves for raw locations; indent everything alike.
    let mut text = String::new();
    let _ = decorate_function(&mut annotator, &mut text, &built.func);
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.len() == line.len() || trimmed.is_empty() {
            out.push_str(trimmed);
        } else {
            let _ = write!(out, "{:INDENT$}{trimmed}", "");
        }
        out.push('\n');
    }
    out.push('\n');
}
