//! Reading `table` datasets (spec 17): typed columns as values, the
//! attribute index (exact and prefix search over the flattened attributes
//! of features), and export as CSV, TSV, or, for feature tables, the GFF3
//! or GTF they came from.

use std::io::Write;
use std::sync::OnceLock;

use gcol_format::manifest::Dataset;
use gcol_format::schema::table::{canonical_attributes, columns as col, meta, FEATURES, KIND};
use gcol_format::typed::TypedValue;

use crate::graph::AttrFilter;
use crate::{get_or_load, Error, Reader, Result};

/// A typed column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumn {
    /// Name.
    pub name: String,
    /// Value type: `int64`, `float64`, `bool`, `string` or `list<...>`.
    pub kind: String,
}

/// The attribute index, decoded once.
#[derive(Debug)]
struct Index {
    keys: Vec<String>,
    values: Vec<String>,
    ends: Vec<u64>,
    rows: Vec<u32>,
}

impl Index {
    /// Entries `a .. b` whose key is `name` and whose value matches.
    fn range(&self, name: &str, value: &str, prefix: bool) -> std::ops::Range<usize> {
        let lo = self.keys.partition_point(|k| k.as_str() < name);
        let hi = self.keys.partition_point(|k| k.as_str() <= name);
        let slice = &self.values[lo..hi];
        let start = lo + slice.partition_point(|v| v.as_str() < value);
        let end = if prefix {
            lo + slice.partition_point(|v| v.as_str() < value || v.starts_with(value))
        } else {
            lo + slice.partition_point(|v| v.as_str() <= value)
        };
        start..end.max(start)
    }

