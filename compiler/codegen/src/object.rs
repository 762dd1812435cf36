//! The object file: a cranelift-object module with every symbol declared up
//! front, functions defined one by one, then the ELF bytes.
//!
//! Symbols:
//! * every MIR function: a local (file-private) function, so calls between
//!   cells are direct, PC-relative and invisible to the linker;
//! * [`lumen_abi::PROGRAM_ENTRY`]: exported, called by the runtime's C `main`;
//! * runtime functions and `lm_stack_limit`: imports. The runtime is always
//!   linked statically into the same executable (`liblumen_rt.a`), so they are
//!   referenced PC-relatively ("colocated") instead of through the GOT: direct
//!   `call`/`bl` and one load for the stack limit. A PIE link resolves those
//!   relocations at link time, so there are still no text relocations.
//!
//! `.eh_frame` is emitted for every function ([`crate::unwind`]) so unwinding
//! works through generated frames.

use cranelift_codegen::ir::{self, ExtFuncData, ExternalName, GlobalValueData, UserExternalName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::{print_errors, Context};
use cranelift_module::{DataId, FuncId, Linkage, Module, ModuleError};
use cranelift_object::{ObjectBuilder, ObjectModule};
use lumen_mir::Program;

use crate::data::DataTable;
use crate::runtime_imports::RuntimeImports;
use crate::unwind::UnwindTable;
use crate::CodegenError;
use lumen_abi::STACK_LIMIT_SYMBOL;

/// Owns the module being emitted and everything declared in it.
pub struct Emitter {
    pub(crate) module: ObjectModule,
    pub(crate) runtime: RuntimeImports,
    cells: Vec<FuncId>,
    program_entry: FuncId,
    pub(crate) stack_limit: DataId,
    /// The runtime's failure flag (`lumen_abi::FAILING_SYMBOL`).
    pub(crate) failing: DataId,
    /// The runtime's `lm_ascii_chars` table (inline `s[i]`).
    pub(crate) ascii_chars: DataId,
    pub(crate) data: DataTable,
    ctx: Context,
    unwind: UnwindTable,
    /// The Cranelift-IR rewrites this compilation runs (all by default).
    pub passes: crate::passes::PassSet,
}

impl Emitter {
    /// Creates the module and declares every function and the imported data,
    /// before anything is defined.
    pub fn new(isa: OwnedTargetIsa, program: &Program) -> Result<Self, CodegenError> {
        let mut builder = ObjectBuilder::new(
            isa,
            program.file_name.as_bytes().to_vec(),
            cranelift_module::default_libcall_names(),
        )
        .map_err(|e| CodegenError::new(format!("creating the object file: {e}")))?;
        // One section per function lets `--gc-sections` drop unused cells.
        builder.per_function_section(true);
        let mut module = ObjectModule::new(builder);

        let runtime = RuntimeImports::declare(&mut module)?;

        let mut cells = Vec::with_capacity(program.functions.len());
        for f in &program.functions {
            let sig = crate::signature::cell(f, module.isa());
            let id = module
                .declare_function(&f.symbol, Linkage::Local, &sig)
                .map_err(|e| CodegenError::in_function(&f.name, e))?;
            cells.push(id);
        }
        let program_entry = module
            .declare_function(
                lumen_abi::PROGRAM_ENTRY,
                Linkage::Export,
                &crate::signature::program_entry(module.isa()),
            )
            .map_err(|e| CodegenError::new(format!("declaring the program entry: {e}")))?;
        let stack_limit = declare_stack_limit(&mut module)?;
        let failing = module
            .declare_data(lumen_abi::FAILING_SYMBOL, Linkage::Import, true, false)
            .map_err(|e| {
                CodegenError::new(format!("declaring `{}`: {e}", lumen_abi::FAILING_SYMBOL))
            })?;
        let ascii_chars = module
            .declare_data(lumen_abi::ASCII_CHARS_SYMBOL, Linkage::Import, false, false)
            .map_err(|e| {
                CodegenError::new(format!(
                    "declaring `{}`: {e}",
                    lumen_abi::ASCII_CHARS_SYMBOL
                ))
            })?;

        let ctx = module.make_context();
        let unwind = UnwindTable::new(module.isa());
        Ok(Emitter {
            module,
            runtime,
            cells,
            program_entry,
            stack_limit,
            failing,
            ascii_chars,
            data: DataTable::default(),
            ctx,
            unwind,
            passes: crate::passes::PassSet::all(),
        })
    }

    pub fn isa(&self) -> &dyn TargetIsa {
        self.module.isa()
    }

    /// The declaration of `Program::functions[index]`.
    pub fn cell_id(&self, index: usize) -> FuncId {
        self.cells[index]
    }

    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    pub fn program_entry_id(&self) -> FuncId {
        self.program_entry
    }

    /// Makes a declared function callable from `func`. `colocated` says the
    /// callee ends up in the same executable (always true for us, see the
    /// module doc), which allows a direct PC-relative call.
    pub fn import_function(&self, id: FuncId, func: &mut ir::Function) -> ir::FuncRef {
        let decl = self.module.declarations().get_function_decl(id);
        let signature = func.import_signature(decl.signature.clone());
        let name = func.declare_imported_user_function(UserExternalName {
            namespace: 0,
            index: id.as_u32(),
        });
        func.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: true,
            patchable: false,
        })
    }

    /// Makes a declared data object addressable from `func` (PC-relative, see
    /// [`Emitter::import_function`]).
    pub fn import_data(&self, id: DataId, func: &mut ir::Function) -> ir::GlobalValue {
        let name = func.declare_imported_user_function(UserExternalName {
            namespace: 1,
            index: id.as_u32(),
        });
        func.create_global_value(GlobalValueData::Symbol {
            name: ExternalName::user(name),
            offset: ir::immediates::Imm64::new(0),
            colocated: true,
            tls: false,
        })
    }

    /// Compiles a built function into the object. A verifier or compilation
    /// failure becomes a [`CodegenError`] naming the function, with the
    /// offending CLIF when the verifier found it.
    pub fn define_function(
        &mut self,
        id: FuncId,
        name: &str,
        func: ir::Function,
    ) -> Result<(), CodegenError> {
        self.ctx.clear();
        self.ctx.func = func;
        let result = self.module.define_function(id, &mut self.ctx);
        let result = result.map_err(|e| match e {
            ModuleError::Compilation(err) => CodegenError::in_function(
                name,
                format!(
                    "Cranelift rejected the function:\n{}",
                    print_errors::pretty_error(&self.ctx.func, err)
                ),
            ),
            other => CodegenError::in_function(name, other),
        });
        if result.is_ok() {
            self.unwind
                .add_function(self.module.isa(), id, &self.ctx, name)?;
        }
        self.ctx.clear();
        result
    }

    /// Defines the static data and returns the object file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, CodegenError> {
        let data = std::mem::take(&mut self.data);
        data.define_all(&mut self.module)?;
        let mut product = self.module.finish();
        self.unwind.write(&mut product)?;
        product
            .emit()
            .map_err(|e| CodegenError::new(format!("writing the object file: {e}")))
    }
}

/// Declares the runtime's `lm_stack_limit` (a `usize`) as imported data.
fn declare_stack_limit(module: &mut dyn Module) -> Result<DataId, CodegenError> {
    module
        .declare_data(STACK_LIMIT_SYMBOL, Linkage::Import, true, false)
        .map_err(|e| CodegenError::new(format!("declaring `{STACK_LIMIT_SYMBOL}`: {e}")))
}
