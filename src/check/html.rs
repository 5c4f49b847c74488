//! Reads the link targets and anchor ids out of an HTML document, each with its line.
//!
//! A small tokenizer rather than an HTML crate: the checker needs the line of every
//! attribute (to point at it in the report), which tree-building parsers drop, and it needs
//! no tree at all. It follows the HTML tokenizer where that matters for finding real links:
//! comments, `<!DOCTYPE>`, `<![CDATA[..]]>` and `<?..>` are skipped; the contents of
//! `<script>` and `<style>` (raw text) and of `<textarea>` and `<title>` (no elements inside)
//! are not read as tags; attribute values are entity-decoded (templates escape `/` as
//! `&#x2F;`). Elements inside `<pre>` and `<code>` are real elements (Markdown escapes code
//! text, so a tag there was written as a tag) and their links are checked like any other.

use std::collections::HashSet;

/// One link target: the attribute value as a browser would read it (entities decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// 1-based line of the attribute.
    pub line: usize,
    /// The target (an `href`, a `src`, one `srcset` candidate's URL).
    pub target: String,
}

/// What a document links to and which fragment ids it defines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub links: Vec<Link>,
    /// `id` of any element and `name` of `<a>`, with their lines.
    pub anchors: Vec<(String, usize)>,
    /// The same ids, for lookups (a long page linked from everywhere has many).
    ids: HashSet<String>,
}

impl Document {
    /// Whether `#id` lands somewhere in this document.
    pub fn has_anchor(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// Which attributes of which elements are link targets.
fn is_link_attribute(tag: &str, attr: &str) -> bool {
    match attr {
        "href" => matches!(tag, "a" | "link" | "area"),
        "src" => matches!(
            tag,
            "img" | "script" | "iframe" | "source" | "audio" | "video" | "embed" | "track"
        ),
        "poster" => tag == "video",
        _ => false,
    }
}

/// Elements whose contents hold no tags.
fn is_raw_text(tag: &str) -> bool {
    matches!(tag, "script" | "style" | "textarea" | "title" | "xmp")
}

/// Scans `html` for links and anchors.
pub fn scan(html: &str) -> Document {
    let mut scanner = Scanner {
        src: html.as_bytes(),
        text: html,
        pos: 0,
        lines: LineIndex::new(html),
        doc: Document::default(),
    };
    scanner.run();
    let mut doc = scanner.doc;
    doc.ids = doc.anchors.iter().map(|(a, _)| a.clone()).collect();
    doc
}

/// Byte offset to 1-based line, by binary search over the newline offsets.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

struct Scanner<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    lines: LineIndex,
    doc: Document,
}

impl Scanner<'_> {
    fn run(&mut self) {
        while let Some(lt) = find(self.src, self.pos, b"<") {
            self.pos = lt + 1;
            let rest = &self.src[self.pos..];
            if rest.starts_with(b"!--") {
                self.pos = find(self.src, self.pos + 3, b"-->").map_or(self.src.len(), |e| e + 3);
            } else if rest.starts_with(b"![CDATA[") {
                self.pos = find(self.src, self.pos, b"]]>").map_or(self.src.len(), |e| e + 3);
            } else if rest.starts_with(b"!") || rest.starts_with(b"?") || rest.starts_with(b"/") {
                // Doctype, processing instruction, end tag: nothing to read.
                self.pos = find(self.src, self.pos, b">").map_or(self.src.len(), |e| e + 1);
            } else if rest.first().is_some_and(u8::is_ascii_alphabetic) {
                self.start_tag();
            }
            // Otherwise a lone `<` in text.
        }
    }