    fn rows_of(&self, entries: std::ops::Range<usize>) -> Vec<u32> {
        let mut out = Vec::new();
        for i in entries {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            out.extend_from_slice(&self.rows[start..self.ends[i] as usize]);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A `table` dataset of an open file.
#[derive(Debug)]
pub struct Table {
    pub(crate) reader: Reader,
    name: String,
    num_rows: u64,
    columns: Vec<TableColumn>,
    features: Option<(bool, bool)>,
    line_end: String,
    final_newline: bool,
    has_index: bool,
    index: OnceLock<Index>,
    source_format: String,
    /// GenBank: the dataset holding the record sequences.
    sequences: Option<String>,
}

/// The `source_format` values of feature tables (spec 17.1).
pub const FEATURE_FORMATS: [&str; 4] = ["gff3", "gtf", "genbank", "antismash-json"];

/// A search term's prefix naming an attribute of the index even where a
/// column has the same name ([`Table::search`]).
pub const ATTRIBUTE_PREFIX: &str = "attr:";

fn invariant(dataset: &str, column: &str, row: u64, detail: String) -> Error {
    Error::Invariant {
        column: format!("{dataset}/{column}"),
        row,
        rule: "17.6 table invariants",
        detail,
    }
}

impl Table {
    /// Whether `dataset` is a table.
    pub fn is_table(dataset: &Dataset) -> bool {
        dataset.kind == KIND
    }

    /// Open table `name` of `reader` (reads the manifest only).
    pub fn open(reader: &Reader, name: &str) -> Result<Table> {
        let dataset = reader.dataset(name)?;
        if dataset.kind != KIND {
            return Err(Error::WrongKind {
                dataset: name.to_string(),
                expected: KIND,
                found: dataset.kind.clone(),
            });
        }
        let num_rows = dataset.num_rows.unwrap_or(0);
        let children: Vec<&str> = dataset
            .columns
            .iter()
            .filter_map(|c| match &c.layout {
                Some(gcol_format::manifest::Layout::List { child }) => Some(child.as_str()),
                _ => None,
            })
            .collect();
        let mut columns = Vec::new();
        for c in &dataset.columns {
            if children.contains(&c.name.as_str()) || c.name.starts_with(col::INDEX_PREFIX) {
                continue;
            }
            if c.name.starts_with("comment/") && dataset.metadata.contains_key(meta::SCHEMA) {
                continue;
            }
            let kind = c
                .metadata
                .get(gcol_format::schema::graph::meta::VALUE_TYPE)
                .cloned()
                .unwrap_or_else(|| c.logical_type.clone());
            if c.num_values != num_rows {
                return Err(invariant(
                    name,
                    &c.name,
                    0,
                    format!("{} values for {num_rows} rows", c.num_values),
                ));
            }
            columns.push(TableColumn {
                name: c.name.clone(),
                kind,
            });
        }
        let features = match dataset.metadata.get(meta::SCHEMA).map(String::as_str) {
            Some("features") => {
                FEATURES.bind(dataset)?;
                let gtf = dataset
                    .metadata
                    .get(meta::SOURCE_FORMAT)
                    .is_some_and(|f| f == "gtf");
                let trailing = dataset
                    .metadata
                    .get(meta::TRAILING_SPACE)
                    .is_some_and(|t| t == "true");
                Some((gtf, trailing))
            }
            // A genomics-schema table reads as any typed table; its keys
            // are checked across tables by `check_genomics`.
            Some(gcol_format::schema::genomics::SCHEMA) => None,
            Some(other) => {
                return Err(invariant(
                    name,
                    "metadata",
                    0,
                    format!("unknown table schema {other:?}"),
                ))
            }
            None => None,
        };
        Ok(Table {
            reader: reader.clone(),
            name: name.to_string(),
            num_rows,
            columns,
            features,
            line_end: dataset
                .metadata
                .get(meta::LINE_END)
                .cloned()
                .unwrap_or_else(|| "\n".into()),
            final_newline: dataset
                .metadata
                .get(meta::FINAL_NEWLINE)
                .is_none_or(|v| v != "false"),
            has_index: dataset.columns.iter().any(|c| c.name == col::INDEX_KEY),
            index: OnceLock::new(),
            source_format: dataset
                .metadata
                .get(meta::SOURCE_FORMAT)
                .cloned()
                .unwrap_or_default(),
            sequences: dataset.metadata.get(meta::SEQUENCES).cloned(),
        })
    }

    /// Dataset name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Rows.
    pub fn num_rows(&self) -> u64 {
        self.num_rows
    }

    /// The typed columns, in order.
    pub fn columns(&self) -> &[TableColumn] {
        &self.columns
    }

    /// Whether this is a feature table (GFF3/GTF), and of GTF.
    pub fn features(&self) -> Option<bool> {
        self.features.map(|(gtf, _)| gtf)
    }

    /// A GenBank table's record sequences: the name of the sequences
    /// dataset holding its ORIGIN blocks (spec 17.4), if it had any.
    pub fn sequences_dataset(&self) -> Option<&str> {
        self.sequences.as_deref()
    }

    /// The text format the table came from, which writes its rows back as
    /// they were: GFF for GFF3/GTF feature tables, GenBank for GenBank
    /// ones, TSV for other tables.
    pub fn native_format(&self) -> TableFormat {
        match self.source_format.as_str() {
            _ if self.features.is_none() => TableFormat::Tsv,
            "genbank" => TableFormat::GenBank,
            "antismash-json" => TableFormat::AntismashJson,
            _ => TableFormat::Gff,
        }
    }

    /// Every value of column `name` (for a feature table's `attributes`,
    /// the text of every row, rebuilt from its pairs where not stored).
    pub fn values(&self, name: &str) -> Result<Vec<Option<TypedValue>>> {
        let c = self
            .columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::NoSuchColumn {
                dataset: self.name.clone(),
                column: name.to_string(),
                available: self.columns.iter().map(|c| c.name.clone()).collect(),
            })?;
        let column = self.reader.column(&self.name, &c.name)?;
        let mut values = crate::typed::typed_values(&self.reader, &self.name, &column, &c.kind)?;
        if let (Some((gtf, trailing)), true) = (self.features, name == col::ATTRIBUTES) {
            let keys = self.values(col::ATTR_KEYS)?;
            let vals = self.values(col::ATTR_VALUES)?;
            for (i, v) in values.iter_mut().enumerate() {
                if v.is_none() {
                    let pairs = pairs_of(&keys[i], &vals[i]);
                    *v = Some(TypedValue::Str(canonical_attributes(&pairs, gtf, trailing)));
                }
            }
        }
        Ok(values)
    }

    fn index(&self) -> Result<&Index> {
        get_or_load(&self.index, || {
            let read_text = |name: &str| -> Result<Vec<String>> {
                let c = self.reader.column(&self.name, name)?;
                let mut out = Vec::with_capacity(c.num_values() as usize);
                c.for_each_binary(0..c.num_values(), |_, v| {
                    out.push(String::from_utf8_lossy(v).into_owned())
                })?;
                Ok(out)
            };
            let keys = read_text(col::INDEX_KEY)?;
            let values = read_text(col::INDEX_VALUE)?;
            let lists = self.reader.column(&self.name, col::INDEX_ROWS)?;
            let ends: Vec<u64> = lists.read(0..lists.num_values())?;
            let rows_col = self.reader.column(&self.name, col::INDEX_ROW)?;
            let rows: Vec<u32> = rows_col.read(0..rows_col.num_values())?;
            if keys.len() != values.len() || keys.len() != ends.len() {
                return Err(invariant(
                    &self.name,
                    col::INDEX_ROWS,
                    0,
                    "index columns of different lengths".into(),
                ));
            }
            for i in 1..keys.len() {
                if (&keys[i - 1], &values[i - 1]) >= (&keys[i], &values[i]) {
                    return Err(invariant(
                        &self.name,
                        col::INDEX_KEY,
                        i as u64,
                        "index entries not distinct and in byte order".into(),
                    ));
                }
            }
            let mut start = 0u64;
            for (i, &end) in ends.iter().enumerate() {
                if end < start || end > rows.len() as u64 {
                    return Err(invariant(
                        &self.name,
                        col::INDEX_ROWS,
                        i as u64,
                        format!("end offset {end} after {start}"),
                    ));
                }
                let slice = &rows[start as usize..end as usize];
                if slice.windows(2).any(|w| w[0] >= w[1])
                    || slice.iter().any(|&r| u64::from(r) >= self.num_rows)
                {
                    return Err(invariant(
                        &self.name,
                        col::INDEX_ROW,
                        start,
                        "rows of an entry not ascending rows of the table".into(),
                    ));
                }
                start = end;
            }
            Ok(Index {
                keys,
                values,
                ends,
                rows,
            })
        })
    }

    /// Rows (ascending) matching every `(name, filter)`: a column of that
    /// name compared value by value, else an attribute of the index (exact
    /// or prefix). `attr:NAME` always names the attribute, for attributes
    /// named like a column (a GFF `source=` or a qualifier `/type=`).
    pub fn search(&self, criteria: &[(String, AttrFilter)]) -> Result<Vec<u64>> {
        let mut result: Option<Vec<u64>> = None;
        for (name, filter) in criteria {
            let (name, forced) = match name.strip_prefix(ATTRIBUTE_PREFIX) {
                Some(n) if self.has_index => (n, true),
                _ => (name.as_str(), false),
            };
            let indexed =
                forced || (self.has_index && !self.columns.iter().any(|c| c.name == name));
            let rows: Vec<u64> = match (indexed, filter) {
                (true, AttrFilter::Equals(v)) => {
                    let index = self.index()?;
                    index
                        .rows_of(index.range(name, v, false))
                        .into_iter()
                        .map(u64::from)
                        .collect()
                }
                (true, AttrFilter::Prefix(v)) => {
                    let index = self.index()?;
                    index
                        .rows_of(index.range(name, v, true))
                        .into_iter()
                        .map(u64::from)
                        .collect()
                }
                (true, AttrFilter::Between(..)) => {
                    let index = self.index()?;
                    let lo = index.keys.partition_point(|k| k.as_str() < name);
                    let hi = index.keys.partition_point(|k| k.as_str() <= name);
                    let hits: Vec<usize> = (lo..hi)
                        .filter(|&i| {
                            index.values[i]
                                .parse::<f64>()
                                .is_ok_and(|x| filter.matches(&TypedValue::Float(x)))
                        })
                        .collect();
                    let mut rows = Vec::new();
                    for i in hits {
                        rows.extend(index.rows_of(i..i + 1).into_iter().map(u64::from));
                    }
                    rows.sort_unstable();
                    rows.dedup();
                    rows
                }
                (false, _) => self
                    .values(name)?
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.as_ref().is_some_and(|v| filter.matches(v)))
                    .map(|(i, _)| i as u64)
                    .collect(),
            };
            result = Some(match result {
                None => rows,
                Some(prev) => prev
                    .into_iter()
                    .filter(|r| rows.binary_search(r).is_ok())
                    .collect(),
            });
        }
        Ok(result.unwrap_or_else(|| (0..self.num_rows).collect()))
    }

    /// Write `rows` (all when `None`) as CSV or TSV (a header line, then
    /// one line per row; values as spec 16.4 writes them, quoted as
    /// 16.8 says), or, for a feature table, as the GFF3/GTF lines they
    /// were (with the comment lines when writing all rows).
    pub fn write(
        &self,
        format: TableFormat,
        rows: Option<&[u64]>,
        out: &mut dyn Write,
    ) -> Result<()> {
        let io = |e: std::io::Error| Error::Output { source: e };
        // All rows come with the comment lines (the whole file); a
        // selection (a search, even of every row or of none) without.
        let whole = rows.is_none();
        let all: Vec<u64>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..self.num_rows).collect();
                &all
            }
        };
        if matches!(
            format,
            TableFormat::Gff | TableFormat::GenBank | TableFormat::AntismashJson
        ) {
            let source = self.source_format.as_str();
            let wanted = match format {
                TableFormat::Gff => source == "gff3" || source == "gtf",
                TableFormat::GenBank => source == "genbank",
                _ => source == "antismash-json",
            };
            if self.features.is_none() || !wanted {
                let what = match format {
                    TableFormat::Gff => "a GFF3/GTF",
                    TableFormat::GenBank => "a GenBank",
                    _ => "an antiSMASH JSON",
                };
                return Err(Error::Usage {
                    detail: format!(
                        "table {:?} is not {what} feature table; export it as .csv or .tsv",
                        self.name
                    ),
                });
            }
            return match format {
                TableFormat::Gff => self.write_gff(whole, rows, out),
                TableFormat::GenBank => self.write_genbank(whole, rows, out),
                _ => self.write_antismash(whole, rows, out),
            };
        }
        let delimiter = if format == TableFormat::Csv {
            b','
        } else {
            b'\t'
        };
        let d = (delimiter as char).to_string();
        let names: Vec<&TableColumn> = self.columns.iter().collect();
        let values = names
            .iter()
            .map(|c| self.values(&c.name))
            .collect::<Result<Vec<_>>>()?;
        let header: Vec<String> = names
            .iter()
            .map(|c| crate::graph::export::table_field(&c.name, delimiter))
            .collect();
        writeln!(out, "{}", header.join(&d)).map_err(io)?;
        let mut line = String::new();
        for &r in rows {
            line.clear();
            for (i, column) in values.iter().enumerate() {
                if i > 0 {
                    line.push_str(&d);
                }
                if let Some(v) = &column[r as usize] {
                    line.push_str(&crate::graph::export::table_field(&v.to_text(), delimiter));
                }
            }
            writeln!(out, "{line}").map_err(io)?;
        }
        out.flush().map_err(io)
    }

    /// Write `rows` as lines, each after the comment lines that come
    /// before it (all comments when `rows` is every row), `line_of`
    /// giving a row's text (`\n` inside it becomes the file's line end)
    /// and `after_comment` adding lines after comment `i`.
    fn write_lines(
        &self,
        whole: bool,
        rows: &[u64],
        out: &mut dyn Write,
        line_of: &mut dyn FnMut(usize) -> String,
        after_comment: &mut AfterComment<'_>,
    ) -> Result<()> {
        let comments = if whole { self.comments()? } else { Vec::new() };
        let mut lines = Lines {
            out,
            end: &self.line_end,
            started: false,
        };
        let mut next = 0;
        for &r in rows {
            while next < comments.len() && comments[next].0 <= r {
                lines.line(&comments[next].1)?;
                after_comment(&comments, next, &mut lines)?;
                next += 1;
            }
            lines.line(&line_of(r as usize))?;
        }
        while next < comments.len() {
            lines.line(&comments[next].1)?;
            after_comment(&comments, next, &mut lines)?;
            next += 1;
        }
        lines.finish(self.final_newline || !whole)
    }

    /// The GFF3/GTF lines of `rows`.
    fn write_gff(&self, whole: bool, rows: &[u64], out: &mut dyn Write) -> Result<()> {
        let names = [
            col::SEQID,
            col::SOURCE,
            col::TYPE,
            col::START,
            col::END,
            col::SCORE,
            col::STRAND,
            col::PHASE,
            col::ATTRIBUTES,
            col::LINE,
        ];
        let values = names
            .iter()
            .map(|n| self.values(n))
            .collect::<Result<Vec<_>>>()?;
        let text = |v: &Option<TypedValue>| v.as_ref().map(TypedValue::to_text).unwrap_or_default();
        let int = |v: &Option<TypedValue>| match v {
            Some(TypedValue::Int(i)) => Some(*i),
            _ => None,
        };
        self.write_lines(
            whole,
            rows,
            out,
            &mut |r| match &values[9][r] {
                Some(raw) => raw.to_text(),
                None => gcol_format::schema::table::feature_line(
                    &text(&values[0][r]),
                    &text(&values[1][r]),
                    &text(&values[2][r]),
                    int(&values[3][r]),
                    int(&values[4][r]),
                    values[5][r].as_ref().and_then(TypedValue::as_f64),
                    values[6][r].as_ref().map(TypedValue::to_text).as_deref(),
                    int(&values[7][r]),
                    &text(&values[8][r]),
                ),
            },
            &mut |_, _, _| Ok(()),
        )
    }

    /// The GenBank text of `rows` (spec 17.4): feature entries rebuilt from
    /// key, location and qualifiers where not stored, and with every row
    /// the comment lines, each `ORIGIN` directly before `//` followed by
    /// its record's sequence in the canonical layout.
    fn write_genbank(&self, whole: bool, rows: &[u64], out: &mut dyn Write) -> Result<()> {
        let entry = self.entry_texts(gcol_format::schema::genbank::feature_text)?;
        let sequences = match &self.sequences {
            Some(name) => Some(self.reader.sequences(name)?),
            None => None,
        };
        // Found once, from the comments `write_lines` reads.
        let mut sections: Option<Vec<usize>> = None;
        let mut residues = Vec::new();
        self.write_lines(
            whole,
            rows,
            out,
            &mut |r| entry(r),
            &mut |comments, i, lines| {
                // Spec 17.4: a section rebuilt when its `//` follows at once.
                let sections = sections.get_or_insert_with(|| origin_sections(comments));
                let Ok(k) = sections.binary_search(&i) else {
                    return Ok(());
                };
                let origins = k + 1;
                if !comments.get(i + 1).is_some_and(|c| c.1.starts_with("//")) {
                    return Ok(());
                }
                let set = self.sequence_records(sequences.as_ref(), origins)?;
                residues.clear();
                let length = set.length(origins - 1)?;
                set.fetch_record_into(origins - 1, 0..length, &mut residues)?;
                for l in gcol_format::schema::genbank::origin_lines(&residues) {
                    lines.line(&l)?;
                }
                Ok(())
            },
        )
    }

    /// Each row's text in a table with locations (GenBank, antiSMASH):
    /// its stored `line`, else `canonical(type, location, pairs)`.
    fn entry_texts(
        &self,
        canonical: fn(&str, &str, &[(String, String)]) -> String,
    ) -> Result<impl Fn(usize) -> String> {
        let values = [
            col::TYPE,
            col::LOCATION,
            col::LINE,
            col::ATTR_KEYS,
            col::ATTR_VALUES,
        ]
        .iter()
        .map(|n| self.values(n))
        .collect::<Result<Vec<_>>>()?;
        let text = |v: &Option<TypedValue>| v.as_ref().map(TypedValue::to_text).unwrap_or_default();
        Ok(move |r: usize| match &values[2][r] {
            Some(raw) => raw.to_text(),
            None => canonical(
                &text(&values[0][r]),
                &text(&values[1][r]),
                &pairs_of(&values[3][r], &values[4][r]),
            ),
        })
    }

    /// The antiSMASH JSON text of `rows` (spec 17.9): every row (its
    /// stored text, else the canonical feature object) between the
    /// document pieces, each record's sequence string after the piece
    /// that opens it. A subset of rows is written as JSON Lines: one
    /// feature object per line.
    fn write_antismash(&self, whole: bool, rows: &[u64], out: &mut dyn Write) -> Result<()> {
        let io = |e: std::io::Error| Error::Output { source: e };
        let feature = self.entry_texts(gcol_format::schema::antismash::feature_json)?;
        if !whole {
            for &r in rows {
                // JSON Lines: an object stored as written may span lines;
                // outside strings a line break is white space.
                let text = feature(r as usize);
                writeln!(out, "{}", text.replace(['\n', '\r'], " ")).map_err(io)?;
            }
            return out.flush().map_err(io);
        }
        let sequences = match &self.sequences {
            Some(name) => Some(self.reader.sequences(name)?),
            None => None,
        };
        let mut opened = 0usize;
        let mut residues = Vec::new();
        self.write_lines(
            whole,
            rows,
            out,
            &mut |r| feature(r),
            &mut |comments, i, lines| {
                if !gcol_format::schema::antismash::opens_sequence(&comments[i].1) {
                    return Ok(());
                }
                opened += 1;
                let set = self.sequence_records(sequences.as_ref(), opened)?;
                residues.clear();
                let length = set.length(opened - 1)?;
                set.fetch_record_into(opened - 1, 0..length, &mut residues)?;
                lines.line(&String::from_utf8_lossy(&residues))
            },
        )
    }

    /// The sequences dataset, checked to hold record `k` (1-based) of the
    /// sections the export rebuilds.
    fn sequence_records<'s>(
        &self,
        sequences: Option<&'s crate::Sequences>,
        k: usize,
    ) -> Result<&'s crate::Sequences> {
        let set = sequences.ok_or_else(|| {
            invariant(
                &self.name,
                meta::SEQUENCES,
                0,
                "a sequence section but no sequences dataset".into(),
            )
        })?;
        if k > set.len() {
            return Err(invariant(
                &self.name,
                meta::SEQUENCES,
                k as u64,
                format!("sequence section {k} but {} sequences", set.len()),
            ));
        }
        Ok(set)
    }

    /// Check spec 17.6: every column's values (lengths, lists), the index
    /// (entries distinct and sorted, rows ascending and in range), feature
    /// parents in range, comment rows in order. Returns the rows checked.
    pub fn check_invariants(&self) -> Result<u64> {
        for c in &self.columns {
            let values = self.values(&c.name)?;
            if c.name == col::PARENTS && self.features.is_some() {
                for (r, v) in values.iter().enumerate() {
                    if let Some(TypedValue::List(items)) = v {
                        if items.iter().any(|p| !matches!(p, TypedValue::Int(i) if *i >= 0 && (*i as u64) < self.num_rows)) {
                            return Err(invariant(&self.name, col::PARENTS, r as u64, "a parent that is not a row of the table".into()));
                        }
                    }
                }
            }
        }
        if self.has_index {
            self.index()?;
        }
        let comments = self.comments()?;
        if self.features.is_some() {
            let starts = self.values(col::SOURCE_START)?;
            let ends = self.values(col::SOURCE_END)?;
            for (r, (a, b)) in starts.iter().zip(&ends).enumerate() {
                if let (Some(TypedValue::Int(a)), Some(TypedValue::Int(b))) = (a, b) {
                    if a > b || *a < 0 {
                        return Err(invariant(
                            &self.name,
                            col::SOURCE_START,
                            r as u64,
                            format!("source offsets {a}..{b} are not a span"),
                        ));
                    }
                }
            }
        }
        if self.features.is_some() && !FEATURE_FORMATS.contains(&self.source_format.as_str()) {
            return Err(invariant(
                &self.name,
                meta::SOURCE_FORMAT,
                0,
                format!(
                    "a feature table of source format {:?} (17.1: one of {})",
                    self.source_format,
                    FEATURE_FORMATS.join(", ")
                ),
            ));
        }
        let format = self.native_format();
        if format == TableFormat::AntismashJson && (!self.line_end.is_empty() || self.final_newline)
        {
            return Err(invariant(
                &self.name,
                meta::LINE_END,
                0,
                "an antiSMASH table whose line_end is not empty or final_newline not false (17.9)"
                    .into(),
            ));
        }
        let located = matches!(format, TableFormat::GenBank | TableFormat::AntismashJson);
        if located && !self.columns.iter().any(|c| c.name == col::LOCATION) {
            return Err(invariant(
                &self.name,
                col::LOCATION,
                0,
                "a GenBank or antiSMASH table without its location column (17.4, 17.9)".into(),
            ));
        }
        if located {
            // Spec 17.4, 17.9: a sequence record for every section the
            // export rebuilds (counted as the export counts them).
            let sections = if format == TableFormat::GenBank {
                origin_sections(&comments).len()
            } else {
                comments
                    .iter()
                    .filter(|c| gcol_format::schema::antismash::opens_sequence(&c.1))
                    .count()
            };
            let records = match &self.sequences {
                Some(name) => self.reader.sequences(name)?.len(),
                None => 0,
            };
            if records < sections {
                return Err(invariant(
                    &self.name,
                    meta::SEQUENCES,
                    sections as u64,
                    format!("{sections} sequence sections but {records} sequence records"),
                ));
            }
        }
        Ok(self.num_rows)
    }

    /// Comment lines of a feature table: (row they come before, text).
    fn comments(&self) -> Result<Vec<(u64, String)>> {
        let dataset = self.reader.dataset(&self.name)?;
        if !dataset.columns.iter().any(|c| c.name == col::COMMENT_ROW) {
            return Ok(Vec::new());
        }
        let rows = self.reader.column(&self.name, col::COMMENT_ROW)?;
        let rows: Vec<i64> = rows.read(0..rows.num_values())?;
        let text = self.reader.column(&self.name, col::COMMENT_TEXT)?;
        if rows.len() as u64 != text.num_values() {
            return Err(invariant(
                &self.name,
                col::COMMENT_TEXT,
                0,
                format!(
                    "{} comment lines but {} comment rows",
                    text.num_values(),
                    rows.len()
                ),
            ));
        }
        if let Some(i) = rows.iter().position(|&r| r < 0 || r as u64 > self.num_rows) {
            return Err(invariant(
                &self.name,
                col::COMMENT_ROW,
                i as u64,
                format!(
                    "comment row {} is outside 0..={} (the table's rows)",
                    rows[i], self.num_rows
                ),
            ));
        }
        if let Some(i) = rows.windows(2).position(|w| w[0] > w[1]) {
            return Err(invariant(
                &self.name,
                col::COMMENT_ROW,
                i as u64 + 1,
                "comment rows decrease".into(),
            ));
        }
        let mut out = Vec::with_capacity(rows.len());
        text.for_each_binary(0..text.num_values(), |i, v| {
            out.push((
                rows[i as usize] as u64,
                String::from_utf8_lossy(v).into_owned(),
            ))
        })?;
        Ok(out)
    }
}

