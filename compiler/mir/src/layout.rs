//! How checked types are represented in MIR: the machine type of each HIR
//! type, object field offsets, and the static type descriptors runtime calls
//! need (`lumen_abi::TypeDesc`).
//!
//! Records, lists, `Bytes` and enums with payloads are reference-counted
//! objects ([`Ty::Ptr`]); enums without any payload are plain `Int` tags.

use std::collections::HashMap;

use lumen_abi::{self as abi, TypeKind};
use lumen_sema::hir::{EnumInfo, RecordInfo, Type};

use crate::{Ty, TypeDescData};

/// The program's records and enums plus the descriptors built so far.
pub struct Layouts<'a> {
    records: &'a [RecordInfo],
    enums: &'a [EnumInfo],
    descs: Vec<TypeDescData>,
    desc_ids: HashMap<DescKey, u32>,
    /// Per cell: the name closures of it display (`<fn name>`) when it is the
    /// wrapper that makes a named cell a value.
    pub fn_names: Vec<Option<String>>,
}

/// What a descriptor describes (variants get their own descriptors).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum DescKey {
    Type(Type),
    Variant(u32, u32),
    /// The closure objects of one closure body: (cell index).
    Closure(u32),
    /// The `ok` (true) or `err` variant of a result type.
    ResultVariant(Type, bool),
}

impl<'a> Layouts<'a> {
    pub fn new(records: &'a [RecordInfo], enums: &'a [EnumInfo]) -> Self {
        Layouts {
            records,
            enums,
            descs: Vec::new(),
            desc_ids: HashMap::new(),
            fn_names: Vec::new(),
        }
    }

    pub fn into_descs(self) -> Vec<TypeDescData> {
        self.descs
    }

    pub fn record(&self, id: u32) -> &RecordInfo {
        &self.records[id as usize]
    }

    pub fn enum_info(&self, id: u32) -> &EnumInfo {
        &self.enums[id as usize]
    }

    /// Whether values of enum `id` are objects (some variant has a payload).
    pub fn enum_is_object(&self, id: u32) -> bool {
        self.enums[id as usize].has_payloads()
    }

    /// The machine type of a value of `ty`. `Never` and `Error` values never
    /// exist at run time; they get the cheapest representation.
    pub fn ty(&self, ty: Type) -> Ty {
        match ty {
            Type::Int => Ty::Int,
            Type::Float => Ty::Float,
            Type::Bool => Ty::Bool,
            Type::Str => Ty::Str,
            Type::Bytes
            | Type::List(_)
            | Type::Record(_)
            | Type::Fn(_)
            | Type::Tuple(_)
            | Type::Map(..)
            | Type::Set(_)
            | Type::Future(_)
            | Type::Channel(_)
            | Type::Result(..) => Ty::Ptr,
            Type::Enum(n) if self.enum_is_object(n.id) => Ty::Ptr,
            Type::Enum(_) => Ty::Int,
            Type::Union(members) => match self.nullable_pointer(members) {
                Some(inner) => self.ty(inner),
                None => Ty::Ptr,
            },
            // A boxed union (0 for null); its descriptor refers to itself
            // through `list[Json]` and `map[String, Json]`.
            Type::Json => Ty::Ptr,
            Type::Null | Type::Never | Type::Error => Ty::Null,
        }
    }

    /// For a union of `Null` and one heap type: that type (values are its
    /// pointer or 0). Other unions are boxed (`lumen_abi::BOX_*`).
    pub fn nullable_pointer(&self, members: &[Type]) -> Option<Type> {
        match members {
            [t, Type::Null] | [Type::Null, t] if self.ty(*t).is_heap() => Some(*t),
            _ => None,
        }
    }

    /// Byte offset of record field `index`.
    pub fn record_field_offset(index: u32) -> i32 {
        (abi::RECORD_FIELDS_OFFSET + 8 * index as usize) as i32
    }

    /// Byte offset of payload field `index` of an enum object.
    pub fn enum_field_offset(index: u32) -> i32 {
        (abi::ENUM_FIELDS_OFFSET + 8 * index as usize) as i32
    }

    /// The index of the descriptor of `ty` in the program's table, built on
    /// first use (with the descriptors it refers to).
    pub fn desc(&mut self, ty: Type) -> u32 {
        self.desc_for(DescKey::Type(ty))
    }

    /// The descriptor of closures made from closure body `cell` (capturing
    /// values of `captures` types); `name` for named cells used as values.
    pub fn closure_desc(&mut self, cell: u32, name: Option<&str>, captures: &[Type]) -> u32 {
        let key = DescKey::Closure(cell);
        if let Some(id) = self.desc_ids.get(&key) {
            return *id;
        }
        let children = captures.iter().map(|t| self.desc(*t)).collect();
        let id = self.descs.len() as u32;
        self.descs.push(TypeDescData {
            kind: TypeKind::Closure,
            name: name.map(str::to_string),
            children,
            field_names: None,
        });
        self.desc_ids.insert(key, id);
        id
    }

