//! Record-shaped XML: `<root><record a="v"><FIELD>text</FIELD>…</record>…</root>`, the shape
//! of both the GGUS ticket export and GOCDB's programmatic interface.
//!
//! The reader is a loop over quick-xml events, not recursion, and it refuses what a hostile
//! document could use against it: a document type declaration (so no entity expansion),
//! entities other than the five predefined ones and character references, nesting deeper than
//! [`MAX_DEPTH`], and more than a given number of records. Every error names its line.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

/// Deepest element nesting accepted (the formats here need 3 or 4 levels).
pub const MAX_DEPTH: usize = 16;

/// One record element: its attributes and its direct child elements' text, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlRecord {
    /// 1-based line where the record element starts.
    pub line: usize,
    /// Attributes of the record element, entities resolved.
    pub attributes: Vec<(String, String)>,
    /// (child element name, its text content, entities resolved, untrimmed). A child with
    /// element children of its own keeps only its own text.
    pub fields: Vec<(String, String)>,
}

impl XmlRecord {
    /// The text of the first child element named `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of the attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Why a document could not be read as records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlRecordError {
    /// Not well-formed XML.
    #[error("line {line}: malformed XML: {message}")]
    Malformed {
        /// Line of the offending markup.
        line: usize,
        /// The XML parser's description.
        message: String,
    },
    /// The document ends while elements are still open.
    #[error("truncated XML: <{element}> opened at line {line} is never closed{context}")]
    Truncated {
        /// The innermost open element.
        element: String,
        /// Where it was opened.
        line: usize,
        /// Which record it was in, e.g. ` (in <ticket> #4, starting at line 37)`, or empty.
        context: String,
    },
    /// Nesting beyond [`MAX_DEPTH`].
    #[error("line {line}: elements nested deeper than {max} levels")]
    TooDeep {
        /// Line of the element that went too deep.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// A `<!DOCTYPE …>`: refused, since it is what entity-expansion attacks need.
    #[error("line {line}: a document type declaration (<!DOCTYPE …>) is not accepted")]
    Doctype {
        /// Line of the declaration.
        line: usize,
    },
    /// An entity reference other than `&lt; &gt; &amp; &apos; &quot;` and `&#…;`.
    #[error("line {line}: unknown entity &{name};")]
    UnknownEntity {
        /// Line of the reference.
        line: usize,
        /// The entity name.
        name: String,
    },
    /// The root element is not the expected one.
    #[error("line {line}: expected root element <{expected}>, found <{found}>")]
    WrongRoot {
        /// Line of the root element.
        line: usize,
        /// The root the format has.
        expected: String,
        /// The root the document has.
        found: String,
    },
    /// No element at all.
    #[error("no root element <{expected}>: the document is empty")]
    NoRoot {
        /// The root the format has.
        expected: String,
    },
    /// More records than the caller allows.
    #[error("more than {max} <{record}> records")]
    TooManyRecords {
        /// The record element name.
        record: String,
        /// The limit.
        max: usize,
    },
}

/// Translates byte offsets into 1-based line numbers, moving forward only (so the whole
/// document is scanned once however many positions are asked for).
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { text: text.as_bytes(), offset: 0, line: 1 }
    }

    fn line_at(&mut self, offset: u64) -> usize {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.text.len());
        if offset < self.offset {
            return 1 + self.text[..offset].iter().filter(|&&b| b == b'\n').count();
        }
        self.line += self.text[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
        self.offset = offset;
        self.line
    }
}

fn element_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref().as_bytes()).into_owned()
}

fn attributes_of(start: &BytesStart<'_>, line: usize) -> Result<Vec<(String, String)>, XmlRecordError> {
    let mut out = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| XmlRecordError::Malformed { line, message: e.to_string() })?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| XmlRecordError::Malformed { line, message: e.to_string() })?;
        out.push((String::from_utf8_lossy(attribute.key.as_ref().as_bytes()).into_owned(), value.into_owned()));
    }
    Ok(out)
}

