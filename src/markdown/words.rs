//! `word_count` and `reading_time`, as Zola 0.22 counts them (`get_reading_analytics` in its
//! `content/src/utils.rs`): over the raw Markdown of the body (shortcode calls, link
//! destinations and markup included, as written), the Unicode words (UAX #29) of every part
//! outside ```` ``` ```` fences (each fence toggles; a fence's info string is inside it);
//! the reading time is the words over 200, rounded up.
//!
//! Every page pays for this whether its templates read the count or not, so an all-ASCII
//! body (most of them) is counted in one pass over its bytes by [`ascii_words`], which applies
//! the word-boundary rules UAX #29 has for ASCII. `unicode-segmentation`'s own ASCII path
//! yields every segment as a string and then looks for a letter in it; at 10,000 pages that
//! cost 50 ms of a 1.3 s build. A body with any other character goes through the crate.

use unicode_segmentation::UnicodeSegmentation;

/// `(word_count, reading_time)` of a raw body.
pub fn reading_analytics(raw: &str) -> (usize, usize) {
    let words = if raw.is_ascii() {
        ascii_words(raw.as_bytes())
    } else {
        raw.split("```")
            .step_by(2)
            .map(|part| part.unicode_words().count())
            .sum()
    };
    (words, words.div_ceil(200))
}

/// The words of an ASCII body outside its fences, as `unicode_words` counts them: segments
/// with a letter or digit. A segment is a run of letters, digits and `_` (UAX #29 WB5, WB8-10,
/// WB13a-b), joined across one `'`, `.` or `:` between letters (WB6-7) or one `.`, `,`, `;`
/// or `'` between digits (WB11-12). Every other byte, a backtick included, is a boundary, so
/// no word spans a fence mark, and skipping fenced parts counts what splitting at the marks
/// would.
fn ascii_words(b: &[u8]) -> usize {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let (mut i, mut words) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c == b'`' && b[i..].starts_with(b"```") {
            // The fenced part: up to the next mark, or the end when it is not closed.
            i = match find(&b[i + 3..], b"```") {
                Some(at) => i + 3 + at + 3,
                None => b.len(),
            };
            continue;
        }
        if !is_word(c) {
            i += 1;
            continue;
        }
        let mut alphanumeric = false;
        loop {
            while i < b.len() && is_word(b[i]) {
                alphanumeric |= b[i] != b'_';
                i += 1;
            }
            let (Some(&mid), Some(&next)) = (b.get(i), b.get(i + 1)) else {
                break;
            };
            let prev = b[i - 1];
            let joins = (prev.is_ascii_alphabetic()
                && next.is_ascii_alphabetic()
                && matches!(mid, b'\'' | b'.' | b':'))
                || (prev.is_ascii_digit()
                    && next.is_ascii_digit()
                    && matches!(mid, b'\'' | b'.' | b',' | b';'));
            if !joins {
                break;
            }
            i += 1;
        }
        words += usize::from(alphanumeric);
    }
    words
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::reading_analytics;
    use unicode_segmentation::UnicodeSegmentation;

    /// Zola's own cases, and what its rule gives for markup and fences.
    #[test]
    fn counts_as_zola() {
        assert_eq!(reading_analytics("  "), (0, 0));
        assert_eq!(reading_analytics("Hello World"), (2, 1));
        assert_eq!(reading_analytics(&" Hello world".repeat(1000)), (2000, 10));
        // Link destinations and shortcode calls count; fenced code does not. The words: a,
        // link, https, x.example (one word in UAX #29), path, yt, id, abc.
        assert_eq!(
            reading_analytics("[a link](https://x.example/path) {{ yt(id=\"abc\") }}"),
            (8, 1)
        );
        assert_eq!(
            reading_analytics("one\n```rust\nlet x = 1;\n```\ntwo"),
            (2, 1)
        );
        // An unclosed fence hides the rest.
        assert_eq!(reading_analytics("one ``` two three"), (1, 1));
        // Apostrophes and numbers as UAX #29 splits them.
        assert_eq!(reading_analytics("don't stop 3.14"), (3, 1));
        assert_eq!(reading_analytics("don’t stop 3.14"), (3, 1));
    }

    /// The count by the crate, as Zola makes it.
    fn reference(raw: &str) -> usize {
        raw.split("```")
            .step_by(2)
            .map(|part| part.unicode_words().count())
            .sum()
    }

    /// The one-pass ASCII count equals the crate's on random bodies made of the bytes the
    /// rules treat apart (letters, digits, `_`, the joining marks in every position, fences,
    /// whitespace, other punctuation), and a non-ASCII body still goes through the crate.
    #[test]
    fn ascii_count_is_the_crates() {
        const PIECES: &[&str] = &[
            "a", "Z", "q", "7", "0", "_", "'", ".", ":", ",", ";", "`", "```", " ", "\n", "\t",
            "\r\n", "-", "\"", "/", "#", "*", "(", ")", "=", "{{", "x.y", "3.1", "é", "’", "—",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let ascii_only = next() % 4 != 0;
            let body: String = (0..len)
                .map(|_| {
                    let pool = if ascii_only { &PIECES[..28] } else { PIECES };
                    pool[(next() % pool.len() as u64) as usize]
                })
                .collect();
            let want = reference(&body);
            assert_eq!(reading_analytics(&body).0, want, "body {body:?}");
        }
    }
}
