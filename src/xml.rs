//! A small wrapper over quick-xml's writer for the sitemap and feeds: writing into a `Vec`
//! cannot fail, so the element helpers do not return errors.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// An XML document being written.
pub struct XmlDoc {
    writer: Writer<Vec<u8>>,
}

impl XmlDoc {
    /// A new document with the `<?xml ...?>` declaration.
    pub fn new() -> Self {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        XmlDoc { writer }
    }

    /// Opens `<name attrs...>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        let _ = self.writer.write_event(Event::Start(start));
    }

    /// Closes `</name>`.
    pub fn close(&mut self, name: &str) {
        let _ = self.writer.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, text escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        let _ = self.writer.write_event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// Escaped text inside the currently open element.
    pub fn raw_text(&mut self, text: &str) {
        let _ = self.writer.write_event(Event::Text(BytesText::new(text)));
    }

    /// `<name attrs.../>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        let _ = self.writer.write_event(Event::Empty(start));
    }

    /// The finished bytes.
    pub fn finish(self) -> Vec<u8> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        bytes
    }
}

impl Default for XmlDoc {
    fn default() -> Self {
        Self::new()
    }
}
