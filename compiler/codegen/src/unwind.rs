//! `.eh_frame` for generated code, position independent.
//!
//! Dropping a suspended coroutine unwinds through generated frames, and
//! debuggers and profilers walk them, so every function gets a DWARF FDE.
//! cranelift-object can emit `.eh_frame` itself, but with absolute FDE
//! addresses: in a PIE those need dynamic relocations in a read-only section,
//! which `-Wl,-z,text` rightly rejects. So, as rustc_codegen_cranelift does,
//! we build the table ourselves with `fde_address_encoding = pcrel | sdata4`
//! and 32-bit PC-relative relocations, resolved entirely at link time.

use cranelift_codegen::gimli::write::{
    Address, EhFrame, EndianVec, FrameTable, RelocateWriter, Relocation, RelocationTarget,
};
use cranelift_codegen::gimli::{self, RunTimeEndian};
use cranelift_codegen::isa::unwind::UnwindInfo;
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_module::FuncId;
use cranelift_object::object::write::{Object, Relocation as ObjectRelocation, StandardSection};
use cranelift_object::object::{RelocationEncoding, RelocationFlags, RelocationKind};
use cranelift_object::ObjectProduct;

use crate::CodegenError;

/// The FDEs of all functions compiled so far.
pub struct UnwindTable {
    table: FrameTable,
    cie: Option<gimli::write::CieId>,
    /// FDE symbol n is `functions[n]`.
    functions: Vec<FuncId>,
}

impl UnwindTable {
    pub fn new(isa: &dyn TargetIsa) -> Self {
        let mut table = FrameTable::default();
        let cie = isa.create_systemv_cie().map(|mut cie| {
            cie.fde_address_encoding =
                gimli::DwEhPe(gimli::DW_EH_PE_pcrel.0 | gimli::DW_EH_PE_sdata4.0);
            table.add_cie(cie)
        });
        UnwindTable {
            table,
            cie,
            functions: Vec::new(),
        }
    }

    /// Records the unwind information of the function just compiled in `ctx`.
    pub fn add_function(
        &mut self,
        isa: &dyn TargetIsa,
        id: FuncId,
        ctx: &Context,
        name: &str,
    ) -> Result<(), CodegenError> {
        let (Some(cie), Some(code)) = (self.cie, ctx.compiled_code()) else {
            return Ok(());
        };
        let info = code
            .create_unwind_info(isa)
            .map_err(|e| CodegenError::in_function(name, format!("unwind info: {e}")))?;
        if let Some(UnwindInfo::SystemV(info)) = info {
            let symbol = self.functions.len();
            self.functions.push(id);
            let fde = info.to_fde(Address::Symbol { symbol, addend: 0 });
            self.table.add_fde(cie, fde);
        }
        Ok(())
    }

    /// Writes `.eh_frame` into the finished object.
    pub fn write(self, product: &mut ObjectProduct) -> Result<(), CodegenError> {
        if self.functions.is_empty() {
            return Ok(());
        }
        let mut eh_frame = EhFrame(Section {
            writer: EndianVec::new(RunTimeEndian::Little),
            relocations: Vec::new(),
        });
        self.table
            .write_eh_frame(&mut eh_frame)
            .map_err(|e| CodegenError::new(format!("writing .eh_frame: {e}")))?;
        let Section {
            writer,
            relocations,
        } = eh_frame.0;

        let symbols: Vec<_> = self
            .functions
            .iter()
            .map(|id| product.function_symbol(*id))
            .collect();
        let object: &mut Object = &mut product.object;
        let section = object.section_id(StandardSection::EhFrame);
        object.append_section_data(section, &writer.into_vec(), 8);
        for reloc in relocations {
            let RelocationTarget::Symbol(index) = reloc.target else {
                return Err(CodegenError::new(
                    ".eh_frame: unexpected section relocation",
                ));
            };
            let pcrel = reloc
                .eh_pe
                .is_some_and(|pe| pe.application() == gimli::DW_EH_PE_pcrel);
            if !pcrel || reloc.size != 4 {
                return Err(CodegenError::new(format!(
                    ".eh_frame: unexpected relocation {reloc:?} (would not be position independent)"
                )));
            }
            object
                .add_relocation(
                    section,
                    ObjectRelocation {
                        offset: reloc.offset as u64,
                        symbol: symbols[index],
                        addend: reloc.addend,
                        flags: RelocationFlags::Generic {
                            kind: RelocationKind::Relative,
                            encoding: RelocationEncoding::Generic,
                            size: 32,
                        },
                    },
                )
                .map_err(|e| CodegenError::new(format!(".eh_frame relocation: {e}")))?;
        }
        Ok(())
    }
}

/// The `.eh_frame` bytes and the relocations gimli asks for.
struct Section {
    writer: EndianVec<RunTimeEndian>,
    relocations: Vec<Relocation>,
}

impl RelocateWriter for Section {
    type Writer = EndianVec<RunTimeEndian>;

    fn writer(&self) -> &Self::Writer {
        &self.writer
    }

    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.writer
    }

    fn relocate(&mut self, relocation: Relocation) {
        self.relocations.push(relocation);
    }
}