/// Reads every `<record>` child of the `<root>` element of `text`. Other children of the root
/// are skipped; at most `max_records` records are accepted.
pub fn read_records(
    text: &str,
    root: &str,
    record: &str,
    max_records: usize,
) -> Result<Vec<XmlRecord>, XmlRecordError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut lines = LineCounter::new(text);
    // Open elements: (name, line).
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut records = Vec::new();
    let mut current: Option<XmlRecord> = None;
    let mut field: Option<(String, String)> = None;
    let mut seen_root = false;
    loop {
        let event_start = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let line = lines.line_at(reader.error_position());
                return Err(XmlRecordError::Malformed { line, message: e.to_string() });
            }
        };
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::DocType(_) => return Err(XmlRecordError::Doctype { line: lines.line_at(event_start) }),
            Event::Start(start) | Event::Empty(start) if open.is_empty() => {
                let line = lines.line_at(event_start);
                let name = element_name(&start);
                if seen_root || name != root {
                    return Err(XmlRecordError::WrongRoot { line, expected: root.to_string(), found: name });
                }
                seen_root = true;
                if is_start {
                    open.push((name, line));
                }
            }
            Event::Start(start) => {
                let line = lines.line_at(event_start);
                if open.len() >= MAX_DEPTH {
                    return Err(XmlRecordError::TooDeep { line, max: MAX_DEPTH });
                }
                let name = element_name(&start);
                match open.len() {
                    1 if name == record => {
                        current =
                            Some(XmlRecord { line, attributes: attributes_of(&start, line)?, fields: Vec::new() });
                    }
                    2 if current.is_some() => field = Some((name.clone(), String::new())),
                    _ => {}
                }
                open.push((name, line));
            }
            Event::Empty(start) => {
                let line = lines.line_at(event_start);
                if open.len() >= MAX_DEPTH {
                    return Err(XmlRecordError::TooDeep { line, max: MAX_DEPTH });
                }
                let name = element_name(&start);
                match (open.len(), current.as_mut()) {
                    (1, _) if name == record => {
                        let empty = XmlRecord { line, attributes: attributes_of(&start, line)?, fields: Vec::new() };
                        push_record(&mut records, empty, record, max_records)?;
                    }
                    (2, Some(current)) => current.fields.push((name, String::new())),
                    _ => {}
                }
            }
            Event::End(_) => {
                open.pop();
                match open.len() {
                    2 => {
                        if let (Some(done), Some(current)) = (field.take(), current.as_mut()) {
                            current.fields.push(done);
                        }
                    }
                    1 => {
                        if let Some(done) = current.take() {
                            push_record(&mut records, done, record, max_records)?;
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) if open.len() == 3 => {
                if let Some((_, value)) = field.as_mut() {
                    value.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) if open.len() == 3 => {
                if let Some((_, value)) = field.as_mut() {
                    value.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let line = lines.line_at(event_start);
                let resolved: String = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&reference) {
                        Some(s) => s.to_string(),
                        None => return Err(XmlRecordError::UnknownEntity { line, name: reference.to_string() }),
                    },
                    Err(e) => return Err(XmlRecordError::Malformed { line, message: e.to_string() }),
                };
                if open.len() == 3
                    && let Some((_, value)) = field.as_mut()
                {
                    value.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((element, line)) = open.last() {
        let context = match (&current, open.len()) {
            (Some(rec), depth) if depth >= 2 => {
                format!(" (in <{record}> #{}, starting at line {})", records.len() + 1, rec.line)
            }
            _ => format!(" (after {} complete <{record}> records)", records.len()),
        };
        return Err(XmlRecordError::Truncated { element: element.clone(), line: *line, context });
    }
    if !seen_root {
        return Err(XmlRecordError::NoRoot { expected: root.to_string() });
    }
    Ok(records)
}

fn push_record(records: &mut Vec<XmlRecord>, record: XmlRecord, name: &str, max: usize) -> Result<(), XmlRecordError> {
    if records.len() >= max {
        return Err(XmlRecordError::TooManyRecords { record: name.to_string(), max });
    }
    records.push(record);
    Ok(())
}
