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
        indent: usize,
    ) -> fmt::Result {
        // A location comment at the top of each block, even if unchanged.
        self.last = None;
        PlainWriter.write_block_header(w, func, block, indent)
    }

    fn write_instruction(
        &mut self,
        w: &mut dyn Write,
        func: &Function,
        aliases: &SecondaryMap<Value, Vec<Value>>,
        inst: Inst,
        indent: usize,
    ) -> fmt::Result {
        let srcloc = func.srcloc(inst);
        if !srcloc.is_default() && self.last != Some(srcloc) {
            self.last = Some(srcloc);
            if let Some(loc) = self.locs.get(srcloc.bits() as usize) {
                writeln!(w, "{:indent$}; {}:{}:{}", "", self.file, loc.line, loc.col)?;
            }
        }
        let mut line = String::new();
        PlainWriter.write_instruction(&mut line, func, aliases, inst, indent)?;
        if !srcloc.is_default() {
            let raw = format!("{srcloc} ");
            if let Some(at) = line.find(&raw) {
                line.replace_range(at..at + raw.len(), &" ".repeat(raw.len()));
            }
        }
        w.write_str(&line)
    }
}

/// Appends the annotated CLIF of `built` to `out`.
pub fn write_function(out: &mut String, built: &BuiltFunction, file: &str) {
    let _ = writeln!(out, "; {} ({file})", built.display_name);
    let mut annotator = Annotator {
        file,
        locs: &built.locs,
        last: None,
    };
    // Writing into a String cannot fail.
    let _ = decorate_function(&mut annotator, out, &built.func);
    out.push('\n');
}
