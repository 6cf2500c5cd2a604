//! Cytoscape exchange networks (NDEx CX 1 and CX 2) as a directed
//! multigraph: CX node and edge ids become node ids (decimal) and the
//! edge attribute `@id`; names (`n`), `represents` (`r`) and interactions
//! (`i`) become attributes `name`, `represents` and `interaction`; node
//! and edge attributes keep their declared types (`d`: integer, long,
//! double, boolean, string, `list_of_*`); `cartesianLayout` positions
//! become node attributes `x` and `y`; network attributes go to the
//! dataset's `network` metadata. Visual aspects are not kept.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use super::{input_error, GraphBuilder, Value};

type Result<T> = gcol_writer::Result<T>;

/// The elements of each aspect, in file order (an aspect may come in
/// several fragments).
fn aspects<'a>(path: &Path, doc: &'a Json) -> Result<HashMap<&'a str, Vec<&'a Json>>> {
    let Json::Array(fragments) = doc else {
        return Err(input_error(
            path,
            0,
            0,
            "CX",
            "a CX network is a JSON array of aspects",
        ));
    };
    let mut out: HashMap<&str, Vec<&Json>> = HashMap::new();
    for (i, fragment) in fragments.iter().enumerate() {
        let Json::Object(map) = fragment else {
            return Err(input_error(
                path,
                i as u64 + 1,
                0,
                "aspect",
                "each element of a CX network is an object naming one aspect",
            ));
        };
        for (name, value) in map {
            let entry = out.entry(name.as_str()).or_default();
            match value {
                Json::Array(items) => entry.extend(items.iter()),
                other => entry.push(other),
            }
        }
    }
    Ok(out)
}