/// Lines written with the table's line end between them, and after the
/// last one only when the source had it.
/// The comment lines (indexes into `comments`) that open a GenBank
/// sequence section (spec 17.4): an `ORIGIN` line not inside a section
/// kept as comments (which runs to its `//`).
fn origin_sections(comments: &[(u64, String)]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut inside = false;
    for (i, (_, line)) in comments.iter().enumerate() {
        if inside {
            inside = !line.starts_with("//");
        } else if gcol_format::schema::genbank::is_origin_line(line) {
            inside = true;
            out.push(i);
        }
    }
    out
}

/// Adds lines after comment `i` of the comments (row, text) given.
type AfterComment<'f> = dyn FnMut(&[(u64, String)], usize, &mut Lines<'_>) -> Result<()> + 'f;

struct Lines<'a> {
    out: &'a mut dyn Write,
    end: &'a str,
    started: bool,
}

impl Lines<'_> {
    fn line(&mut self, text: &str) -> Result<()> {
        let io = |e: std::io::Error| Error::Output { source: e };
        if self.started {
            self.out.write_all(self.end.as_bytes()).map_err(io)?;
        }
        self.started = true;
        // A multi-line entry takes the file's line end (spec 17.4); a
        // document cut into pieces (line end "", 17.9) is written as is.
        if self.end != "\n" && !self.end.is_empty() && text.contains('\n') {
            self.out
                .write_all(text.replace('\n', self.end).as_bytes())
                .map_err(io)
        } else {
            self.out.write_all(text.as_bytes()).map_err(io)
        }
    }

    fn finish(self, final_newline: bool) -> Result<()> {
        let io = |e: std::io::Error| Error::Output { source: e };
        if self.started && final_newline {
            self.out.write_all(self.end.as_bytes()).map_err(io)?;
        }
        self.out.flush().map_err(io)
    }
}

