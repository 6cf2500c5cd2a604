//! The built-in genomics schema (spec 17.8): tables of a study, their
//! typed columns, primary keys and foreign keys. A `table` dataset whose
//! `schema` metadata is `genomics` is one of these tables (its name is the
//! dataset name); writers check its keys, and deep verification checks
//! them again.

/// The `schema` metadata value of a genomics table.
pub const SCHEMA: &str = "genomics";

/// One column of a schema table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: &'static str,
    /// Value type (spec 16.4).
    pub value_type: &'static str,
    /// Whether every row must have a value.
    pub required: bool,
    /// What it holds.
    pub doc: &'static str,
}

/// A foreign key: values of `column` are values of `references` in table
/// `table` (a null is not checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignKey {
    /// The referring column.
    pub column: &'static str,
    /// The referenced table.
    pub table: &'static str,
    /// The referenced column (that table's primary key).
    pub references: &'static str,
}

/// One table of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// Table (dataset) name.
    pub name: &'static str,
    /// What a row is.
    pub doc: &'static str,
    /// Columns in order.
    pub columns: &'static [Column],
    /// Primary key columns (their values, together, are distinct).
    pub primary_key: &'static [&'static str],
    /// Foreign keys.
    pub foreign_keys: &'static [ForeignKey],
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(
    name: &'static str,
    value_type: &'static str,
    required: bool,
    doc: &'static str,
) -> Column {
    Column {
        name,
        value_type,
        required,
        doc,
    }
}

const fn fk(column: &'static str, table: &'static str, references: &'static str) -> ForeignKey {
    ForeignKey {
        column,
        table,
        references,
    }
}

/// The `sequences` table's column naming a `sequences` dataset of the same
/// file, and the one naming a record of it.
pub const SEQUENCE_DATASET: &str = "dataset";
/// See [`SEQUENCE_DATASET`].
pub const SEQUENCE_RECORD: &str = "record";

/// The tables, referenced tables before the tables referring to them.
pub static TABLES: [Table; 8] = [
    Table {
        name: "experiments",
        doc: "an experiment or study",
        columns: &[
            col("experiment_id", "string", true, "identifier"),
            col("name", "string", false, "title"),
            col("description", "string", false, "free text"),
            col("platform", "string", false, "assay or instrument"),
            col("date", "timestamp", false, "when it was run"),
        ],
        primary_key: &["experiment_id"],
        foreign_keys: &[],
    },
    Table {
        name: "samples",
        doc: "a biological sample",
        columns: &[
            col("sample_id", "string", true, "identifier"),
            col(
                "experiment_id",
                "string",
                false,
                "the experiment it belongs to",
            ),
            col("name", "string", false, "label"),
            col("organism", "string", false, "species"),
            col("tissue", "string", false, "tissue or cell type"),
            col("collected", "timestamp", false, "when it was collected"),
        ],
        primary_key: &["sample_id"],
        foreign_keys: &[fk("experiment_id", "experiments", "experiment_id")],
    },
    Table {
        name: "genes",
        doc: "a gene",
        columns: &[
            col("gene_id", "string", true, "identifier"),
            col("name", "string", false, "symbol"),
            col("seqid", "string", false, "sequence (chromosome) name"),
            col("start", "int64", false, "first position, 1-based"),
            col("end", "int64", false, "last position, inclusive"),
            col("strand", "string", false, "+ or -"),
            col("biotype", "string", false, "protein_coding, lncRNA, ..."),
        ],
        primary_key: &["gene_id"],
        foreign_keys: &[],
    },
    Table {
        name: "gene_variants",
        doc: "a variant seen in a gene and a sample",
        columns: &[
            col("variant_id", "string", true, "identifier"),
            col("gene_id", "string", false, "the gene"),
            col("sample_id", "string", false, "the sample"),
            col("seqid", "string", false, "sequence (chromosome) name"),
            col("position", "int64", true, "1-based position"),
            col("ref", "string", true, "reference allele"),
            col("alt", "string", true, "alternate allele"),
            col(
                "genotype",
                "string",
                false,
                "as VCF writes it (0/1, 1|1, ...)",
            ),
            col("effect", "string", false, "consequence"),
        ],
        primary_key: &["variant_id"],
        foreign_keys: &[
            fk("gene_id", "genes", "gene_id"),
            fk("sample_id", "samples", "sample_id"),
        ],
    },
    Table {
        name: "gene_expression",
        doc: "the expression of a gene in a sample",
        columns: &[
            col("gene_id", "string", true, "the gene"),
            col("sample_id", "string", true, "the sample"),
            col("value", "float64", true, "the measure"),
            col("unit", "string", false, "TPM, FPKM, counts, ..."),
        ],
        primary_key: &["gene_id", "sample_id"],
        foreign_keys: &[
            fk("gene_id", "genes", "gene_id"),
            fk("sample_id", "samples", "sample_id"),
        ],
    },
    Table {
        name: "sequences",
        doc: "a sequence with its quality scores, inline or in a sequences dataset of the file",
        columns: &[
            col("sequence_id", "string", true, "identifier"),
            col("sample_id", "string", false, "the sample"),
            col("sequence", "string", false, "the residues, inline"),
            col("quality", "list<int64>", false, "Phred quality per residue"),
            col(
                SEQUENCE_DATASET,
                "string",
                false,
                "a sequences dataset of this file",
            ),
            col(
                SEQUENCE_RECORD,
                "string",
                false,
                "the name of a record of that dataset",
            ),
        ],
        primary_key: &["sequence_id"],
        foreign_keys: &[fk("sample_id", "samples", "sample_id")],
    },
    Table {
        name: "alignments",
        doc: "an alignment of a sequence to a reference",
        columns: &[
            col("alignment_id", "string", true, "identifier"),
            col("sequence_id", "string", false, "the aligned sequence"),
            col("seqid", "string", false, "reference sequence name"),
            col("start", "int64", false, "first reference position, 1-based"),
            col("end", "int64", false, "last reference position, inclusive"),
            col("strand", "string", false, "+ or -"),
            col("mapq", "int64", false, "mapping quality"),
            col("cigar", "string", false, "CIGAR string"),
        ],
        primary_key: &["alignment_id"],
        foreign_keys: &[fk("sequence_id", "sequences", "sequence_id")],
    },
    Table {
        name: "metadata",
        doc: "a key and its value",
        columns: &[
            col("key", "string", true, "name"),
            col("value", "string", false, "value"),
            col("timestamp", "timestamp", false, "when it was set"),
        ],
        primary_key: &["key"],
        foreign_keys: &[],
    },
];

