//! Edge tables (CSV or TSV with a header line, plain or gzip): one edge
//! per row from the source column to the target column; nodes are the
//! distinct names in order of first appearance; every other column is an
//! edge attribute typed by its values (all integers: `int64`; all numbers:
//! `float64`; all `true`/`false`: `bool`; else `string`; an empty cell is
//! null). A numeric column named `weight` weighs shortest paths.

use crate::input::Input;
use crate::table::{read_text_table, typed_cells};

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

/// Read an edge table; returns the graph and the decompressed bytes read.
pub(crate) fn read(
    input: &mut Input,
    delimiter: u8,
    options: &GraphOptions,
    report: &dyn Fn(u64),
) -> gcol_writer::Result<(GraphBuilder, u64)> {
    let path = input.path().to_path_buf();
    let table = read_text_table(input, delimiter, options.cancel.as_ref(), report)?;
    let header = &table.header;
    let source = column(header, options.source_column.as_deref(), &SOURCE_NAMES, 0)
        .map_err(|d| input_error(&path, 0, 1, "source column", d))?;
    let target = column(header, options.target_column.as_deref(), &TARGET_NAMES, 1)
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
    for (row, &line) in table.lines.iter().enumerate() {
        let name = |i: usize| {
            let v = &table.cells[i][row];
            if v.is_empty() {
                Err(input_error(
                    &path,
                    row as u64 + 1,
                    line,
                    if i == source { "source" } else { "target" },
                    format!("empty {} node", header[i]),
                ))
            } else {
                Ok(v.as_str())
            }
        };
        let s = g.node(name(source)?);
        let t = g.node(name(target)?);
        g.add_edge(s, t);
    }
    for (i, cells) in table.cells.iter().enumerate() {
        if i == source || i == target {
            continue;
        }
        let values = typed_cells(cells);
        let numeric = values
            .iter()
            .flatten()
            .next()
            .is_some_and(|v| matches!(v, Value::Int(_) | Value::Float(_)));
        for (e, v) in values.into_iter().enumerate() {
            if let Some(v) = v {
                g.edge_attr(e, &header[i], v).expect("one value per cell");
            }
        }
        if header[i].eq_ignore_ascii_case("weight") && numeric {
            g.set_weight(&header[i]);
        }
    }
    Ok((g, table.bytes))
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
        let v = |s: &[&str]| typed_cells(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(
            v(&["1", "", "-3"]),
            [Some(Value::Int(1)), None, Some(Value::Int(-3))]
        );
        assert_eq!(
            v(&["1", "2.5"]),
            [Some(Value::Float(1.0)), Some(Value::Float(2.5))]
        );
        assert_eq!(
            v(&["TRUE", "false"]),
            [Some(Value::Bool(true)), Some(Value::Bool(false))]
        );
        assert_eq!(
            v(&["1", "x"]),
            [Some(Value::Str("1".into())), Some(Value::Str("x".into()))]
        );
        assert_eq!(v(&["", ""]), [None, None]);
    }
}
