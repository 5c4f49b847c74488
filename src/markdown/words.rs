//! `word_count` and `reading_time`, as Zola 0.22 counts them (`get_reading_analytics` in its
//! `content/src/utils.rs`): over the raw Markdown of the body (shortcode calls, link
//! destinations and markup included, as written), the Unicode words (UAX #29) of every part
//! outside ```` ``` ```` fences (each fence toggles; a fence's info string is inside it);
//! the reading time is the words over 200, rounded up.

use unicode_segmentation::UnicodeSegmentation;

/// `(word_count, reading_time)` of a raw body.
pub fn reading_analytics(raw: &str) -> (usize, usize) {
    let words: usize = raw
        .split("```")
        .step_by(2)
        .map(|part| part.unicode_words().count())
        .sum();
    (words, words.div_ceil(200))
}

#[cfg(test)]
mod tests {
    use super::reading_analytics;

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
    }
}
