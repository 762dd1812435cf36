//! Static data: string and `Bytes` literal objects and `SourceLoc` records.
//!
//! String literals are complete string objects in read-only data, in exactly
//! the layout of `lumen_abi` (`[rc = RC_IMMORTAL: u32][kind: u16][flags: u16]
//! [len: u64][bytes]`), so a literal is used without any allocation and the
//! runtime's reference counting ignores it. `SourceLoc`s point at
//! NUL-terminated file and cell names through data relocations; since they
//! contain pointers they land in `.data.rel.ro`, which keeps the object free of
//! text relocations in a PIE.
//!
//! Everything is deduplicated by content: one object per distinct literal, one
//! `SourceLoc` per distinct (file, cell, line, column).
//!
//! Data objects are declared when a function first uses them and all defined
//! at the end ([`DataTable::define_all`]): their contents never depend on code.

use std::collections::HashMap;

use cranelift_module::{DataDescription, DataId, Module};
use lumen_abi::{
    ObjectKind, BYTES_DATA_OFFSET, RC_IMMORTAL, SOURCE_LOC_SIZE, STRING_DATA_OFFSET, TYPE_DESC_SIZE,
};
use lumen_mir::{Loc, TypeDescData};

use crate::CodegenError;

#[derive(Clone, PartialEq, Eq, Hash)]
struct LocKey {
    file: String,
    cell: String,
    line: u32,
    col: u32,
}

enum Contents {
    Bytes {
        bytes: Vec<u8>,
        align: u64,
    },
    SourceLoc {
        file: DataId,
        cell: DataId,
        line: u32,
        col: u32,
    },
    /// A `lumen_abi::TypeDesc`.
    TypeDesc {
        kind: u32,
        count: u32,
        name: Option<DataId>,
        children: Option<DataId>,
        field_names: Option<DataId>,
    },
    /// An array of pointers to other data objects.
    PtrArray(Vec<DataId>),
    /// An array of value slots (a constant list literal's elements).
    Slots(Vec<SlotWord>),
}

/// One 8-byte slot of a static slot array.
pub enum SlotWord {
    /// The slot's bits (an Int, a Float's bits, a Bool as 0/1).
    Bits(u64),
    /// The address of a data object (a string literal).
    Addr(DataId),
}

/// Interned static data of one object file.
#[derive(Default)]
pub struct DataTable {
    strings: HashMap<String, DataId>,
    bytes: HashMap<Vec<u8>, DataId>,
    cstrs: HashMap<String, DataId>,
    locs: HashMap<LocKey, DataId>,
    /// The program's type descriptors, declared together on first use
    /// because they refer to each other.
    type_descs: Vec<DataId>,
    /// In declaration order, so the object's layout is deterministic.
    pending: Vec<(DataId, Contents)>,
}

fn declare(module: &mut dyn Module) -> Result<DataId, CodegenError> {
    module
        .declare_anonymous_data(false, false)
        .map_err(|e| CodegenError::new(format!("declaring static data: {e}")))
}

/// The bytes of an immortal string object holding `text`.
pub fn string_object_bytes(text: &str) -> Vec<u8> {
    immortal_object(ObjectKind::String, text.as_bytes())
}

/// An immortal object in the string layout (`[header][len: u64][data]`),
/// shared by strings and `Bytes`.
fn immortal_object(kind: ObjectKind, data: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(STRING_DATA_OFFSET + data.len());
    // Both supported targets are little-endian.
    bytes.extend_from_slice(&RC_IMMORTAL.to_le_bytes());
    bytes.extend_from_slice(&(kind as u16).to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&(data.len() as u64).to_le_bytes());
    debug_assert_eq!(bytes.len(), STRING_DATA_OFFSET);
    debug_assert_eq!(STRING_DATA_OFFSET, BYTES_DATA_OFFSET);
    bytes.extend_from_slice(data);
    bytes
}

