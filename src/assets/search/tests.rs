//! The compact elasticlunr index against the `elasticlunr-rs` crate's own `Index`: the same
//! documents must give the same bytes, in every language sitegen builds indexes for and
//! with every field choice.

use elasticlunr::IndexBuilder;

use super::{index_file, plain_text, Document, SearchConfig};

/// The crate's index of `docs`, built as Zola builds it (the reference).
fn reference(search: &SearchConfig, code: &str, docs: &[Document]) -> String {
    let lang = elasticlunr::lang::from_code(code).unwrap();
    let mut builder = IndexBuilder::with_language(lang);
    if search.include_title {
        builder = builder.add_field("title");
    }
    if search.include_description {
        builder = builder.add_field("description");
    }
    if search.include_date {
        builder = builder.add_field("date");
    }
    if search.include_path {
        builder = builder.add_field_with_tokenizer(
            "path",
            Box::new(|text: &str| {
                text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_lowercase)
                    .collect()
            }),
        );
    }
    if search.include_content {
        builder = builder.add_field("body");
    }
    let mut index = builder.build();
    for doc in docs {
        let mut row: Vec<String> = Vec::new();
        if search.include_title {
            row.push(doc.title.unwrap_or_default().into());
        }
        if search.include_description {
            row.push(doc.description.unwrap_or_default().into());
        }
        if search.include_date {
            row.push(doc.date.clone().unwrap_or_default());
        }
        if search.include_path {
            row.push(doc.path.into());
        }
        if search.include_content {
            row.push(plain_text(doc.html, search.truncate_content_length));
        }
        index.add_doc(doc.permalink, row);
    }
    index.to_json()
}

const WORDS: &[&str] = &[
    "a",
    "ab",
    "abc",
    "abd",
    "abide",
    "the",
    "and",
    "running",
    "runs",
    "ran",
    "\"quoted\"",
    "back\\slash",
    "tab\there",
    "well-known",
    "éclair",
    "naïve",
    "日本語",
    "über",
    "straße",
    "привет",
    "бегущий",
    "مرحبا",
    "안녕하세요",
    "2026",
    "x1",
    "<b>bold</b>",
    "&amp;",
    "it's",
    "ça",
    "zebra",
    "zzz",
    "ž",
    "\u{1F600}",
    "connection",
    "connected",
    "connecting",
];

/// A document's permalink, title, description, date, path and HTML.
type OwnedDoc = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// Deterministic documents: words picked by a small linear congruential generator, with
/// repeats (term frequencies above 1), empty and missing fields, and refs that need escaping.
fn documents(seed: u64, count: usize) -> Vec<OwnedDoc> {
    let mut state = seed;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % n as u64) as usize
    };
    (0..count)
        .map(|i| {
            let mut words = |n: usize| -> String {
                (0..n)
                    .map(|_| WORDS[next(WORDS.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let title = (i % 5 != 3).then(|| words(3));
            let description = (i % 3 == 0).then(|| words(6));
            let body = format!(
                "<p>{}</p>\n<pre>code {}</pre>\n<p>{}</p>",
                words(40),
                words(2),
                words(i % 7)
            );
            let date = (i % 2 == 0).then(|| format!("2026-01-{:02}T00:00:00Z", i % 28 + 1));
            let permalink = format!("https://example.org/{}/\"{}\"/", WORDS[i % WORDS.len()], i);
            let path = format!("/blog/{}-{}/", WORDS[(i * 7) % WORDS.len()], i);
            (permalink, title, description, date, path, body)
        })
        .collect()
}

fn config(toml: &str) -> SearchConfig {
    let table: toml::Table = toml.parse().unwrap();
    SearchConfig::from_table(&table, std::path::Path::new("config.toml"))
        .unwrap()
        .0
}

#[test]
fn compact_index_writes_the_crates_bytes_in_every_language_and_field_choice() {
    let owned = documents(7, 60);
    let docs: Vec<Document> = owned
        .iter()
        .map(
            |(permalink, title, description, date, path, html)| Document {
                permalink,
                title: title.as_deref(),
                description: description.as_deref(),
                date: date.clone(),
                path,
                html,
            },
        )
        .collect();
    let choices = [
        "",
        "include_description = true\ninclude_date = true\ninclude_path = true",
        "include_content = false\ninclude_path = true",
        "truncate_content_length = 25",
        "include_title = false\ninclude_content = false",
    ];
    let codes = [
        "en", "da", "no", "de", "du", "es", "fi", "fr", "hu", "it", "pt", "ro", "ru", "sv", "tr",
        "ko", "ar",
    ];
    let mut compared = 0;
    for (n, choice) in choices.iter().enumerate() {
        let search = config(&format!("index_format = \"elasticlunr_json\"\n{choice}"));
        // Every language with all fields; a few with the other choices (the reference is slow).
        let some = ["en", "fr", "ru", "ko", "ar"];
        for &code in if n == 1 { &codes[..] } else { &some[..] } {
            let (_, ours) = index_file(&search, code, &docs, "config.toml".as_ref()).unwrap();
            let theirs = reference(&search, code, &docs);
            if ours != theirs {
                let at = ours
                    .bytes()
                    .zip(theirs.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                let from = at.saturating_sub(80);
                panic!(
                    "{code} [{choice}]: differs at byte {at}:\n ours:   {}\n theirs: {}",
                    &ours[from..(at + 80).min(ours.len())],
                    &theirs[from..(at + 80).min(theirs.len())]
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, codes.len() + 5 * (choices.len() - 1));
}

#[test]
fn compact_index_of_no_documents_and_of_a_lone_empty_one() {
    let search = config("index_format = \"elasticlunr_json\"\ninclude_path = true");
    let (_, ours) = index_file(&search, "en", &[], "c".as_ref()).unwrap();
    assert_eq!(ours, reference(&search, "en", &[]));
    let empty = [Document {
        permalink: "",
        title: None,
        description: None,
        date: None,
        path: "",
        html: "",
    }];
    let (_, ours) = index_file(&search, "en", &empty, "c".as_ref()).unwrap();
    assert_eq!(ours, reference(&search, "en", &empty));
}

#[test]
fn a_ref_given_twice_is_one_document_the_last() {
    let search = config("index_format = \"elasticlunr_json\"");
    let doc = |title: &'static str| Document {
        permalink: "https://example.org/same/",
        title: Some(title),
        description: None,
        date: None,
        path: "/same/",
        html: "",
    };
    let (_, text) =
        index_file(&search, "en", &[doc("first"), doc("second")], "c".as_ref()).unwrap();
    let index: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(index["documentStore"]["length"], 1);
    assert_eq!(
        index["documentStore"]["docs"]["https://example.org/same/"]["title"],
        "second"
    );
    assert!(index["index"]["title"]["root"].get("f").is_none(), "{text}");
}