/// The schema table named `name`.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The schema as text, as `gcol schema` prints it: per table its name
/// and description, then a line per column (name, type, `required`,
/// `primary key`, `-> table.column`).
pub fn describe() -> String {
    let mut out = String::new();
    for (i, t) in TABLES.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("table {}: {}\n", t.name, t.doc));
        for c in t.columns {
            let mut notes = Vec::new();
            if t.primary_key.contains(&c.name) {
                notes.push("primary key".to_string());
            } else if c.required {
                notes.push("required".to_string());
            }
            for f in t.foreign_keys.iter().filter(|f| f.column == c.name) {
                notes.push(format!("-> {}.{}", f.table, f.references));
            }
            if t.name == "sequences" && c.name == SEQUENCE_DATASET {
                notes.push("-> a sequences dataset".to_string());
            }
            out.push_str(&format!(
                "  {:<14} {:<12} {:<28} {}\n",
                c.name,
                c.value_type,
                notes.join(", "),
                c.doc
            ));
        }
    }
    out
}

/// The schema as JSON (`gcol schema --json`, `gcol.schema()`): a list of
/// tables, each with `name`, `doc`, `columns` (`name`, `type`,
/// `required`, `doc`), `primary_key` and `foreign_keys` (`column`,
/// `table`, `references`).
pub fn to_json() -> serde_json::Value {
    TABLES
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.name,
                "doc": t.doc,
                "columns": t.columns.iter().map(|c| serde_json::json!({
                    "name": c.name, "type": c.value_type, "required": c.required, "doc": c.doc,
                })).collect::<Vec<_>>(),
                "primary_key": t.primary_key,
                "foreign_keys": t.foreign_keys.iter().map(|f| serde_json::json!({
                    "column": f.column, "table": f.table, "references": f.references,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_columns_and_referenced_tables_come_first() {
        for (i, t) in TABLES.iter().enumerate() {
            for k in t.primary_key {
                assert!(t.column(k).is_some_and(|c| c.required), "{}.{k}", t.name);
            }
            for f in t.foreign_keys {
                assert!(t.column(f.column).is_some());
                let target = TABLES[..i].iter().find(|r| r.name == f.table).unwrap();
                assert_eq!(target.primary_key, &[f.references]);
            }
        }
        assert!(describe().contains("-> experiments.experiment_id"));
    }
}