fn pairs_of(keys: &Option<TypedValue>, values: &Option<TypedValue>) -> Vec<(String, String)> {
    match (keys, values) {
        (Some(TypedValue::List(k)), Some(TypedValue::List(v))) => k
            .iter()
            .zip(v)
            .map(|(k, v)| (k.to_text(), v.to_text()))
            .collect(),
        _ => Vec::new(),
    }
}

/// A table export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated.
    Csv,
    /// Tab-separated.
    Tsv,
    /// The GFF3 or GTF lines of a feature table.
    Gff,
    /// The GenBank text of a feature table from GenBank.
    GenBank,
    /// The antiSMASH results JSON of a feature table from one.
    AntismashJson,
}

impl TableFormat {
    /// The file name endings [`TableFormat::from_path`] knows, for messages.
    pub const EXTENSIONS: &'static str = ".csv, .tsv, .gff3, .gtf, .gbk or .json";

    /// The format an output file name asks for.
    pub fn from_path(path: &std::path::Path) -> Option<TableFormat> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        Some(match name.rsplit('.').next()? {
            "csv" => TableFormat::Csv,
            "tsv" | "txt" => TableFormat::Tsv,
            "gff" | "gff3" | "gtf" | "gff2" => TableFormat::Gff,
            "gb" | "gbk" | "gbff" | "genbank" => TableFormat::GenBank,
            "json" => TableFormat::AntismashJson,
            _ => return None,
        })
    }
}

