//! Typed values of graph attributes and table columns (spec 16.4, 17.2)
//! and their text form, shared by writers and readers so that a value
//! reads back as the same text wherever it is printed.

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// `int64`.
    Int(i64),
    /// `float64`.
    Float(f64),
    /// `bool`.
    Bool(bool),
    /// `string`.
    Str(String),
    /// `timestamp`: microseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
    /// `list<...>`.
    List(Vec<TypedValue>),
}

impl TypedValue {
    /// The text of spec 16.4: integers in decimal, floats by
    /// [`format_float`], `true`/`false`, strings as they are, lists as
    /// JSON arrays (no spaces; items as JSON: numbers by the same rules,
    /// strings JSON-escaped).
    pub fn to_text(&self) -> String {
        match self {
            TypedValue::Str(v) => v.clone(),
            TypedValue::List(items) => {
                let mut out = String::from("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    match item {
                        TypedValue::Str(s) => {
                            out.push_str(&serde_json::Value::from(s.as_str()).to_string())
                        }
                        TypedValue::Timestamp(t) => {
                            out.push_str(&serde_json::Value::from(format_timestamp(*t)).to_string())
                        }
                        other => out.push_str(&other.to_text()),
                    }
                }
                out.push(']');
                out
            }
            TypedValue::Int(v) => v.to_string(),
            TypedValue::Float(v) => format_float(*v),
            TypedValue::Bool(v) => v.to_string(),
            TypedValue::Timestamp(v) => format_timestamp(*v),
        }
    }

    /// The value as JSON (non-finite floats as their text).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            TypedValue::Int(v) => (*v).into(),
            TypedValue::Float(v) => serde_json::Number::from_f64(*v)
                .map_or_else(|| format_float(*v).into(), serde_json::Value::Number),
            TypedValue::Bool(v) => (*v).into(),
            TypedValue::Str(v) => v.as_str().into(),
            TypedValue::Timestamp(v) => format_timestamp(*v).into(),
            TypedValue::List(items) => items.iter().map(TypedValue::to_json).collect(),
        }
    }

    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            TypedValue::Int(v) => Some(*v as f64),
            TypedValue::Float(v) => Some(*v),
            _ => None,
        }
    }
}

/// A float as text (spec 16.4): the shortest decimal digits that read
/// back as the same number, positional (no exponent), with `.0` when there
/// is no fractional part; `NaN`, `inf`, `-inf`.
pub fn format_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let mut text = format!("{v}");
    if !text.contains('.') {
        text.push_str(".0");
    }
    text
}

/// A timestamp as text (spec 16.4): RFC 3339 in UTC,
/// `YYYY-MM-DDTHH:MM:SSZ`, with six fraction digits before the `Z` when
/// the microseconds are not zero; a year outside 0000-9999 with a sign
/// and at least four digits (ISO 8601's expanded form), and a value
/// outside years -262144..=262143 as its microseconds in decimal.
pub fn format_timestamp(micros: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(t) if micros.rem_euclid(1_000_000) == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => micros.to_string(),
    }
}

/// A timestamp read from text (spec 16.4): `YYYY-MM-DD`, or that with
/// `T` (or a space) and `HH:MM:SS`, optional fraction digits (kept to the
/// microsecond) and an optional `Z` or `+HH:MM`/`-HH:MM` offset (none is
/// UTC). Microseconds since 1970-01-01T00:00:00Z.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text;
    if !timestamp_shape(t.as_bytes()) {
        return None;
    }
    if t.len() == 10 {
        let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros());
    }
    let normal = t.replacen(' ', "T", 1);
    if let Ok(d) = DateTime::parse_from_rfc3339(&normal) {
        return Some(d.timestamp_micros());
    }
    let bare = normal.strip_suffix('Z').unwrap_or(&normal);
    NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|d| d.and_utc().timestamp_micros())
}

