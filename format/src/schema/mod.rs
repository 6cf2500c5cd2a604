//! One module per dataset kind (spec 4): the kind's name, its columns with
//! their physical and logical types and units, its metadata keys, and a
//! check that binds a manifest dataset to the kind ([`Schema::bind`]).
//!
//! Importers build their columns from these definitions and readers find
//! their columns through a [`Binding`], so a column name is written in one
//! place. Kinds without a module here (`table`, or a kind from a newer
//! producer) stay readable generically, column by column.

pub mod alignments;
pub mod antismash;
pub mod genbank;
pub mod genomics;
pub mod graph;
pub mod reads;
pub mod sequences;
pub mod table;
pub mod variants;

use std::collections::BTreeMap;

use crate::manifest::Dataset;
use crate::{Error, PhysicalType, Result};

/// When a column must be present in a dataset of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always.
    Required,
    /// May be absent (older files, or a feature not used).
    Optional,
    /// Required when the dataset's `alphabet` is `nucleotide` (the 2-bit
    /// stream and its run tables), absent otherwise.
    Nucleotide,
    /// Required when the dataset's `alphabet` is `protein` (residue bytes).
    Protein,
    /// Required when the dataset's `paired` metadata is `true`.
    Paired,
}

/// One column of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// Column name, as in the spec.
    pub name: &'static str,
    /// Physical type.
    pub physical: PhysicalType,
    /// Logical type recorded in the manifest.
    pub logical_type: &'static str,
    /// Unit recorded in the manifest, if any.
    pub unit: Option<&'static str>,
    /// When it is present.
    pub presence: Presence,
}

/// A [`ColumnDef`] in a `const` table.
pub(crate) const fn def(
    name: &'static str,
    physical: PhysicalType,
    logical_type: &'static str,
    unit: Option<&'static str>,
    presence: Presence,
) -> ColumnDef {
    ColumnDef {
        name,
        physical,
        logical_type,
        unit,
        presence,
    }
}

/// The schema of one dataset kind.
#[derive(Debug)]
pub struct Schema {
    /// Kind name (spec 4).
    pub kind: &'static str,
    /// Its columns.
    pub columns: &'static [ColumnDef],
    /// Dataset metadata keys it defines.
    pub metadata: &'static [&'static str],
}

/// Every kind with a schema module.
pub const SCHEMAS: [&Schema; 5] = [
    &sequences::SCHEMA,
    &reads::SCHEMA,
    &variants::SCHEMA,
    &alignments::SCHEMA,
    &graph::SCHEMA,
];

/// The schema of `kind`, or `None` for kinds read generically.
pub fn for_kind(kind: &str) -> Option<&'static Schema> {
    SCHEMAS.into_iter().find(|s| s.kind == kind)
}

impl Schema {
    /// The definition of column `name`; panics on a name the kind does not
    /// define (a programming error: names come from this module's constants).
    pub fn column(&self, name: &str) -> &'static ColumnDef {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("kind {} has no column {name}", self.kind))
    }

    /// Check that `dataset` is of this kind and has its columns with their
    /// physical types (those its `alphabet` and `paired` metadata call for),
    /// and return the column ids by name.
    pub fn bind(&self, dataset: &Dataset) -> Result<Binding> {
        let bad = |detail: String| Error::Schema {
            dataset: dataset.name.clone(),
            kind: self.kind,
            detail,
        };
        if dataset.kind != self.kind {
            return Err(bad(format!("the dataset is of kind {:?}", dataset.kind)));
        }
        let alphabet = dataset
            .metadata
            .get(sequences::meta::ALPHABET)
            .map_or("nucleotide", String::as_str);
        let protein = match alphabet {
            "nucleotide" => false,
            "protein" => true,
            other => return Err(bad(format!("unknown alphabet {other:?}"))),
        };
        let paired = dataset
            .metadata
            .get(reads::meta::PAIRED)
            .is_some_and(|v| v == "true");
        let mut ids = BTreeMap::new();
        for def in self.columns {
            let found = dataset.columns.iter().find(|c| c.name == def.name);
            let required = match def.presence {
                Presence::Required => true,
                Presence::Optional => false,
                Presence::Nucleotide => !protein,
                Presence::Protein => protein,
                Presence::Paired => paired,
            };
            match found {
                Some(column) if column.physical_type != def.physical => {
                    return Err(bad(format!(
                        "column {:?} holds {} values, the kind needs {}",
                        def.name, column.physical_type, def.physical
                    )))
                }
                Some(column) => {
                    ids.insert(def.name, column.id);
                }
                None if required => {
                    return Err(bad(format!("column {:?} is missing", def.name)));
                }
                None => {}
            }
        }
        Ok(Binding { ids })
    }
}

/// A dataset bound to its kind: the ids of its columns by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    ids: BTreeMap<&'static str, u32>,
}

impl Binding {
    /// Id of column `name`, when the dataset has it.
    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_kind() {
        for schema in SCHEMAS {
            let mut names: Vec<_> = schema.columns.iter().map(|c| c.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), schema.columns.len(), "{}", schema.kind);
        }
        assert!(for_kind("table").is_none());
        assert_eq!(for_kind("reads").unwrap().kind, "reads");
    }

    fn dataset(kind: &str, metadata: &str, columns: &[(&str, &str)]) -> Dataset {
        let columns: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, physical))| {
                format!(
                    r#"{{"id":{i},"name":"{name}","physical_type":"{physical}","logical_type":"x","num_values":0,"first_page":0,"num_pages":0,"encodings":[],"stored_bytes":0,"decoded_bytes":0}}"#
                )
            })
            .collect();
        serde_json::from_str(&format!(
            r#"{{"name":"d","kind":"{kind}","metadata":{metadata},"columns":[{}]}}"#,
            columns.join(",")
        ))
        .unwrap()
    }

    #[test]
    fn binding_checks_columns_types_and_alphabet() {
        use sequences::columns as c;
        let protein = [
            (c::NAME, "binary"),
            (c::DEFINITION, "binary"),
            (c::LENGTH, "u64"),
            (c::OFFSET, "u64"),
            (c::LINE_WIDTH, "u32"),
            (c::BLANK_LINES, "u32"),
            (c::FLAGS, "u8"),
            (c::RESIDUES, "u8"),
        ];
        let ok = dataset("sequences", r#"{"alphabet":"protein"}"#, &protein);
        let binding = sequences::SCHEMA.bind(&ok).unwrap();
        assert_eq!(binding.id(c::RESIDUES), Some(7));
        assert_eq!(binding.id(c::BASES), None);
        // A nucleotide dataset needs the 2-bit stream.
        let missing = dataset("sequences", r#"{"alphabet":"nucleotide"}"#, &protein);
        let e = sequences::SCHEMA.bind(&missing).unwrap_err().to_string();
        assert!(e.contains("\"bases\" is missing"), "{e}");
        // A wrong physical type, a wrong kind, an unknown alphabet.
        let mut wrong = protein;
        wrong[2] = (c::LENGTH, "u32");
        let e = sequences::SCHEMA
            .bind(&dataset("sequences", r#"{"alphabet":"protein"}"#, &wrong))
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds u32 values, the kind needs u64"), "{e}");
        assert!(reads::SCHEMA.bind(&ok).is_err());
        assert!(sequences::SCHEMA
            .bind(&dataset("sequences", r#"{"alphabet":"klingon"}"#, &protein))
            .is_err());
    }
}