/// One genomics-schema table checked by [`check_genomics`]: its name and
/// rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaTable {
    /// Table (dataset) name.
    pub name: String,
    /// Rows.
    pub rows: u64,
}

/// Check the keys of every genomics-schema table of the file (spec 17.8):
/// each is a table of the schema with its columns of the schema's types,
/// required values present, primary keys distinct, foreign keys found in
/// the referenced table of the file, and `sequences` rows naming a
/// sequences dataset of the file and a record of it.
pub fn check_genomics(reader: &Reader) -> Result<Vec<SchemaTable>> {
    use gcol_format::schema::genomics;
    use std::collections::{HashMap, HashSet};
    let bad = |table: &str, column: &str, row: u64, detail: String| Error::Invariant {
        column: format!("{table}/{column}"),
        row,
        rule: "17.8 genomics schema",
        detail,
    };
    let mut tables: Vec<(Table, &'static genomics::Table)> = Vec::new();
    for d in reader.datasets() {
        if d.kind != KIND
            || d.metadata.get(meta::SCHEMA).map(String::as_str) != Some(genomics::SCHEMA)
        {
            continue;
        }
        let schema = genomics::table(&d.name).ok_or_else(|| {
            bad(
                &d.name,
                meta::SCHEMA,
                0,
                "not a table of the genomics schema".into(),
            )
        })?;
        let table = Table::open(reader, &d.name)?;
        for c in schema.columns {
            let found = table.columns.iter().find(|t| t.name == c.name);
            match found {
                Some(t) if t.kind == c.value_type => {}
                Some(t) => {
                    return Err(bad(
                        &d.name,
                        c.name,
                        0,
                        format!(
                            "value type {} where the schema says {}",
                            t.kind, c.value_type
                        ),
                    ))
                }
                None => return Err(bad(&d.name, c.name, 0, "a schema column is missing".into())),
            }
        }
        tables.push((table, schema));
    }
    // Each table's columns as text (null: None), read once.
    let mut text: HashMap<(String, &'static str), Vec<Option<String>>> = HashMap::new();
    for (table, schema) in &tables {
        for c in schema.columns {
            let values = table
                .values(c.name)?
                .into_iter()
                .map(|v| v.map(|v| v.to_text()))
                .collect::<Vec<_>>();
            if c.required {
                if let Some(r) = values.iter().position(Option::is_none) {
                    return Err(bad(
                        &table.name,
                        c.name,
                        r as u64,
                        "a required value is null".into(),
                    ));
                }
            }
            text.insert((table.name.clone(), c.name), values);
        }
    }
    let mut out = Vec::new();
    for (table, schema) in &tables {
        let keys: Vec<&Vec<Option<String>>> = schema
            .primary_key
            .iter()
            .map(|k| &text[&(table.name.clone(), *k)])
            .collect();
        let mut seen = HashMap::new();
        for r in 0..table.num_rows as usize {
            let key: Vec<&Option<String>> = keys.iter().map(|k| &k[r]).collect();
            if let Some(first) = seen.insert(key, r) {
                return Err(bad(
                    &table.name,
                    schema.primary_key[0],
                    r as u64,
                    format!("the primary key repeats row {first}"),
                ));
            }
        }
        for f in schema.foreign_keys {
            let target: Option<HashSet<&str>> = text
                .get(&(f.table.to_string(), f.references))
                .map(|v| v.iter().flatten().map(String::as_str).collect());
            for (r, v) in text[&(table.name.clone(), f.column)].iter().enumerate() {
                let Some(v) = v else { continue };
                match &target {
                    Some(t) if t.contains(v.as_str()) => {}
                    Some(_) => {
                        return Err(bad(
                            &table.name,
                            f.column,
                            r as u64,
                            format!("no row of table {} has {} {v:?}", f.table, f.references),
                        ))
                    }
                    None => {
                        return Err(bad(
                            &table.name,
                            f.column,
                            r as u64,
                            format!("{v:?} refers to table {}, which the file lacks", f.table),
                        ))
                    }
                }
            }
        }
        if schema.name == "sequences" {
            let datasets = &text[&(table.name.clone(), genomics::SEQUENCE_DATASET)];
            let records = &text[&(table.name.clone(), genomics::SEQUENCE_RECORD)];
            for (r, (d, rec)) in datasets.iter().zip(records).enumerate() {
                let Some(d) = d else {
                    if rec.is_some() {
                        return Err(bad(
                            &table.name,
                            genomics::SEQUENCE_RECORD,
                            r as u64,
                            "a record without a dataset".into(),
                        ));
                    }
                    continue;
                };
                let set = reader.sequences(d).map_err(|_| {
                    bad(
                        &table.name,
                        genomics::SEQUENCE_DATASET,
                        r as u64,
                        format!("{d:?} is not a sequences dataset of the file"),
                    )
                })?;
                if let Some(rec) = rec {
                    if set.find(rec)?.is_none() {
                        return Err(bad(
                            &table.name,
                            genomics::SEQUENCE_RECORD,
                            r as u64,
                            format!("{rec:?} is not a record of {d:?}"),
                        ));
                    }
                }
            }
        }
        out.push(SchemaTable {
            name: table.name.clone(),
            rows: table.num_rows,
        });
    }
    Ok(out)
}
