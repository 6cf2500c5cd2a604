//! The canonical layout of GenBank flat-file text (spec 17.4): a feature
//! table entry and an `ORIGIN` sequence block as NCBI writes them. An
//! importer stores a feature's text only where it differs from
//! [`feature_text`] of its typed values, and a sequence block only where
//! it differs from [`origin_lines`]; readers rebuild the rest.

/// Column where feature locations and qualifiers start (0-based).
pub const QUALIFIER_COLUMN: usize = 21;

/// Widest line of the feature table.
pub const LINE_WIDTH: usize = 79;

/// Residues per `ORIGIN` line, in blocks of [`ORIGIN_BLOCK`].
pub const ORIGIN_LINE: usize = 60;

/// Residues per block of an `ORIGIN` line.
pub const ORIGIN_BLOCK: usize = 10;

/// Qualifiers whose values are written without quotes however they read
/// (besides numbers and values starting with `(` or `[`): the INSDC
/// feature table gives them enumerated or symbolic values.
const BARE_KEYS: &[&str] = &["rpt_type", "direction", "mod_base", "compare"];

/// Whether a qualifier value is written without quotes (spec 17.4): an
/// unsigned integer, a value starting with `(` or `[`, or a value of a
/// qualifier in the bare list.
pub fn bare_value(key: &str, value: &str) -> bool {
    !value.is_empty()
        && (value.bytes().all(|b| b.is_ascii_digit())
            || value.starts_with('(')
            || value.starts_with('[')
            || BARE_KEYS.contains(&key))
}

/// The text of one qualifier before wrapping: `/key` for an empty value,
/// `/key=value` for a bare value, else `/key="value"` with `"` doubled.
pub fn qualifier_text(key: &str, value: &str) -> String {
    if value.is_empty() {
        format!("/{key}")
    } else if bare_value(key, value) {
        format!("/{key}={value}")
    } else {
        format!("/{key}=\"{}\"", value.replace('"', "\"\""))
    }
}

/// Cut `text` into pieces of at most `width` characters: at the last
/// `sep` that fits (kept at the end of its piece when `keep_sep`, dropped
/// when not), or at `width` characters when none does.
fn wrap(text: &str, width: usize, sep: char, keep_sep: bool) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let window = &chars[start..start + width + usize::from(!keep_sep)];
        let cut = window.iter().rposition(|&c| c == sep).filter(|&p| p > 0);
        match cut {
            Some(p) if keep_sep => {
                out.push(chars[start..start + p + 1].iter().collect());
                start += p + 1;
            }
            Some(p) => {
                out.push(chars[start..start + p].iter().collect());
                start += p + 1;
            }
            None => {
                out.push(chars[start..start + width].iter().collect());
                start += width;
            }
        }
    }
    out.push(chars[start..].iter().collect());
    out
}

/// A feature table entry as NCBI lays it out (spec 17.4), lines joined by
/// `\n`: the key at column 5 padded to column 21, the location cut after
/// commas to fit 79 columns, then each qualifier from column 21 cut at
/// spaces (or at 58 characters where a piece has no space).
pub fn feature_text(key: &str, location: &str, qualifiers: &[(String, String)]) -> String {
    let width = LINE_WIDTH - QUALIFIER_COLUMN;
    let indent = " ".repeat(QUALIFIER_COLUMN);
    let mut out = String::new();
    for (i, piece) in wrap(location, width, ',', true).iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("     {key:<15} {piece}"));
        } else {
            out.push('\n');
            out.push_str(&indent);
            out.push_str(piece);
        }
    }
    for (k, v) in qualifiers {
        for piece in wrap(&qualifier_text(k, v), width, ' ', false) {
            out.push('\n');
            out.push_str(&indent);
            out.push_str(&piece);
        }
    }
    out
}

/// Whether a line opens a record's sequence section: `ORIGIN` as the
/// first word of a line that does not start with a space. The lines after
/// it, up to the `//` line, are the sequence block.
pub fn is_origin_line(line: &str) -> bool {
    !line.starts_with(' ') && line.split_whitespace().next() == Some("ORIGIN")
}

/// The lines of an `ORIGIN` block for `residues` (spec 17.4): the 1-based
/// position of each line's first residue right-aligned in 9 columns, then
/// blocks of 10 lower-case residues each after one space, 60 per line.
pub fn origin_lines(residues: &[u8]) -> Vec<String> {
    residues
        .chunks(ORIGIN_LINE)
        .enumerate()
        .map(|(i, line)| {
            let mut text = format!("{:>9}", i * ORIGIN_LINE + 1);
            for block in line.chunks(ORIGIN_BLOCK) {
                text.push(' ');
                text.extend(block.iter().map(|b| b.to_ascii_lowercase() as char));
            }
            text
        })
        .collect()
}