/// A CX value of declared type `d` (CX 1 writes most values as strings).
fn typed(value: &Json, d: &str) -> std::result::Result<Value, String> {
    if let Some(item) = d.strip_prefix("list_of_") {
        let Json::Array(items) = value else {
            return Err(format!("a {d} value that is not a list: {value}"));
        };
        return items
            .iter()
            .map(|v| typed(v, item))
            .collect::<std::result::Result<_, _>>()
            .map(Value::List);
    }
    let text = |v: &Json| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (d, value) {
        (_, Json::Null) => Err("a null value".into()),
        ("string", v) => Ok(Value::Str(text(v))),
        ("boolean", Json::Bool(b)) => Ok(Value::Bool(*b)),
        ("boolean", Json::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{s:?} is not a boolean")),
        },
        ("integer" | "long", Json::Number(n)) if n.as_i64().is_some() => {
            Ok(Value::Int(n.as_i64().expect("checked")))
        }
        ("integer" | "long", Json::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("{s:?} is not an integer")),
        ("double", Json::Number(n)) => Ok(Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        ("double", Json::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("{s:?} is not a number")),
        (d, v) => Err(format!("{v} is not a {d}")),
    }
}

/// A value without a declared type, typed by its JSON form.
fn untyped(value: &Json) -> Option<Value> {
    match value {
        Json::Null => None,
        Json::Bool(b) => Some(Value::Bool(*b)),
        Json::Number(n) => Some(match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Json::String(s) => Some(Value::Str(s.clone())),
        Json::Array(items) => Some(Value::List(items.iter().filter_map(untyped).collect())),
        Json::Object(_) => Some(Value::Str(value.to_string())),
    }
}

fn id_of(v: Option<&Json>) -> Option<i64> {
    v.and_then(Json::as_i64)
}

pub(crate) fn read(path: &Path, text: &[u8]) -> Result<(GraphBuilder, &'static str)> {
    let doc: Json = serde_json::from_slice(text).map_err(|e| {
        input_error(
            path,
            0,
            e.line() as u64,
            "JSON",
            format!("malformed JSON: {e}"),
        )
    })?;
    let aspects = aspects(path, &doc)?;
    let cx2 = aspects.get("CXVersion").is_some_and(|v| {
        v.iter()
            .any(|v| v.as_str().is_some_and(|s| s.starts_with('2')))
    });
    let mut g = GraphBuilder::new(true);
    if cx2 {
        read_cx2(path, &aspects, &mut g)?;
        Ok((g, "cx2"))
    } else {
        read_cx1(path, &aspects, &mut g)?;
        Ok((g, "cx"))
    }
}

fn element_error(
    path: &Path,
    aspect: &'static str,
    record: usize,
    detail: String,
) -> gcol_writer::Error {
    input_error(path, record as u64 + 1, 0, aspect, detail)
}

/// The source (`s`) and target (`t`) nodes of CX edge `id`, element `i`.
fn edge_ends(path: &Path, g: &GraphBuilder, edge: &Json, i: usize, id: i64) -> Result<(u32, u32)> {
    let end = |key: &str| -> Result<u32> {
        let node = id_of(edge.get(key)).ok_or_else(|| {
            element_error(path, "edges", i, format!("edge {id}: no numeric {key:?}"))
        })?;
        g.find(&node.to_string()).ok_or_else(|| {
            element_error(
                path,
                "edges",
                i,
                format!("edge {id} names node {node}, which the network does not define"),
            )
        })
    };
    Ok((end("s")?, end("t")?))
}

fn read_cx1(path: &Path, aspects: &HashMap<&str, Vec<&Json>>, g: &mut GraphBuilder) -> Result<()> {
    let empty = Vec::new();
    let get = |name: &str| aspects.get(name).unwrap_or(&empty);
    for (i, node) in get("nodes").iter().enumerate() {
        let id = id_of(node.get("@id")).ok_or_else(|| {
            element_error(path, "nodes", i, "a node without a numeric @id".into())
        })?;
        let n = g
            .add_node(&id.to_string())
            .map_err(|d| element_error(path, "nodes", i, d))?;
        for (key, name) in [("n", "name"), ("r", "represents")] {
            if let Some(v) = node.get(key).and_then(untyped) {
                g.node_attr(n, name, v).expect("new node");
            }
        }
    }
    let mut edges = HashMap::new();
    for (i, edge) in get("edges").iter().enumerate() {
        let id = id_of(edge.get("@id")).ok_or_else(|| {
            element_error(path, "edges", i, "an edge without a numeric @id".into())
        })?;
        let (s, t) = edge_ends(path, g, edge, i, id)?;
        let e = g.add_edge(s, t);
        if edges.insert(id, e).is_some() {
            return Err(element_error(
                path,
                "edges",
                i,
                format!("edge @id {id} is defined twice"),
            ));
        }
        g.edge_attr(e, "@id", Value::Int(id)).expect("new edge");
        if let Some(v) = edge.get("i").and_then(untyped) {
            g.edge_attr(e, "interaction", v).expect("new edge");
        }
    }
    for (aspect, is_node) in [("nodeAttributes", true), ("edgeAttributes", false)] {
        let label: &'static str = if is_node {
            "nodeAttributes"
        } else {
            "edgeAttributes"
        };
        for (i, attr) in get(aspect).iter().enumerate() {
            let name = attr.get("n").and_then(Json::as_str).ok_or_else(|| {
                element_error(path, label, i, "an attribute without a name (n)".into())
            })?;
            let Some(raw) = attr.get("v") else { continue };
            let d = attr.get("d").and_then(Json::as_str).unwrap_or("string");
            if raw.is_null() {
                continue;
            }
            let value = typed(raw, d)
                .map_err(|e| element_error(path, label, i, format!("attribute {name:?}: {e}")))?;
            let owners: Vec<i64> = match attr.get("po") {
                Some(Json::Array(ids)) => ids.iter().filter_map(Json::as_i64).collect(),
                other => id_of(other).into_iter().collect(),
            };
            for po in owners {
                if is_node {
                    let n = g.find(&po.to_string()).ok_or_else(|| {
                        element_error(path, label, i, format!("attribute {name:?} of node {po}, which the network does not define"))
                    })?;
                    g.replace_attr(true, n as usize, &format!("node {po}"), name, value.clone());
                } else {
                    let e = *edges.get(&po).ok_or_else(|| {
                        element_error(path, label, i, format!("attribute {name:?} of edge {po}, which the network does not define"))
                    })?;
                    g.replace_attr(false, e, &format!("edge {po}"), name, value.clone());
                }
            }
        }
    }
    for (i, layout) in get("cartesianLayout").iter().enumerate() {
        let Some(node) = id_of(layout.get("node")) else {
            continue;
        };
        let n = g.find(&node.to_string()).ok_or_else(|| {
            element_error(
                path,
                "cartesianLayout",
                i,
                format!("a position of node {node}, which the network does not define"),
            )
        })?;
        for key in ["x", "y"] {
            if let Some(v) = layout.get(key).and_then(Json::as_f64) {
                g.node_attr(n, key, Value::Float(v))
                    .map_err(|d| element_error(path, "cartesianLayout", i, d))?;
            }
        }
    }
    for (i, attr) in get("networkAttributes").iter().enumerate() {
        let name = attr.get("n").and_then(Json::as_str).ok_or_else(|| {
            element_error(
                path,
                "networkAttributes",
                i,
                "an attribute without a name (n)".into(),
            )
        })?;
        g.network(name, attr.get("v").cloned().unwrap_or(Json::Null));
    }
    Ok(())
}

/// Declared attributes of one element class in CX 2: alias or name ->
/// (name, type, default).
type Declarations<'a> = HashMap<&'a str, (&'a str, &'a str, Option<&'a Json>)>;

fn declarations<'a>(aspects: &HashMap<&str, Vec<&'a Json>>, class: &str) -> Declarations<'a> {
    let mut out = HashMap::new();
    for decl in aspects.get("attributeDeclarations").into_iter().flatten() {
        let Some(Json::Object(attrs)) = decl.get(class) else {
            continue;
        };
        for (name, spec) in attrs {
            let d = spec.get("d").and_then(Json::as_str).unwrap_or("string");
            let default = spec.get("v");
            let key = spec
                .get("a")
                .and_then(Json::as_str)
                .unwrap_or(name.as_str());
            out.insert(key, (name.as_str(), d, default));
        }
    }
    out
}

