//! antiSMASH results JSON (spec 17.9): the canonical text of one feature
//! object as antiSMASH writes it (Python's `json.dumps` of a Biopython
//! feature), the extent of a Biopython location string, and the piece of
//! document text after which a record's sequence string goes. An importer
//! stores a feature's text only where it differs from [`feature_json`];
//! readers rebuild the rest.

use std::fmt::Write as _;

use super::genbank::Extent;

/// The `id` a Biopython feature has when none was given: the canonical
/// text writes it, so a feature with another `id` keeps its text.
pub const UNKNOWN_ID: &str = "<unknown id>";

/// The `source` column value of an antiSMASH feature table.
pub const SOURCE: &str = "antiSMASH";

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`):
/// `"` and `\` escaped, `\n` `\r` `\t` `\b` `\f` by name, other control
/// characters and every character above U+007E as `\uXXXX` (lower-case
/// hex; UTF-16 surrogate pairs above U+FFFF).
pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The canonical text of a feature object (spec 17.9):
/// `{"id": "<unknown id>", "qualifiers": {K: [V, ...], ...}, "location":
/// L, "type": T}`, with the qualifiers in order, the values of
/// consecutive pairs of one key in one list, `", "` and `": "` between
/// items, strings by [`json_string`].
pub fn feature_json(kind: &str, location: &str, qualifiers: &[(String, String)]) -> String {
    let mut out = String::with_capacity(64 + location.len() + 32 * qualifiers.len());
    out.push_str("{\"id\": ");
    json_string(UNKNOWN_ID, &mut out);
    out.push_str(", \"qualifiers\": {");
    let mut i = 0;
    while i < qualifiers.len() {
        if i > 0 {
            out.push_str(", ");
        }
        let key = &qualifiers[i].0;
        json_string(key, &mut out);
        out.push_str(": [");
        let mut j = i;
        while j < qualifiers.len() && qualifiers[j].0 == *key {
            if j > i {
                out.push_str(", ");
            }
            json_string(&qualifiers[j].1, &mut out);
            j += 1;
        }
        out.push(']');
        i = j;
    }
    out.push_str("}, \"location\": ");
    json_string(location, &mut out);
    out.push_str(", \"type\": ");
    json_string(kind, &mut out);
    out.push('}');
    out
}

/// Whether a piece of document text is followed by a record's sequence
/// (spec 17.9): it ends with the member name `"data"`, a `:`, any JSON
/// white space, and the opening `"` of the string.
pub fn opens_sequence(piece: &str) -> bool {
    let Some(rest) = piece.strip_suffix('"') else {
        return false;
    };
    let rest = rest.trim_end_matches([' ', '\t', '\n', '\r']);
    rest.strip_suffix(':').is_some_and(|r| {
        r.trim_end_matches([' ', '\t', '\n', '\r'])
            .ends_with("\"data\"")
    })
}

/// The extent of a Biopython location string (spec 17.9): parts
/// `[S:E]`, each optionally followed by `(+)`, `(-)` or `(?)` and
/// optionally preceded by `REF:` (another sequence: left out), inside
/// `join{...}` or `order{...}`; the start is the smallest number of any
/// `S` plus one, the end the largest number of any `E`; the strand `+` or
/// `-` when every counted part has it, else none. A part counts when
/// both `S` and `E` hold a number (maximal runs of ASCII digits).
pub fn location_extent(location: &str) -> Option<Extent> {
    let (mut start, mut end) = (i64::MAX, i64::MIN);
    let (mut plus, mut other) = (false, false);
    let mut minus = false;
    let numbers = |text: &str| -> Vec<i64> {
        text.split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .filter_map(|t| t.parse().ok())
            .collect()
    };
    let mut rest = location;
    while let Some(open) = rest.find('[') {
        let before = &rest[..open];
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        let inside = &rest[open + 1..close];
        let after = &rest[close + 1..];
        rest = after;
        // A reference names another sequence: `ACC:[1:5](+)` (the text
        // since the last separator ends in `:`).
        let prefix = before.rsplit([',', '{', ' ']).next().unwrap_or("");
        if prefix.trim_end().ends_with(':') {
            continue;
        }
        let Some((s, e)) = inside.split_once(':') else {
            continue;
        };
        let (s, e) = (numbers(s), numbers(e));
        if s.is_empty() || e.is_empty() {
            continue;
        }
        for &n in &s {
            start = start.min(n.saturating_add(1));
        }
        for &n in &e {
            end = end.max(n);
        }
        if after.starts_with("(+)") {
            plus = true;
        } else if after.starts_with("(-)") {
            minus = true;
        } else {
            other = true;
        }
    }
    if start > end {
        return None;
    }
    let strand = match (plus, minus, other) {
        (true, false, false) => Some('+'),
        (false, true, false) => Some('-'),
        _ => None,
    };
    Some(Extent { start, end, strand })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        let mut s = String::new();
        json_string("a\"b\\c\n\u{1}é😀\u{7f}", &mut s);
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00\\u007f\"");
    }

    #[test]
    fn features() {
        let q = vec![
            ("locus_tag".to_string(), "A1".to_string()),
            ("note".to_string(), "x".to_string()),
            ("note".to_string(), "y".to_string()),
        ];
        assert_eq!(
            feature_json("CDS", "[0:9](+)", &q),
            "{\"id\": \"<unknown id>\", \"qualifiers\": {\"locus_tag\": [\"A1\"], \"note\": [\"x\", \"y\"]}, \"location\": \"[0:9](+)\", \"type\": \"CDS\"}"
        );
        assert_eq!(
            feature_json("source", "[0:9]", &[]),
            "{\"id\": \"<unknown id>\", \"qualifiers\": {}, \"location\": \"[0:9]\", \"type\": \"source\"}"
        );
    }

    #[test]
    fn openers() {
        assert!(opens_sequence(
            "{\"seq\": {\"alphabet\": \"DNA\", \"data\": \""
        ));
        assert!(opens_sequence("\"data\":\n  \""));
        assert!(!opens_sequence("\"data\": \"x"));
        assert!(!opens_sequence("\"metadata\": \""));
        assert!(!opens_sequence("\"features\": ["));
    }

    #[test]
    fn extents() {
        let e = |s| location_extent(s).unwrap();
        assert_eq!(
            e("[0:4506](+)"),
            Extent {
                start: 1,
                end: 4506,
                strand: Some('+')
            }
        );
        assert_eq!(
            e("join{[181859:226822], [0:105758]}"),
            Extent {
                start: 1,
                end: 226822,
                strand: None
            }
        );
        assert_eq!(e("[<10:>20](-)").strand, Some('-'));
        assert_eq!(e("[<10:>20](-)").start, 11);
        assert_eq!(e("join{[1:5](-), [9:12](+)}").strand, None);
        assert_eq!(e("join{[1:5](-), X1.1:[90:99](-), [9:12](-)}").end, 12);
        assert_eq!(location_extent("X1.1:[90:99](-)"), None);
        assert_eq!(location_extent("[?:?]"), None);
    }
}
