//! The text of a page as the index holds it.

/// The text of rendered HTML as the index holds it: tags and comments dropped, the contents
/// of `script`, `style` and `pre` dropped, runs of whitespace made one space, blank lines
/// dropped, and at most `limit` characters. Character references stay as written, but for
/// quotes, which are written as themselves (as Zola's HTML cleaner writes text).
pub fn plain_text(html: &str, limit: Option<usize>) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if !rest[1..]
            .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?')
        {
            // A `<` that opens no tag is text.
            text.push('<');
            rest = &rest[1..];
            continue;
        }
        let name: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let Some(end) = rest.find('>') else {
            // An unclosed tag is text.
            text.push_str(rest);
            rest = "";
            break;
        };
        rest = &rest[end + 1..];
        if matches!(name.as_str(), "script" | "style" | "pre") {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(at) => rest[at..].find('>').map_or("", |e| &rest[at + e + 1..]),
                None => "",
            };
        }
    }
    text.push_str(rest);
    let text = text
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'");
    let mut clean = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(limit) = limit {
        if let Some((cut, _)) = clean.char_indices().nth(limit) {
            clean.truncate(cut);
        }
    }
    clean
}
