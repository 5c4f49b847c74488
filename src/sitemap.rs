//! `sitemap.xml` per sitemaps.org 0.9, with a sitemap index past 50,000 URLs.

use crate::xml::XmlDoc;

/// URLs per sitemap file, the protocol's limit.
pub const MAX_URLS: usize = 50_000;
const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// One `<url>`: an absolute location and an optional `lastmod` (W3C datetime).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SitemapEntry {
    pub loc: String,
    pub lastmod: Option<String>,
}

fn urlset(entries: &[SitemapEntry]) -> Vec<u8> {
    let mut doc = XmlDoc::new();
    doc.open("urlset", &[("xmlns", NS)]);
    for e in entries {
        doc.open("url", &[]);
        doc.text("loc", &e.loc);
        if let Some(lastmod) = &e.lastmod {
            doc.text("lastmod", lastmod);
        }
        doc.close("url");
    }
    doc.close("urlset");
    doc.into_bytes()
}

/// The sitemap files to write, as (output path, bytes): one `sitemap.xml`, or past
/// [`MAX_URLS`] a `sitemap.xml` index pointing at `sitemap1.xml`, `sitemap2.xml`, ...
pub fn render(base_url: &str, mut entries: Vec<SitemapEntry>) -> Vec<(String, Vec<u8>)> {
    entries.sort();
    entries.dedup_by(|a, b| a.loc == b.loc);
    if entries.len() <= MAX_URLS {
        return vec![("sitemap.xml".into(), urlset(&entries))];
    }
    let mut files = Vec::new();
    let mut index = XmlDoc::new();
    index.open("sitemapindex", &[("xmlns", NS)]);
    for (n, chunk) in entries.chunks(MAX_URLS).enumerate() {
        let name = format!("sitemap{}.xml", n + 1);
        index.open("sitemap", &[]);
        index.text("loc", &format!("{base_url}/{name}"));
        index.close("sitemap");
        files.push((name, urlset(chunk)));
    }
    index.close("sitemapindex");
    files.insert(0, ("sitemap.xml".into(), index.into_bytes()));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sites_get_one_file_large_ones_an_index() {
        let entry = |i: usize| SitemapEntry {
            loc: format!("https://ex.com/{i}/"),
            lastmod: None,
        };
        let one = render("https://ex.com", (0..3).map(entry).collect());
        assert_eq!(one.len(), 1);
        let text = String::from_utf8(one[0].1.clone()).unwrap();
        assert!(text.contains("<loc>https://ex.com/0/</loc>"));
        let many = render("https://ex.com", (0..MAX_URLS + 1).map(entry).collect());
        assert_eq!(
            many.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            ["sitemap.xml", "sitemap1.xml", "sitemap2.xml"]
        );
        assert!(String::from_utf8_lossy(&many[0].1).contains("<sitemapindex"));
    }
}
