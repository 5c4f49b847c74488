//! A small wrapper over quick-xml's writer for the sitemap and feeds. The element helpers
//! do not return errors: the first write error is kept and returned by
//! [`XmlDoc::finish`] (writing into a `Vec` cannot fail at all).

use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// An XML document being written into `W`.
pub struct XmlDoc<W: Write = Vec<u8>> {
    writer: Writer<W>,
    error: Option<io::Error>,
}

impl XmlDoc<Vec<u8>> {
    /// A new document in memory, with the `<?xml ...?>` declaration.
    pub fn new() -> Self {
        XmlDoc::to(Vec::new())
    }

    /// The finished bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.finish().unwrap_or_default()
    }
}

impl<W: Write> XmlDoc<W> {
    /// A new document written into `out`, with the `<?xml ...?>` declaration.
    pub fn to(out: W) -> Self {
        let mut doc = XmlDoc {
            writer: Writer::new_with_indent(out, b' ', 2),
            error: None,
        };
        let decl = Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None));
        doc.event(decl);
        doc
    }

    fn event(&mut self, event: Event) {
        if self.error.is_none() {
            if let Err(e) = self.writer.write_event(event) {
                self.error = Some(e);
            }
        }
    }

    /// Opens `<name attrs...>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        self.event(Event::Start(start));
    }

    /// Closes `</name>`.
    pub fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, text escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// Escaped text inside the currently open element.
    pub fn raw_text(&mut self, text: &str) {
        self.event(Event::Text(BytesText::new(text)));
    }

    /// `<name attrs.../>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        self.event(Event::Empty(start));
    }

    /// Ends the document (a final newline) and returns where it was written, or the first
    /// write error.
    pub fn finish(self) -> io::Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut out = self.writer.into_inner();
        out.write_all(b"\n")?;
        Ok(out)
    }
}

impl Default for XmlDoc<Vec<u8>> {
    fn default() -> Self {
        Self::new()
    }
}