fn cx2_values(
    path: &Path,
    aspect: &'static str,
    i: usize,
    element: &Json,
    decl: &Declarations<'_>,
    mut set: impl FnMut(&str, Value) -> std::result::Result<(), String>,
) -> Result<()> {
    let values = element.get("v").and_then(Json::as_object);
    let mut seen = std::collections::HashSet::new();
    for (key, raw) in values.into_iter().flatten() {
        let (name, d) = match decl.get(key.as_str()) {
            Some((name, d, _)) => (*name, *d),
            None => (key.as_str(), ""),
        };
        seen.insert(name);
        let value =
            if d.is_empty() {
                untyped(raw)
            } else if raw.is_null() {
                None
            } else {
                Some(typed(raw, d).map_err(|e| {
                    element_error(path, aspect, i, format!("attribute {name:?}: {e}"))
                })?)
            };
        if let Some(v) = value {
            set(name, v).map_err(|d| element_error(path, aspect, i, d))?;
        }
    }
    for (name, d, default) in decl.values() {
        if let (false, Some(raw)) = (seen.contains(name), default) {
            let v = typed(raw, d)
                .map_err(|e| element_error(path, aspect, i, format!("default of {name:?}: {e}")))?;
            set(name, v).map_err(|d| element_error(path, aspect, i, d))?;
        }
    }
    Ok(())
}