/// Whether text has the exact shape 16.4 gives (chrono alone would also
/// take lower-case `t`/`z`, one-digit fields and second 60): `DDDD-DD-DD`,
/// optionally `T` or one space, `DD:DD:DD` with seconds below 60, an
/// optional `.` and digits, and an optional `Z`, `+DD:DD` or `-DD:DD`.
fn timestamp_shape(t: &[u8]) -> bool {
    let digits =
        |r: std::ops::Range<usize>| t.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && t.get(4) == Some(&b'-')
        && digits(5..7)
        && t.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return false;
    }
    if t.len() == 10 {
        return true;
    }
    let time = matches!(t[10], b'T' | b' ')
        && digits(11..13)
        && t.get(13) == Some(&b':')
        && digits(14..16)
        && t.get(16) == Some(&b':')
        && digits(17..19)
        && t[17] <= b'5';
    if !time {
        return false;
    }
    let mut i = 19;
    if t.get(i) == Some(&b'.') {
        let n = t[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    match &t[i..] {
        [] | [b'Z'] => true,
        [b'+' | b'-', ..] => {
            t.len() == i + 6 && digits(i + 1..i + 3) && t[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

/// Whether text is a timestamp with a time of day (what type inference
/// of text cells takes for `timestamp`; a bare date stays text there).
pub fn is_datetime_text(text: &str) -> bool {
    text.len() > 10 && parse_timestamp(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(1e16), "10000000000000000.0");
        assert_eq!(format_float(2.5e-5), "0.000025");
        assert_eq!(format_float(-0.0), "-0.0");
        assert_eq!(format_float(f64::NEG_INFINITY), "-inf");
        let list = TypedValue::List(vec![
            TypedValue::Int(1),
            TypedValue::Float(1e-7),
            TypedValue::Str("a\"b".into()),
            TypedValue::Bool(false),
        ]);
        assert_eq!(list.to_text(), r#"[1,0.0000001,"a\"b",false]"#);
    }

    #[test]
    fn timestamps() {
        // 2024-03-01T12:30:00Z: 19783 days and 45000 s after the epoch.
        let t = (19_783 * 86_400 + 45_000) * 1_000_000;
        assert_eq!(parse_timestamp("2024-03-01T12:30:00Z"), Some(t));
        assert_eq!(parse_timestamp("2024-03-01 12:30:00"), Some(t));
        assert_eq!(parse_timestamp("2024-03-01T14:30:00+02:00"), Some(t));
        assert_eq!(
            parse_timestamp("2024-03-01T12:30:00.25Z"),
            Some(t + 250_000)
        );
        assert_eq!(parse_timestamp("2024-03-01"), Some(t - 45_000_000_000));
        assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Some(-1_000_000));
        assert_eq!(parse_timestamp("2024-02-30"), None);
        assert_eq!(parse_timestamp("12345678901"), None);
        for loose in [
            "2024-06-01t12:00:00z",
            "2024-6-1 12:00:00",
            "2024-06-01T1:2:3Z",
            "024-06-01T12:00:00Z",
            "2024-06-01  12:00:00",
            " 2024-06-01T12:00:00Z",
            "2016-12-31T23:59:60Z",
            "2024-06-01T12:00:00.Z",
            "2024-06-01T12:00:00+2:00",
        ] {
            assert_eq!(parse_timestamp(loose), None, "{loose}");
        }
        assert_eq!(format_timestamp(t), "2024-03-01T12:30:00Z");
        assert_eq!(format_timestamp(t + 250_000), "2024-03-01T12:30:00.250000Z");
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
        assert!(is_datetime_text("2024-03-01T12:30:00Z") && !is_datetime_text("2024-03-01"));
        assert_eq!(TypedValue::Timestamp(t).to_text(), "2024-03-01T12:30:00Z");
        // Years outside 0000-9999: a sign and at least four digits; past
        // the calendar's range, the microseconds in decimal (spec 16.4).
        let year_10000 = 253_402_300_800_000_000;
        assert_eq!(format_timestamp(year_10000), "+10000-01-01T00:00:00Z");
        assert_eq!(
            format_timestamp(year_10000 - 1),
            "9999-12-31T23:59:59.999999Z"
        );
        let year_minus_1 = -62_198_755_200_000_000;
        assert_eq!(format_timestamp(year_minus_1), "-0001-01-01T00:00:00Z");
        assert_eq!(format_timestamp(i64::MAX), i64::MAX.to_string());
        assert_eq!(format_timestamp(i64::MIN), i64::MIN.to_string());
    }
}