    /// Reads a start tag from just after its `<`, then skips raw-text contents.
    fn start_tag(&mut self) {
        let name_end = self.scan_while(self.pos, |b| !is_space(b) && b != b'>' && b != b'/');
        let tag = self.text[self.pos..name_end].to_ascii_lowercase();
        self.pos = name_end;
        let mut attrs: Vec<(String, String, usize)> = Vec::new();
        loop {
            self.pos = self.scan_while(self.pos, |b| is_space(b) || b == b'/');
            match self.src.get(self.pos) {
                None => break,
                Some(b'>') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            let name_start = self.pos;
            // An attribute name may start with `=` (the tokenizer allows it) but no other
            // character ends it there: step over at least one byte.
            let name_end = self.scan_while(self.pos + 1, |b| {
                !is_space(b) && !matches!(b, b'=' | b'>' | b'/')
            });
            let name = self.text[name_start..name_end].to_ascii_lowercase();
            let after = self.scan_while(name_end, is_space);
            if self.src.get(after) != Some(&b'=') {
                self.pos = name_end;
                attrs.push((name, String::new(), name_start));
                continue;
            }
            let value_start = self.scan_while(after + 1, is_space);
            let (raw, value_pos, next) = match self.src.get(value_start) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = find(self.src, value_start + 1, &[q]).unwrap_or(self.src.len());
                    (
                        &self.text[value_start + 1..end],
                        value_start + 1,
                        (end + 1).min(self.src.len()),
                    )
                }
                _ => {
                    let end = self.scan_while(value_start, |b| !is_space(b) && b != b'>');
                    (&self.text[value_start..end], value_start, end)
                }
            };
            attrs.push((name, decode_entities(raw), value_pos));
            self.pos = next;
        }
        self.record(&tag, &attrs);
        if is_raw_text(&tag) {
            self.skip_raw_text(&tag);
        }
    }

    fn record(&mut self, tag: &str, attrs: &[(String, String, usize)]) {
        // `<link rel="preconnect">` and `dns-prefetch` name an origin, not a document.
        let origin_only = tag == "link"
            && attrs.iter().any(|(n, v, _)| {
                n == "rel"
                    && v.split_ascii_whitespace().any(|r| {
                        r.eq_ignore_ascii_case("preconnect")
                            || r.eq_ignore_ascii_case("dns-prefetch")
                    })
            });
        let mut seen = Vec::new();
        for (name, value, at) in attrs {
            // A duplicated attribute: the browser keeps the first.
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let line = self.lines.line(*at);
            if name == "id" || (name == "name" && tag == "a") {
                if !value.is_empty() {
                    self.doc.anchors.push((value.clone(), line));
                }
            } else if name == "srcset" && matches!(tag, "img" | "source") {
                for target in srcset_urls(value) {
                    self.doc.links.push(Link { line, target });
                }
            } else if is_link_attribute(tag, name) && !origin_only {
                self.doc.links.push(Link {
                    line,
                    target: value.trim().to_string(),
                });
            }
        }
    }

    /// Moves past `</tag` (any case), or to the end.
    fn skip_raw_text(&mut self, tag: &str) {
        let closing = format!("</{tag}");
        let mut from = self.pos;
        while let Some(at) = find(self.src, from, b"</") {
            let candidate = &self.src[at..];
            let follows = candidate.get(closing.len()).copied();
            if candidate.len() >= closing.len()
                && candidate[..closing.len()].eq_ignore_ascii_case(closing.as_bytes())
                && follows.is_none_or(|b| is_space(b) || b == b'>' || b == b'/')
            {
                self.pos = at;
                return;
            }
            from = at + 2;
        }
        self.pos = self.src.len();
    }

    fn scan_while(&self, from: usize, keep: impl Fn(u8) -> bool) -> usize {
        let from = from.min(self.src.len());
        self.src[from..]
            .iter()
            .position(|&b| !keep(b))
            .map_or(self.src.len(), |i| from + i)
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let from = from.min(haystack.len());
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

/// The URLs of a `srcset` (`url [descriptor], url [descriptor], ...`).
fn srcset_urls(srcset: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return urls;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (url, after) = rest.split_at(end);
        // A URL directly followed by a comma has no descriptor.
        let url = url.trim_end_matches(',');
        urls.push(url.to_string());
        if url.len() < end {
            rest = after;
            continue;
        }
        // Skip the descriptor, up to the next comma.
        rest = after.find(',').map_or("", |i| &after[i + 1..]);
    }
}

