//! Typed columns (spec 16.4, 17.2): values as sources give them (whole
//! numbers, numbers, booleans, text, lists), a column type decided from
//! all of a column's values, and the nullable columns that hold them.
//! Graph attributes and table columns are written here.

use gcol_format::encoding::Encoding;
use gcol_format::PhysicalType;
use gcol_writer::{ColumnId, ColumnSpec, Writer};

/// Column metadata naming a typed column's value type (`int64`,
/// `float64`, `bool`, `string`, `timestamp`, `list<...>`).
pub const VALUE_TYPE: &str = gcol_format::schema::graph::meta::VALUE_TYPE;

/// Page size limit of row-group pages: a page holds one row group of one
/// column unless that would pass this.
pub const ROW_GROUP_PAGE_BYTES: usize = 48 << 20;

pub use gcol_format::typed::format_float;
/// A value as a source gives it (spec 16.4).
pub use gcol_format::typed::TypedValue as Value;

/// The type of a typed column, decided from all its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    Int,
    Float,
    Bool,
    Str,
    Timestamp,
}

impl Scalar {
    pub(crate) fn of(value: &Value) -> Option<Scalar> {
        match value {
            Value::Int(_) => Some(Scalar::Int),
            Value::Float(_) => Some(Scalar::Float),
            Value::Bool(_) => Some(Scalar::Bool),
            Value::Str(_) => Some(Scalar::Str),
            Value::Timestamp(_) => Some(Scalar::Timestamp),
            Value::List(_) => None,
        }
    }

    /// The type holding values of both types: numbers widen to float,
    /// anything else mixed becomes text.
    pub(crate) fn join(a: Option<Scalar>, b: Scalar) -> Scalar {
        match (a, b) {
            (None, b) => b,
            (Some(a), b) if a == b => a,
            (Some(Scalar::Int), Scalar::Float) | (Some(Scalar::Float), Scalar::Int) => {
                Scalar::Float
            }
            _ => Scalar::Str,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Scalar::Int => "int64",
            Scalar::Float => "float64",
            Scalar::Bool => "bool",
            Scalar::Str => "string",
            Scalar::Timestamp => "timestamp",
        }
    }
}

/// Write one typed column (and its item column, for lists), typed by its
/// values (spec 16.4, 17.2); with `row_group`, pages end every that many
/// rows (the list's items with their rows).
pub(crate) fn write_typed<'a, W: std::io::Write>(
    writer: &mut Writer<W>,
    d: gcol_writer::DatasetId,
    name: &str,
    rows: impl Iterator<Item = Option<&'a Value>> + Clone,
    level: i32,
    row_group: Option<usize>,
) -> gcol_writer::Result<()> {
    write_declared(writer, d, name, rows, level, row_group, None)
}

/// [`write_typed`] with the type given (`int64`, `float64`, `bool`,
/// `string`, `list<...>` of those) instead of found from the values, so a
/// column of a fixed schema keeps its type when every value is null; the
/// values must be of that type.
pub(crate) fn write_declared<'a, W: std::io::Write>(
    writer: &mut Writer<W>,
    d: gcol_writer::DatasetId,
    name: &str,
    rows: impl Iterator<Item = Option<&'a Value>> + Clone,
    level: i32,
    row_group: Option<usize>,
    declared: Option<&str>,
) -> gcol_writer::Result<()> {
    let parse = |k: &str| match k {
        "int64" => Scalar::Int,
        "float64" => Scalar::Float,
        "bool" => Scalar::Bool,
        "timestamp" => Scalar::Timestamp,
        _ => Scalar::Str,
    };
    // The type: scalars joined; lists typed by their items.
    let mut scalar = None;
    let mut item = None;
    let mut lists = 0usize;
    let mut present = 0usize;
    if let Some(k) = declared {
        match k.strip_prefix("list<").and_then(|k| k.strip_suffix('>')) {
            Some(i) => {
                item = Some(parse(i));
                // Counted as lists below, whatever the values.
                lists = usize::MAX / 2;
                present = lists;
            }
            None => scalar = Some(parse(k)),
        }
    }
    let declared_list = lists > 0;
    for v in rows.clone().flatten().filter(|_| declared.is_none()) {
        present += 1;
        match v {
            Value::List(items) => {
                lists += 1;
                for i in items {
                    item = Some(match Scalar::of(i) {
                        Some(s) => Scalar::join(item, s),
                        None => Scalar::Str,
                    });
                }
            }
            v => scalar = Some(Scalar::join(scalar, Scalar::of(v).expect("scalar"))),
        }
    }
    if declared_list || (lists > 0 && lists == present) {
        let item = item.unwrap_or(Scalar::Str);
        let item_name = format!("{name}/item");
        let list = writer.add_column(
            d,
            ColumnSpec::new(name, PhysicalType::U64, format!("list<{}>", item.name()))
                .encoding(Encoding::delta_varint().with_zstd(level))
                .nullable()
                .list(item_name.clone())
                .metadata(VALUE_TYPE, format!("list<{}>", item.name())),
        )?;
        let child = writer.add_column(d, scalar_spec(&item_name, item, level, false, row_group))?;
        let mut column = ScalarColumn::new(child, item);
        for (i, row) in rows.enumerate() {
            if row_group.is_some_and(|r| i > 0 && i % r == 0) {
                column.flush(writer)?;
                writer.flush_column(child)?;
                writer.flush_column(list)?;
            }
            match row {
                Some(Value::List(items)) => {
                    for i in items {
                        column.push(writer, Some(i))?;
                    }
                    column.flush(writer)?;
                    writer.end_list(list)?;
                }
                _ => {
                    column.flush(writer)?;
                    writer.end_list_null(list)?;
                }
            }
        }
        return column.flush(writer);
    }
    // Scalars, or lists mixed with scalars (then text).
    let kind = if lists > 0 {
        Scalar::Str
    } else {
        scalar.unwrap_or(Scalar::Str)
    };
    let id = writer.add_column(d, scalar_spec(name, kind, level, true, row_group))?;
    let mut column = ScalarColumn::new(id, kind);
    for (i, row) in rows.enumerate() {
        if row_group.is_some_and(|r| i > 0 && i % r == 0) {
            column.flush(writer)?;
            writer.flush_column(id)?;
        }
        column.push(writer, row)?;
    }
    column.flush(writer)
}