/// A parsed location: its 1-based extent over the positions of this
/// record (remote parts such as `J00194.1:1..20` left out) and its strand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// Smallest position, 1-based.
    pub start: i64,
    /// Largest position, 1-based inclusive.
    pub end: i64,
    /// `Some('-')` when every part is inside `complement(...)`,
    /// `Some('+')` when none is, `None` when mixed.
    pub strand: Option<char>,
}

/// The extent of a GenBank location (spec 17.4): every number of a local
/// part (`<`, `>` dropped; `a..b`, `a.b`, `a^b` or `a`), with the strand
/// from the enclosing `complement(...)` operators; `None` when the
/// location names no local position.
pub fn location_extent(location: &str) -> Option<Extent> {
    let bytes = location.as_bytes();
    // Per open parenthesis: (inside `complement(`, skipped: inside `gap(`
    // or a remote `ACC:op(`).
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let (mut start, mut end) = (i64::MAX, i64::MIN);
    let (mut plus, mut minus) = (false, false);
    let mut part = String::new();
    let mut flush = |part: &mut String, complemented: bool, skipped: bool| {
        let text = std::mem::take(part);
        if skipped || text.is_empty() || text.contains(':') {
            return;
        }
        let numbers: Vec<i64> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .filter_map(|t| t.parse().ok())
            .collect();
        if numbers.is_empty() {
            return;
        }
        for &n in &numbers {
            start = start.min(n);
            end = end.max(n);
        }
        if complemented {
            minus = true;
        } else {
            plus = true;
        }
    };
    let complemented = |stack: &Vec<(bool, bool)>| stack.iter().filter(|c| c.0).count() % 2 == 1;
    let skipped = |stack: &Vec<(bool, bool)>| stack.iter().any(|c| c.1);
    for &b in bytes {
        match b {
            b'(' => {
                // The text before `(` names the operator.
                let name = part.trim();
                stack.push((name == "complement", name == "gap" || name.contains(':')));
                part.clear();
            }
            b')' => {
                flush(&mut part, complemented(&stack), skipped(&stack));
                stack.pop();
            }
            b',' => flush(&mut part, complemented(&stack), skipped(&stack)),
            _ => part.push(b as char),
        }
    }
    flush(&mut part, complemented(&stack), skipped(&stack));
    if start > end {
        return None;
    }
    let strand = match (plus, minus) {
        (true, false) => Some('+'),
        (false, true) => Some('-'),
        _ => None,
    };
    Some(Extent { start, end, strand })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extents() {
        let e = |s| location_extent(s).unwrap();
        assert_eq!(
            e("complement(<1..>206)"),
            Extent {
                start: 1,
                end: 206,
                strand: Some('-')
            }
        );
        assert_eq!(
            e("join(complement(10..20),30..40)"),
            Extent {
                start: 10,
                end: 40,
                strand: None
            }
        );
        assert_eq!(
            e("complement(join(5..9,J00194.1:100..202,30..40))"),
            Extent {
                start: 5,
                end: 40,
                strand: Some('-')
            }
        );
        assert_eq!(e("467").start, 467);
        assert_eq!(e("12^13").end, 13);
        assert_eq!(location_extent("J00194.1:100..202"), None);
        assert_eq!(location_extent("gap()"), None);
        assert_eq!(location_extent("gap(100)"), None);
        assert_eq!(e("join(1..10,gap(50),61..70)").end, 70);
        assert_eq!(e("join(1..10,gap(500),61..70)").end, 70);
        assert_eq!(location_extent("J00194.1:complement(1..5)"), None);
        assert_eq!(
            e("join(J00194.1:complement(1..5),complement(7..9))").strand,
            Some('-')
        );
    }

    #[test]
    fn layout() {
        let q = vec![
            ("locus_tag".to_string(), "YP_pPCP01".to_string()),
            ("codon_start".to_string(), "1".to_string()),
            ("pseudo".to_string(), String::new()),
            ("note".to_string(), "a \"b\"".to_string()),
        ];
        assert_eq!(
            feature_text("CDS", "87..1109", &q),
            "     CDS             87..1109\n                     /locus_tag=\"YP_pPCP01\"\n                     /codon_start=1\n                     /pseudo\n                     /note=\"a \"\"b\"\"\""
        );
        let long = "M".repeat(70);
        let text = feature_text("CDS", "1..3", &[("translation".into(), long)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1].len(), 79);
        assert_eq!(
            lines[2],
            format!("{}{}\"", " ".repeat(21), "M".repeat(70 - 44))
        );
        assert_eq!(origin_lines(b"ACGTACGTACGTA"), ["        1 acgtacgtac gta"]);
    }
}
