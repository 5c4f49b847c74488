//! RSS 2.0 and Atom 1.0 feeds, written with quick-xml: absolute links, RFC 822 dates in RSS,
//! RFC 3339 in Atom, content escaped by the writer.

use chrono::{DateTime, FixedOffset};

use std::io::{self, Write};

use crate::xml::XmlDoc;

/// Which feed format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedKind {
    Atom,
    Rss,
}

impl FeedKind {
    /// From a `feed_filenames` entry.
    pub fn from_filename(name: &str) -> Option<Self> {
        match name {
            "atom.xml" => Some(FeedKind::Atom),
            "rss.xml" => Some(FeedKind::Rss),
            _ => None,
        }
    }
}

/// One entry (a dated page).
#[derive(Clone, Debug)]
pub struct FeedEntry<'a> {
    pub title: &'a str,
    pub permalink: &'a str,
    pub date: DateTime<FixedOffset>,
    pub updated: Option<DateTime<FixedOffset>>,
    /// HTML (the summary if there is one, else the content).
    pub html: &'a str,
}

/// What the feed is of.
pub struct FeedInfo<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The page the feed belongs to (site root, section or term).
    pub site_link: &'a str,
    /// The feed's own absolute URL.
    pub feed_url: &'a str,
    pub language: &'a str,
}

/// Renders a feed of `entries` (already newest first and limited).
pub fn render(kind: FeedKind, info: &FeedInfo, entries: &[FeedEntry]) -> Vec<u8> {
    write(kind, info, entries, Vec::new()).unwrap_or_default()
}

/// Writes the feed into `out` (a site feed can be tens of MiB: it need not be in memory).
pub fn write<W: Write>(
    kind: FeedKind,
    info: &FeedInfo,
    entries: &[FeedEntry],
    out: W,
) -> io::Result<W> {
    let doc = XmlDoc::to(out);
    match kind {
        FeedKind::Atom => atom(doc, info, entries),
        FeedKind::Rss => rss(doc, info, entries),
    }
}

fn atom<W: Write>(mut doc: XmlDoc<W>, info: &FeedInfo, entries: &[FeedEntry]) -> io::Result<W> {
    doc.open(
        "feed",
        &[
            ("xmlns", "http://www.w3.org/2005/Atom"),
            ("xml:lang", info.language),
        ],
    );
    doc.text("title", info.title);
    if !info.description.is_empty() {
        doc.text("subtitle", info.description);
    }
    doc.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", info.feed_url),
        ],
    );
    doc.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", info.site_link),
        ],
    );
    doc.text("generator", "sitegen");
    let newest = entries.iter().map(|e| e.updated.unwrap_or(e.date)).max();
    let epoch = DateTime::from_timestamp(0, 0).map(|d| d.fixed_offset());
    doc.text(
        "updated",
        &newest.or(epoch).map(|d| d.to_rfc3339()).unwrap_or_default(),
    );
    doc.text("id", info.feed_url);
    for e in entries {
        doc.open("entry", &[]);
        doc.text("title", e.title);
        doc.text("published", &e.date.to_rfc3339());
        doc.text("updated", &e.updated.unwrap_or(e.date).to_rfc3339());
        doc.open("author", &[]);
        doc.text("name", info.title);
        doc.close("author");
        doc.empty(
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", e.permalink),
            ],
        );
        doc.text("id", e.permalink);
        doc.open("content", &[("type", "html"), ("xml:base", e.permalink)]);
        doc.raw_text(e.html);
        doc.close("content");
        doc.close("entry");
    }
    doc.close("feed");
    doc.finish()
}

fn rss<W: Write>(mut doc: XmlDoc<W>, info: &FeedInfo, entries: &[FeedEntry]) -> io::Result<W> {
    doc.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
        ],
    );
    doc.open("channel", &[]);
    doc.text("title", info.title);
    doc.text("link", info.site_link);
    doc.text(
        "description",
        if info.description.is_empty() {
            info.title
        } else {
            info.description
        },
    );
    doc.text("generator", "sitegen");
    doc.text("language", info.language);
    doc.empty(
        "atom:link",
        &[
            ("href", info.feed_url),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    );
    if let Some(newest) = entries.iter().map(|e| e.updated.unwrap_or(e.date)).max() {
        doc.text("lastBuildDate", &newest.to_rfc2822());
    }
    for e in entries {
        doc.open("item", &[]);
        doc.text("title", e.title);
        doc.text("pubDate", &e.date.to_rfc2822());
        doc.text("link", e.permalink);
        doc.open("guid", &[("isPermaLink", "true")]);
        doc.raw_text(e.permalink);
        doc.close("guid");
        doc.text("description", e.html);
        doc.close("item");
    }
    doc.close("channel");
    doc.close("rss");
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> FeedEntry<'static> {
        FeedEntry {
            title: "Tom & Jerry <3",
            permalink: "https://ex.com/a/",
            date: DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap(),
            updated: None,
            html: "<p>5 > 3 & \"q\"</p>",
        }
    }

    fn info() -> FeedInfo<'static> {
        FeedInfo {
            title: "Site",
            description: "",
            site_link: "https://ex.com/",
            feed_url: "https://ex.com/rss.xml",
            language: "en",
        }
    }

    #[test]
    fn rss_has_rfc822_dates_and_escaped_content() {
        let xml = String::from_utf8(render(FeedKind::Rss, &info(), &[entry()])).unwrap();
        assert!(
            xml.contains("<pubDate>Wed, 1 May 2024 10:00:00 +0200</pubDate>"),
            "{xml}"
        );
        assert!(
            xml.contains("<title>Tom &amp; Jerry &lt;3</title>"),
            "{xml}"
        );
        assert!(
            xml.contains("&lt;p&gt;5 &gt; 3 &amp; &quot;q&quot;&lt;/p&gt;"),
            "{xml}"
        );
        assert!(
            xml.contains("<description>Site</description>"),
            "channel description falls back to the title"
        );
    }

    #[test]
    fn atom_has_rfc3339_dates_ids_and_an_updated_even_when_empty() {
        let xml = String::from_utf8(render(FeedKind::Atom, &info(), &[entry()])).unwrap();
        assert!(
            xml.contains("<updated>2024-05-01T10:00:00+02:00</updated>"),
            "{xml}"
        );
        assert!(xml.contains("<id>https://ex.com/a/</id>"), "{xml}");
        let empty = String::from_utf8(render(FeedKind::Atom, &info(), &[])).unwrap();
        assert!(
            empty.contains("<updated>1970-01-01T00:00:00+00:00</updated>"),
            "{empty}"
        );
    }
}