fn read_cx2(path: &Path, aspects: &HashMap<&str, Vec<&Json>>, g: &mut GraphBuilder) -> Result<()> {
    let empty = Vec::new();
    let get = |name: &str| aspects.get(name).unwrap_or(&empty);
    let node_decl = declarations(aspects, "nodes");
    let edge_decl = declarations(aspects, "edges");
    for (i, node) in get("nodes").iter().enumerate() {
        let id = id_of(node.get("id"))
            .ok_or_else(|| element_error(path, "nodes", i, "a node without a numeric id".into()))?;
        let n = g
            .add_node(&id.to_string())
            .map_err(|d| element_error(path, "nodes", i, d))?;
        cx2_values(path, "nodes", i, node, &node_decl, |name, v| {
            g.node_attr(n, name, v)
        })?;
        for key in ["x", "y", "z"] {
            if let Some(v) = node.get(key).and_then(Json::as_f64) {
                g.node_attr(n, key, Value::Float(v))
                    .map_err(|d| element_error(path, "nodes", i, d))?;
            }
        }
    }
    let mut ids = std::collections::HashSet::new();
    for (i, edge) in get("edges").iter().enumerate() {
        let id = id_of(edge.get("id")).ok_or_else(|| {
            element_error(path, "edges", i, "an edge without a numeric id".into())
        })?;
        if !ids.insert(id) {
            return Err(element_error(
                path,
                "edges",
                i,
                format!("edge id {id} is defined twice"),
            ));
        }
        let (s, t) = edge_ends(path, g, edge, i, id)?;
        let e = g.add_edge(s, t);
        g.edge_attr(e, "@id", Value::Int(id)).expect("new edge");
        cx2_values(path, "edges", i, edge, &edge_decl, |name, v| {
            g.edge_attr(e, name, v)
        })?;
    }
    for attrs in get("networkAttributes") {
        if let Json::Object(map) = attrs {
            for (k, v) in map {
                g.network(k, v.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values() {
        assert_eq!(typed(&Json::from("true"), "boolean"), Ok(Value::Bool(true)));
        assert_eq!(typed(&Json::from("12"), "long"), Ok(Value::Int(12)));
        assert_eq!(typed(&Json::from(0.5), "double"), Ok(Value::Float(0.5)));
        assert_eq!(
            typed(&serde_json::json!(["a", "b"]), "list_of_string"),
            Ok(Value::List(vec![
                Value::Str("a".into()),
                Value::Str("b".into())
            ]))
        );
        assert!(typed(&Json::from("x"), "integer").is_err());
        assert!(typed(&Json::from("x"), "list_of_string").is_err());
    }

    #[test]
    fn cx1_and_cx2() {
        let cx1 = br#"[{"nodes":[{"@id":1,"n":"A"},{"@id":2,"n":"B"}]},
            {"edges":[{"@id":7,"s":1,"t":2,"i":"binds"}]},
            {"edgeAttributes":[{"po":7,"n":"score","v":"0.5","d":"double"}]},
            {"networkAttributes":[{"n":"name","v":"net"}]}]"#;
        let (g, v) = read(Path::new("a.cx"), cx1).unwrap();
        assert_eq!((v, g.num_nodes(), g.num_edges()), ("cx", 2, 1));
        assert_eq!(g.edge_attrs.get(0, "score"), Some(&Value::Float(0.5)));
        let bad = br#"[{"nodes":[{"@id":1}]},{"edges":[{"@id":7,"s":1,"t":3}]}]"#;
        let e = read(Path::new("a.cx"), bad).unwrap_err().to_string();
        assert!(e.contains("a.cx") && e.contains("names node 3"), "{e}");
        let cx2 = br#"[{"CXVersion":"2.0"},{"attributeDeclarations":[{"nodes":{"name":{"a":"n","d":"string"},"size":{"d":"integer","v":1}}}]},
            {"nodes":[{"id":0,"x":1.5,"v":{"n":"A"}},{"id":1,"v":{"n":"B","size":3}}]},{"edges":[{"id":0,"s":0,"t":1,"v":{}}]}]"#;
        let (g, v) = read(Path::new("a.cx2"), cx2).unwrap();
        assert_eq!(v, "cx2");
        assert_eq!(g.node_attr_value(0, "size"), Some(&Value::Int(1)));
        assert_eq!(g.node_attr_value(1, "size"), Some(&Value::Int(3)));
        assert_eq!(g.node_attr_value(0, "x"), Some(&Value::Float(1.5)));
        let e = read(Path::new("a.cx"), b"[{\"nodes\": [}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("malformed JSON") && e.contains("line 1"), "{e}");
    }
}