/// The column of one scalar type: pages of 1 MiB, or with `row_group` as
/// large as the format allows (pages end at row-group boundaries instead).
fn scalar_spec(
    name: &str,
    kind: Scalar,
    level: i32,
    nullable: bool,
    row_group: Option<usize>,
) -> ColumnSpec {
    let spec = match kind {
        Scalar::Int => ColumnSpec::new(name, PhysicalType::I64, "int64")
            .encoding(Encoding::varint().with_zstd(level))
            .or_encoding(Encoding::delta_varint().with_zstd(level)),
        Scalar::Float => ColumnSpec::new(name, PhysicalType::F64, "float64")
            .encoding(Encoding::PLAIN.with_zstd(level))
            .or_encoding(Encoding::decimal().with_zstd(level)),
        Scalar::Bool => ColumnSpec::new(name, PhysicalType::U8, "bool")
            .encoding(Encoding::PLAIN.with_zstd(level)),
        Scalar::Timestamp => ColumnSpec::new(name, PhysicalType::I64, "timestamp")
            .encoding(Encoding::delta_varint().with_zstd(level))
            .or_encoding(Encoding::varint().with_zstd(level)),
        Scalar::Str => ColumnSpec::new(name, PhysicalType::Binary, "utf8")
            .encoding(Encoding::lengths().with_zstd(level))
            .or_encoding(Encoding::dictionary().with_zstd(level)),
    }
    .metadata(VALUE_TYPE, kind.name())
    .page_bytes(if row_group.is_some() {
        ROW_GROUP_PAGE_BYTES
    } else {
        1 << 20
    });
    if nullable {
        spec.nullable()
    } else {
        spec
    }
}

/// Values of one scalar column, pushed in batches.
struct ScalarColumn {
    id: ColumnId,
    kind: Scalar,
    ints: Vec<i64>,
    floats: Vec<f64>,
    bools: Vec<u8>,
    present: Vec<bool>,
}

impl ScalarColumn {
    fn new(id: ColumnId, kind: Scalar) -> ScalarColumn {
        ScalarColumn {
            id,
            kind,
            ints: Vec::new(),
            floats: Vec::new(),
            bools: Vec::new(),
            present: Vec::new(),
        }
    }

    fn push<W: std::io::Write>(
        &mut self,
        writer: &mut Writer<W>,
        value: Option<&Value>,
    ) -> gcol_writer::Result<()> {
        match self.kind {
            Scalar::Str => {
                let text = value.map(|v| match v {
                    Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
                    other => std::borrow::Cow::Owned(other.to_text()),
                });
                return writer.push_binary_option(self.id, text.as_deref().map(str::as_bytes));
            }
            Scalar::Int => self.ints.push(match value {
                Some(Value::Int(v)) => *v,
                _ => 0,
            }),
            Scalar::Timestamp => self.ints.push(match value {
                Some(Value::Timestamp(v)) => *v,
                _ => 0,
            }),
            Scalar::Float => self.floats.push(match value {
                Some(Value::Float(v)) => *v,
                Some(Value::Int(v)) => *v as f64,
                _ => 0.0,
            }),
            Scalar::Bool => self
                .bools
                .push(u8::from(matches!(value, Some(Value::Bool(true))))),
        }
        self.present.push(value.is_some());
        if self.present.len() >= 1 << 16 {
            self.flush(writer)?;
        }
        Ok(())
    }

    fn flush<W: std::io::Write>(&mut self, writer: &mut Writer<W>) -> gcol_writer::Result<()> {
        if self.present.is_empty() {
            return Ok(());
        }
        let all = self.present.iter().all(|&p| p);
        match self.kind {
            Scalar::Str => {}
            Scalar::Int | Scalar::Timestamp if all => writer.push(self.id, &self.ints)?,
            Scalar::Int | Scalar::Timestamp => {
                writer.push_nullable(self.id, &self.ints, &self.present)?
            }
            Scalar::Float if all => writer.push(self.id, &self.floats)?,
            Scalar::Float => writer.push_nullable(self.id, &self.floats, &self.present)?,
            Scalar::Bool if all => writer.push(self.id, &self.bools)?,
            Scalar::Bool => writer.push_nullable(self.id, &self.bools, &self.present)?,
        }
        self.ints.clear();
        self.floats.clear();
        self.bools.clear();
        self.present.clear();
        Ok(())
    }
}