impl DataTable {
    /// The string object for a literal.
    pub fn string(&mut self, module: &mut dyn Module, text: &str) -> Result<DataId, CodegenError> {
        if let Some(id) = self.strings.get(text) {
            return Ok(*id);
        }
        let id = declare(module)?;
        self.strings.insert(text.to_owned(), id);
        let bytes = string_object_bytes(text);
        self.pending.push((id, Contents::Bytes { bytes, align: 8 }));
        Ok(id)
    }

    /// The Bytes object for a `b"…"` literal.
    pub fn bytes(&mut self, module: &mut dyn Module, data: &[u8]) -> Result<DataId, CodegenError> {
        if let Some(id) = self.bytes.get(data) {
            return Ok(*id);
        }
        let id = declare(module)?;
        self.bytes.insert(data.to_vec(), id);
        let bytes = immortal_object(ObjectKind::Bytes, data);
        self.pending.push((id, Contents::Bytes { bytes, align: 8 }));
        Ok(id)
    }

    /// A read-only array of slots, one per word (not deduplicated: each
    /// constant list literal has its own).
    pub fn slots(
        &mut self,
        module: &mut dyn Module,
        words: Vec<SlotWord>,
    ) -> Result<DataId, CodegenError> {
        let id = declare(module)?;
        self.pending.push((id, Contents::Slots(words)));
        Ok(id)
    }

    /// NUL-terminated UTF-8 text (file and cell names of `SourceLoc`s).
    fn c_string(&mut self, module: &mut dyn Module, text: &str) -> Result<DataId, CodegenError> {
        if let Some(id) = self.cstrs.get(text) {
            return Ok(*id);
        }
        let id = declare(module)?;
        self.cstrs.insert(text.to_owned(), id);
        // An interior NUL would cut the name short in C; names never contain
        // one, but make it harmless rather than wrong.
        let mut bytes: Vec<u8> = text
            .bytes()
            .map(|b| if b == 0 { b'?' } else { b })
            .collect();
        bytes.push(0);
        self.pending.push((id, Contents::Bytes { bytes, align: 1 }));
        Ok(id)
    }

    /// The `SourceLoc` static for `loc` in cell `cell` of file `file`.
    pub fn source_loc(
        &mut self,
        module: &mut dyn Module,
        file: &str,
        cell: &str,
        loc: Loc,
    ) -> Result<DataId, CodegenError> {
        let key = LocKey {
            file: file.to_owned(),
            cell: cell.to_owned(),
            line: loc.line,
            col: loc.col,
        };
        if let Some(id) = self.locs.get(&key) {
            return Ok(*id);
        }
        let file_id = self.c_string(module, file)?;
        let cell_id = self.c_string(module, cell)?;
        let id = declare(module)?;
        self.locs.insert(key, id);
        self.pending.push((
            id,
            Contents::SourceLoc {
                file: file_id,
                cell: cell_id,
                line: loc.line,
                col: loc.col,
            },
        ));
        Ok(id)
    }

    /// The static descriptor `descs[index]` (`lumen_abi::TypeDesc`).
    pub fn type_desc(
        &mut self,
        module: &mut dyn Module,
        descs: &[TypeDescData],
        index: u32,
    ) -> Result<DataId, CodegenError> {
        if self.type_descs.is_empty() {
            self.declare_type_descs(module, descs)?;
        }
        self.type_descs
            .get(index as usize)
            .copied()
            .ok_or_else(|| CodegenError::new(format!("type descriptor #{index} does not exist")))
    }

