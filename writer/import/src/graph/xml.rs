//! A small element tree over quick-xml for the XML graph sources (SBML,
//! KGML): element names and attribute names without their namespace
//! prefix, attribute values unescaped, text dropped. Malformed XML is an
//! error naming the file, the line and what quick-xml found.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::input_error;

/// One XML element.
#[derive(Debug, Default)]
pub(crate) struct Element {
    /// Local name (`fbc:geneProduct` is `geneProduct`).
    pub name: String,
    /// Attributes by local name, in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Byte offset of the element's start tag.
    pub offset: usize,
}

impl Element {
    /// The value of attribute `name` (local name).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Children named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The children of the child list `list` named `name`
    /// (`listOfSpecies` / `species`), none when the list is absent.
    pub fn list<'a>(
        &'a self,
        list: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.child(list)
            .into_iter()
            .flat_map(move |l| l.children_named(name))
    }
}

/// 1-based line of byte `offset` of `text`.
pub(crate) fn line_of(text: &[u8], offset: usize) -> u64 {
    memchr::memchr_iter(b'\n', &text[..offset.min(text.len())]).count() as u64 + 1
}

fn local(name: &[u8]) -> String {
    let local = match memchr::memrchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(local).into_owned()
}

fn element(
    path: &Path,
    text: &[u8],
    start: &BytesStart<'_>,
    offset: usize,
) -> gcol_writer::Result<Element> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let bad = |e: String| input_error(path, 0, line_of(text, offset), "XML", e);
        let attr = attr.map_err(|e| bad(format!("malformed attribute: {e}")))?;
        let value = attr
            .unescape_value()
            .map_err(|e| bad(format!("malformed attribute value: {e}")))?;
        attrs.push((local(attr.key.as_ref()), value.into_owned()));
    }
    Ok(Element {
        name: local(start.name().as_ref()),
        attrs,
        children: Vec::new(),
        offset,
    })
}

/// Parse `text` (an XML document) into its root element.
pub(crate) fn parse(path: &Path, text: &[u8]) -> gcol_writer::Result<Element> {
    let s = std::str::from_utf8(text).map_err(|e| {
        input_error(
            path,
            0,
            line_of(text, e.valid_up_to()),
            "XML",
            "not UTF-8 text",
        )
    })?;
    let mut reader = quick_xml::Reader::from_str(s);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = reader.error_position() as usize;
            input_error(
                path,
                0,
                line_of(text, at),
                "XML",
                format!("malformed XML: {e}"),
            )
        })?;
        match event {
            Event::Start(start) => stack.push(element(path, text, &start, offset)?),
            Event::Empty(start) => {
                let e = element(path, text, &start, offset)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(e),
                    None if root.is_none() => root = Some(e),
                    None => {
                        return Err(input_error(
                            path,
                            0,
                            line_of(text, offset),
                            "XML",
                            "a second root element",
                        ))
                    }
                }
            }
            Event::End(_) => {
                let e = stack.pop().expect("quick-xml checks end names");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(e),
                    None if root.is_none() => root = Some(e),
                    None => {
                        return Err(input_error(
                            path,
                            0,
                            line_of(text, offset),
                            "XML",
                            "a second root element",
                        ))
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(input_error(
            path,
            0,
            line_of(text, text.len()),
            "XML",
            format!("the document ends inside <{}>", open.name),
        ));
    }
    root.ok_or_else(|| input_error(path, 0, 1, "XML", "no root element"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_and_errors() {
        let doc =
            b"<?xml version='1.0'?>\n<a:root x='1'>\n <b y='&lt;2'/>\n <c><d/></c>\n</a:root>\n";
        let root = parse(Path::new("t.xml"), doc).unwrap();
        assert_eq!(root.name, "root");
        assert_eq!(root.attr("x"), Some("1"));
        assert_eq!(root.child("b").unwrap().attr("y"), Some("<2"));
        assert_eq!(root.list("c", "d").count(), 1);
        assert_eq!(line_of(doc, root.child("b").unwrap().offset), 3);
        let e = parse(Path::new("t.xml"), b"<a>\n<b></c>\n</a>")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.xml") && e.contains("line 2") && e.contains("malformed XML"),
            "{e}"
        );
        let e = parse(Path::new("t.xml"), b"<a>\n<b>\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ends inside <b>"), "{e}");
    }
}