    fn desc_for(&mut self, key: DescKey) -> u32 {
        if let Some(id) = self.desc_ids.get(&key) {
            return *id;
        }
        // Reserve the slot first so recursive types refer back to it.
        let id = self.descs.len() as u32;
        self.desc_ids.insert(key, id);
        self.descs.push(TypeDescData {
            kind: TypeKind::Null,
            name: None,
            children: Vec::new(),
            field_names: None,
        });
        let data = match key {
            DescKey::Type(ty) => self.build(ty),
            DescKey::ResultVariant(ty, is_ok) => {
                let Type::Result(t, e) = ty else {
                    return id;
                };
                let payload = if is_ok { *t } else { *e };
                TypeDescData {
                    kind: TypeKind::Variant,
                    name: Some(if is_ok { "ok" } else { "err" }.to_string()),
                    children: vec![self.desc(payload)],
                    field_names: None,
                }
            }
            DescKey::Closure(_) => TypeDescData {
                kind: TypeKind::Closure,
                name: None,
                children: Vec::new(),
                field_names: None,
            },
            DescKey::Variant(e, tag) => {
                let variant = self.enums[e as usize].variants[tag as usize].clone();
                let children = variant.fields.iter().map(|(_, t)| self.desc(*t)).collect();
                TypeDescData {
                    kind: TypeKind::Variant,
                    name: Some(variant.name.clone()),
                    children,
                    field_names: variant.is_named().then(|| {
                        variant
                            .fields
                            .iter()
                            .map(|(n, _)| n.clone().unwrap_or_default())
                            .collect()
                    }),
                }
            }
        };
        self.descs[id as usize] = data;
        id
    }

    fn build(&mut self, ty: Type) -> TypeDescData {
        let simple = |kind| TypeDescData {
            kind,
            name: None,
            children: Vec::new(),
            field_names: None,
        };
        match ty {
            Type::Int => simple(TypeKind::Int),
            Type::Float => simple(TypeKind::Float),
            Type::Bool => simple(TypeKind::Bool),
            Type::Str => simple(TypeKind::String),
            Type::Bytes => simple(TypeKind::Bytes),
            Type::Null | Type::Never | Type::Error => simple(TypeKind::Null),
            Type::Fn(_) => simple(TypeKind::Closure),
            Type::Result(..) => TypeDescData {
                kind: TypeKind::Enum,
                name: Some("Result".to_string()),
                children: vec![
                    self.desc_for(DescKey::ResultVariant(ty, true)),
                    self.desc_for(DescKey::ResultVariant(ty, false)),
                ],
                field_names: None,
            },
            Type::Map(k, v) => TypeDescData {
                kind: TypeKind::Map,
                name: None,
                children: vec![self.desc(*k), self.desc(*v)],
                field_names: None,
            },
            Type::Set(e) => TypeDescData {
                kind: TypeKind::Set,
                name: None,
                children: vec![self.desc(*e)],
                field_names: None,
            },
            Type::Future(t) => TypeDescData {
                kind: TypeKind::Future,
                name: None,
                children: vec![self.desc(*t)],
                field_names: None,
            },
            Type::Channel(t) => TypeDescData {
                kind: TypeKind::Channel,
                name: None,
                children: vec![self.desc(*t)],
                field_names: None,
            },
            Type::Tuple(elems) => TypeDescData {
                kind: TypeKind::Tuple,
                name: None,
                children: elems.iter().map(|e| self.desc(*e)).collect(),
                field_names: None,
            },
            Type::Union(members) => TypeDescData {
                kind: TypeKind::Union,
                name: None,
                children: members.iter().map(|m| self.desc(*m)).collect(),
                field_names: None,
            },
            // Named, so the runtime (`json_parse`, `from_json`) can tell the
            // `Json` union from a plain one with the same members.
            Type::Json => TypeDescData {
                kind: TypeKind::Union,
                name: Some("Json".to_string()),
                children: lumen_sema::types::json_members()
                    .iter()
                    .map(|m| self.desc(*m))
                    .collect(),
                field_names: None,
            },
            Type::List(elem) => TypeDescData {
                kind: TypeKind::List,
                name: None,
                children: vec![self.desc(*elem)],
                field_names: None,
            },
            Type::Record(n) => {
                let info = self.records[n.id as usize].clone();
                TypeDescData {
                    kind: TypeKind::Record,
                    name: Some(info.name.clone()),
                    children: info.fields.iter().map(|f| self.desc(f.ty)).collect(),
                    field_names: Some(info.fields.iter().map(|f| f.name.clone()).collect()),
                }
            }
            Type::Enum(n) => {
                let info = &self.enums[n.id as usize];
                let kind = if info.has_payloads() {
                    TypeKind::Enum
                } else {
                    TypeKind::TagEnum
                };
                let name = info.name.clone();
                let count = info.variants.len() as u32;
                TypeDescData {
                    kind,
                    name: Some(name),
                    children: (0..count)
                        .map(|tag| self.desc_for(DescKey::Variant(n.id, tag)))
                        .collect(),
                    field_names: None,
                }
            }
        }
    }
}
