//! Edge tables (CSV or TSV with a header line, plain or gzip): one edge
//! per row from the source column to the target column; nodes are the
//! distinct names in order of first appearance; every other column is an
//! edge attribute typed by its values (all integers: `int64`; all numbers:
//! `float64`; all `true`/`false`: `bool`; else `string`; an empty cell is
//! null). A numeric column named `weight` weighs shortest paths.

use crate::input::Input;

use super::{input_error, GraphBuilder, GraphOptions, Value};

/// Header names taken as the source column, then as the target column
/// (compared without case).
const SOURCE_NAMES: [&str; 7] = [
    "source",
    "from",
    "src",
    "node1",
    "source_node",
    "a",
    "protein1",
];
const TARGET_NAMES: [&str; 7] = [
    "target",
    "to",
    "dst",
    "node2",
    "target_node",
    "b",
    "protein2",
];

/// Whether a table's header (its first line) names a source and a target
/// column (not counting the one-letter `a`, `b`): then a CSV/TSV input is
/// an edge table (a graph), else a table.
pub(crate) fn is_edge_table(first_line: &[u8], delimiter: u8) -> bool {
    let line = String::from_utf8_lossy(first_line);
    let names: Vec<String> = line
        .trim_end_matches(['\r', '\n'])
        .split(delimiter as char)
        .map(|h| h.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |list: &[&str]| {
        list.iter()
            .any(|n| n.len() > 1 && names.iter().any(|h| h == n))
    };
    has(&SOURCE_NAMES) && has(&TARGET_NAMES)
}

fn column(
    header: &[String],
    asked: Option<&str>,
    names: &[&str],
    fallback: usize,
) -> Result<usize, String> {
    if let Some(asked) = asked {
        return header
            .iter()
            .position(|h| h == asked)
            .ok_or_else(|| format!("no column {asked:?}; the header has {}", header.join(", ")));
    }
    for name in names {
        if let Some(i) = header.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            return Ok(i);
        }
    }
    if fallback < header.len() {
        Ok(fallback)
    } else {
        Err(format!(
            "an edge table needs a source and a target column; the header has {}",
            header.len()
        ))
    }
}

/// The typed value of one cell (None for an empty cell).
fn cell(text: &str, kind: Kind) -> Option<Value> {
    if text.is_empty() {
        return None;
    }
    Some(match kind {
        Kind::Int => Value::Int(text.parse().expect("typed")),
        Kind::Float => Value::Float(text.parse().expect("typed")),
        Kind::Bool => Value::Bool(text.eq_ignore_ascii_case("true")),
        Kind::Str => Value::Str(text.to_string()),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Bool,
    Str,
}

fn kind_of(values: &[String]) -> Kind {
    let present = || values.iter().filter(|v| !v.is_empty());
    if present().next().is_none() {
        return Kind::Str;
    }
    if present().all(|v| v.parse::<i64>().is_ok()) {
        Kind::Int
    } else if present().all(|v| v.parse::<f64>().is_ok()) {
        Kind::Float
    } else if present().all(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) {
        Kind::Bool
    } else {
        Kind::Str
    }
}

/// Read an edge table; returns the graph and the decompressed bytes read.
pub(crate) fn read(
    input: &mut Input,
    delimiter: u8,
    options: &GraphOptions,
    report: &dyn Fn(u64),
) -> gcol_writer::Result<(GraphBuilder, u64)> {
    let path = input.path().to_path_buf();
    let consumed = std::sync::Arc::clone(&input.consumed);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(&mut input.reader);
    let csv_error = |e: csv::Error| {
        let (record, line) = e.position().map_or((0, 0), |p| (p.record(), p.line()));
        let detail = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        input_error(&path, record, line, "row", detail)
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if h.is_empty() {
                format!("column{}", i + 1)
            } else {
                h.to_string()
            }
        })
        .collect();
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(input_error(
                &path,
                0,
                1,
                "header",
                format!("column {h:?} is named twice"),
            ));
        }
    }
    let source = column(&header, options.source_column.as_deref(), &SOURCE_NAMES, 0)
        .map_err(|d| input_error(&path, 0, 1, "source column", d))?;
    let target = column(&header, options.target_column.as_deref(), &TARGET_NAMES, 1)
        .map_err(|d| input_error(&path, 0, 1, "target column", d))?;
    if source == target {
        return Err(input_error(
            &path,
            0,
            1,
            "target column",
            format!("source and target are both column {:?}", header[source]),
        ));
    }
    let mut g = GraphBuilder::new(options.directed.unwrap_or(true));
    let others: Vec<usize> = (0..header.len())
        .filter(|&i| i != source && i != target)
        .collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); others.len()];
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while reader.read_record(&mut record).map_err(csv_error)? {
        rows += 1;
        if rows.is_multiple_of(65_536) {
            crate::check_cancel(options.cancel.as_ref())?;
            report(consumed.load(std::sync::atomic::Ordering::Relaxed));
        }
        let line = record.position().map_or(0, |p| p.line());
        let name = |i: usize| {
            let v = &record[i];
            if v.is_empty() {
                Err(input_error(
                    &path,
                    rows,
                    line,
                    if i == source { "source" } else { "target" },
                    format!("empty {} node", header[i]),
                ))
            } else {
                Ok(v)
            }
        };
        let s = g.node(name(source)?);
        let t = g.node(name(target)?);
        g.add_edge(s, t);
        for (k, &i) in others.iter().enumerate() {
            cells[k].push(record[i].to_string());
        }
    }
    for (k, &i) in others.iter().enumerate() {
        let kind = kind_of(&cells[k]);
        for (e, text) in cells[k].iter().enumerate() {
            if let Some(v) = cell(text, kind) {
                g.edge_attr(e, &header[i], v).expect("one value per cell");
            }
        }
        if header[i].eq_ignore_ascii_case("weight") && matches!(kind, Kind::Int | Kind::Float) {
            g.set_weight(&header[i]);
        }
        cells[k] = Vec::new();
    }
    let bytes = reader.position().byte();
    Ok((g, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_types() {
        let h: Vec<String> = ["", "From", "to", "w"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(column(&h, None, &SOURCE_NAMES, 0), Ok(1));
        assert_eq!(column(&h, None, &TARGET_NAMES, 1), Ok(2));
        assert_eq!(column(&h, Some("w"), &TARGET_NAMES, 1), Ok(3));
        assert!(column(&h, Some("nope"), &TARGET_NAMES, 1).is_err());
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(kind_of(&v(&["1", "", "-3"])), Kind::Int);
        assert_eq!(kind_of(&v(&["1", "2.5"])), Kind::Float);
        assert_eq!(kind_of(&v(&["TRUE", "false"])), Kind::Bool);
        assert_eq!(kind_of(&v(&["1", "x"])), Kind::Str);
        assert_eq!(kind_of(&v(&["", ""])), Kind::Str);
    }
}