/// Decodes the character references a URL or id may hold: the numeric ones and the named
/// ones for markup characters. Others are left as written.
pub fn decode_entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 12).and_then(|semi| {
            let name = &rest[1..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    Some(char::from_u32(code).unwrap_or('\u{fffd}'))
                }
            }?;
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(html: &str) -> Vec<(usize, String)> {
        scan(html)
            .links
            .into_iter()
            .map(|l| (l.line, l.target))
            .collect()
    }

    fn anchors(html: &str) -> Vec<String> {
        scan(html).anchors.into_iter().map(|(a, _)| a).collect()
    }

    #[test]
    fn finds_link_attributes_with_lines() {
        let html = "<html>\n<head><link rel=\"stylesheet\" href=\"/style.css\">\n\
            <script src='/app.js'></script></head>\n<body>\n<a href=\"/about/\">About</a>\n\
            <img src=/logo.png alt=x>\n<iframe src=\"embed.html\"></iframe>\n\
            <video poster=\"p.jpg\"><source src=\"v.mp4\"></video>\n<area href=\"#map\">\n";
        assert_eq!(
            targets(html),
            vec![
                (2, "/style.css".to_string()),
                (3, "/app.js".into()),
                (5, "/about/".into()),
                (6, "/logo.png".into()),
                (7, "embed.html".into()),
                (8, "p.jpg".into()),
                (8, "v.mp4".into()),
                (9, "#map".into()),
            ]
        );
    }

    #[test]
    fn attribute_on_a_later_line_of_its_tag() {
        let html = "<a\n  class=\"x\"\n  href=\"/far/\">x</a>";
        assert_eq!(targets(html), vec![(3, "/far/".to_string())]);
    }

    #[test]
    fn ignores_non_link_attributes_and_elements() {
        let html = "<div href=\"/no/\" src=\"/no2\"></div><img href=\"/no3\"><a class=x>";
        assert!(targets(html).is_empty());
    }

    #[test]
    fn skips_comments_scripts_styles_and_rcdata() {
        let html = "<!-- <a href=\"/commented/\"> -->\n\
            <script>let s = '<a href=\"/in-script/\">';</script>\n\
            <style>a[href=\"/in-style/\"] {}</style>\n\
            <SCRIPT type=x>document.write('</scr' + 'ipt>'); <a href=\"/still-script\"></SCRIPT>\n\
            <textarea><a href=\"/in-textarea/\"></textarea>\n\
            <title><a id=\"t\"></title>\n\
            <![CDATA[ <a href=\"/cdata/\"> ]]>\n\
            <!DOCTYPE html><?xml x?>\n\
            <a href=\"/real/\">real</a>";
        assert_eq!(targets(html), vec![(9, "/real/".to_string())]);
        assert!(anchors(html).is_empty());
    }

    #[test]
    fn links_inside_pre_and_code_are_checked() {
        let html =
            "<pre><code>x &lt;a href=\"/escaped/\"&gt; <a href=\"/real/\">r</a></code></pre>";
        assert_eq!(targets(html), vec![(1, "/real/".to_string())]);
    }

    #[test]
    fn decodes_entities_in_values() {
        let html = "<a href=\"&#x2F;blog&#x2F;?a=1&amp;b=2\">x</a><a href=\"/a&b;c&#1114112;\">";
        assert_eq!(
            targets(html),
            vec![
                (1, "/blog/?a=1&b=2".to_string()),
                (1, "/a&b;c\u{fffd}".to_string())
            ]
        );
        assert_eq!(
            decode_entities("&lt;&gt;&quot;&apos;&#65;&#X42;&unknown;&"),
            "<>\"'AB&unknown;&"
        );
    }

    #[test]
    fn srcset_candidates() {
        assert_eq!(
            srcset_urls("a.png 1x, b.png 2x,c.png,  d.png 100w"),
            vec!["a.png", "b.png", "c.png", "d.png"]
        );
        assert_eq!(srcset_urls("only.png"), vec!["only.png"]);
        assert_eq!(srcset_urls(" ,, "), Vec::<String>::new());
        let html =
            "<img srcset=\"/s.png 1x, /l.png 2x\"><picture><source srcset=\"/w.webp\"></picture>";
        assert_eq!(
            targets(html),
            vec![
                (1, "/s.png".to_string()),
                (1, "/l.png".into()),
                (1, "/w.webp".into())
            ]
        );
    }

    #[test]
    fn anchors_from_ids_and_a_names() {
        let html = "<h2 id=\"intro\">I</h2>\n<a name=\"old-style\"></a>\n<input name=\"q\">\n\
            <div ID='Caps' id=\"second\"></div><span id=\"\"></span><p id=bare>";
        let doc = scan(html);
        assert_eq!(
            doc.anchors,
            vec![
                ("intro".to_string(), 1),
                ("old-style".into(), 2),
                ("Caps".into(), 4),
                ("bare".into(), 4)
            ]
        );
        assert!(doc.has_anchor("intro") && !doc.has_anchor("q") && !doc.has_anchor("second"));
    }

    #[test]
    fn preconnect_links_name_origins_not_documents() {
        let html = "<link rel=\"preconnect\" href=\"https://fonts.example\">\
            <link rel=\"DNS-Prefetch\" href=\"//cdn.example\"><link rel=icon href=/i.png>";
        assert_eq!(targets(html), vec![(1, "/i.png".to_string())]);
    }

    #[test]
    fn survives_malformed_markup() {
        for html in [
            "<a href=\"/unterminated",
            "<a href=",
            "<a",
            "< a href=\"/x\">",
            "<a =x href='/y'>",
            "<script>never closed <a href=\"/z\">",
            "<!-- never closed",
            "a < b && c > d",
            "<a/href=\"/slash\">",
        ] {
            let _ = scan(html);
        }
        // Every truncation of a document with multi-byte text in names and values.
        let doc =
            "<p é=\"ü\" id='ça'>x</p><a href=\"/é/#ü\" naïve name=é>\n<!-- ü --><script>é</script>\
            <img srcset=\"/ü.png 1x, /é.png 2x\"><a href=&#xe9;&amp>";
        for (i, _) in doc.char_indices() {
            let _ = scan(&doc[..i]);
        }
        assert_eq!(scan(doc).links.len(), 4);
        assert_eq!(targets("<a =x href='/y'>"), vec![(1, "/y".to_string())]);
        assert_eq!(
            targets("<a/href=\"/slash\">"),
            vec![(1, "/slash".to_string())]
        );
        assert_eq!(
            targets("<a href=\"/unterminated"),
            vec![(1, "/unterminated".to_string())]
        );
    }
}
