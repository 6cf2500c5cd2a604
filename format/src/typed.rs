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
                        other => out.push_str(&other.to_text()),
                    }
                }
                out.push(']');
                out
            }
            TypedValue::Int(v) => v.to_string(),
            TypedValue::Float(v) => format_float(*v),
            TypedValue::Bool(v) => v.to_string(),
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
}