    fn declare_type_descs(
        &mut self,
        module: &mut dyn Module,
        descs: &[TypeDescData],
    ) -> Result<(), CodegenError> {
        let ids = descs
            .iter()
            .map(|_| declare(module))
            .collect::<Result<Vec<_>, _>>()?;
        self.type_descs = ids.clone();
        for (d, id) in descs.iter().zip(&ids) {
            let name = match &d.name {
                Some(n) => Some(self.c_string(module, n)?),
                None => None,
            };
            let children = if d.children.is_empty() {
                None
            } else {
                let targets = d
                    .children
                    .iter()
                    .map(|c| {
                        ids.get(*c as usize).copied().ok_or_else(|| {
                            CodegenError::new(format!("type descriptor #{c} does not exist"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let array = declare(module)?;
                self.pending.push((array, Contents::PtrArray(targets)));
                Some(array)
            };
            let field_names = match &d.field_names {
                Some(names) => {
                    let targets = names
                        .iter()
                        .map(|n| self.c_string(module, n))
                        .collect::<Result<Vec<_>, _>>()?;
                    let array = declare(module)?;
                    self.pending.push((array, Contents::PtrArray(targets)));
                    Some(array)
                }
                None => None,
            };
            self.pending.push((
                *id,
                Contents::TypeDesc {
                    kind: d.kind as u32,
                    count: d.children.len() as u32,
                    name,
                    children,
                    field_names,
                },
            ));
        }
        Ok(())
    }

    /// Defines every declared data object in the module.
    pub fn define_all(self, module: &mut dyn Module) -> Result<(), CodegenError> {
        for (id, contents) in self.pending {
            let mut desc = DataDescription::new();
            match contents {
                Contents::Bytes { bytes, align } => {
                    desc.define(bytes.into_boxed_slice());
                    desc.set_align(align);
                }
                Contents::SourceLoc {
                    file,
                    cell,
                    line,
                    col,
                } => {
                    // `#[repr(C)] struct SourceLoc { file: *const u8, cell:
                    // *const u8, line: u32, column: u32 }` on a 64-bit target.
                    let mut bytes = vec![0u8; SOURCE_LOC_SIZE];
                    bytes[16..20].copy_from_slice(&line.to_le_bytes());
                    bytes[20..24].copy_from_slice(&col.to_le_bytes());
                    desc.define(bytes.into_boxed_slice());
                    desc.set_align(8);
                    let file_gv = module.declare_data_in_data(file, &mut desc);
                    let cell_gv = module.declare_data_in_data(cell, &mut desc);
                    desc.write_data_addr(0, file_gv, 0);
                    desc.write_data_addr(8, cell_gv, 0);
                }
                Contents::TypeDesc {
                    kind,
                    count,
                    name,
                    children,
                    field_names,
                } => {
                    // `#[repr(C)] struct TypeDesc { kind: u32, count: u32,
                    // name, children, field_names: pointers }`.
                    let mut bytes = vec![0u8; TYPE_DESC_SIZE];
                    bytes[0..4].copy_from_slice(&kind.to_le_bytes());
                    bytes[4..8].copy_from_slice(&count.to_le_bytes());
                    desc.define(bytes.into_boxed_slice());
                    desc.set_align(8);
                    for (offset, target) in [(8u32, name), (16, children), (24, field_names)] {
                        if let Some(target) = target {
                            let gv = module.declare_data_in_data(target, &mut desc);
                            desc.write_data_addr(offset, gv, 0);
                        }
                    }
                }
                Contents::PtrArray(targets) => {
                    desc.define(vec![0u8; targets.len() * 8].into_boxed_slice());
                    desc.set_align(8);
                    for (i, target) in targets.into_iter().enumerate() {
                        let gv = module.declare_data_in_data(target, &mut desc);
                        desc.write_data_addr((i * 8) as u32, gv, 0);
                    }
                }
                Contents::Slots(words) => {
                    let mut bytes = vec![0u8; words.len().max(1) * 8];
                    for (i, word) in words.iter().enumerate() {
                        if let SlotWord::Bits(bits) = word {
                            bytes[i * 8..i * 8 + 8].copy_from_slice(&bits.to_le_bytes());
                        }
                    }
                    desc.define(bytes.into_boxed_slice());
                    desc.set_align(8);
                    for (i, word) in words.into_iter().enumerate() {
                        if let SlotWord::Addr(target) = word {
                            let gv = module.declare_data_in_data(target, &mut desc);
                            desc.write_data_addr((i * 8) as u32, gv, 0);
                        }
                    }
                }
            }
            module
                .define_data(id, &desc)
                .map_err(|e| CodegenError::new(format!("defining static data: {e}")))?;
        }
        Ok(())
    }
}
