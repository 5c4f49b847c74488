//! elasticlunr's index, written exactly as the `elasticlunr-rs` crate writes it, but built in
//! a fraction of its memory.
//!
//! Why not the crate's `Index`: it keeps a trie of `BTreeMap`s with the document's ref (its
//! permalink) copied into every posting, and every document's full text in its store. At
//! 10,000 pages that took the build's peak memory from 195 MiB to 378 MiB. Here the index
//! is only ever written, never searched, so it is kept as postings (token -> document
//! number and count) and the document store is not kept at all: its texts are made again
//! from the rendered HTML while the file is written. The language's tokenizer, trimmer,
//! stop words and stemmer are the crate's ([`Language`]), so the tokens are exactly its;
//! the bytes written are the crate's `serde_json` output (the tests compare the two).
//!
//! Tokenizing, the expensive part, runs on all threads, in batches so that only a batch's
//! tokens are held at once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

use elasticlunr::lang::Language;
use elasticlunr::pipeline::Pipeline;
use rayon::prelude::*;

use super::{plain_text, Document, SearchConfig};

/// The fields an index can have, in the order elasticlunr's builder adds them (Zola's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Title,
    Description,
    Date,
    Path,
    Body,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Description => "description",
            Field::Date => "date",
            Field::Path => "path",
            Field::Body => "body",
        }
    }
}

/// A document's field, as the index holds it.
fn field_value<'a>(search: &SearchConfig, field: Field, doc: &'a Document) -> Cow<'a, str> {
    match field {
        Field::Title => Cow::Borrowed(doc.title.unwrap_or_default()),
        Field::Description => Cow::Borrowed(doc.description.unwrap_or_default()),
        // An empty date keeps the fields in step (Zola leaves it out, shifting them).
        Field::Date => Cow::Borrowed(doc.date.as_deref().unwrap_or_default()),
        Field::Path => Cow::Borrowed(doc.path),
        Field::Body => Cow::Owned(plain_text(doc.html, search.truncate_content_length)),
    }
}

/// A path's words: split at whitespace, `-` and `/`, lowercased (Zola's path tokenizer).
fn path_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// One document's tokens in one field: how many (its length) and each distinct token's
/// count, sorted.
struct FieldTokens {
    length: usize,
    counts: Vec<(String, u32)>,
}

fn tokens_of(lang: &dyn Language, pipeline: &Pipeline, field: Field, text: &str) -> FieldTokens {
    let raw = match field {
        Field::Path => path_tokens(text),
        _ => lang.tokenize(text),
    };
    let mut tokens = pipeline.run(raw);
    let length = tokens.len();
    tokens.sort_unstable();
    let mut counts: Vec<(String, u32)> = Vec::new();
    for token in tokens {
        match counts.last_mut() {
            Some((last, n)) if *last == token => *n += 1,
            _ => counts.push((token, 1)),
        }
    }
    FieldTokens { length, counts }
}

/// An elasticlunr index of a list of documents, ready to be written.
pub(super) struct CompactIndex<'d, 'a> {
    search: SearchConfig,
    lang_name: String,
    pipeline_json: String,
    fields: Vec<Field>,
    /// The documents in the order of their refs, one per ref (the last of equal refs, as the
    /// crate keeps it).
    docs: Vec<&'d Document<'a>>,
    /// Per field (in `fields` order): token -> (document number, count), by document.
    postings: Vec<HashMap<String, Vec<(u32, u32)>>>,
    /// Per document, per field: how many tokens.
    lengths: Vec<Vec<usize>>,
}

/// How many documents are tokenized at once.
const BATCH: usize = 1024;

impl<'d, 'a> CompactIndex<'d, 'a> {
    /// Builds the index of `docs` with language `code`'s pipeline; `None` when elasticlunr
    /// has no such language.
    pub(super) fn build(
        search: &SearchConfig,
        code: &str,
        docs: &'d [Document<'a>],
    ) -> Option<Self> {
        let lang = elasticlunr::lang::from_code(code)?;
        let pipeline_json = serde_json::to_string(&lang.make_pipeline()).unwrap_or_default();
        let fields: Vec<Field> = [
            (search.include_title, Field::Title),
            (search.include_description, Field::Description),
            (search.include_date, Field::Date),
            (search.include_path, Field::Path),
            (search.include_content, Field::Body),
        ]
        .into_iter()
        .filter_map(|(on, field)| on.then_some(field))
        .collect();

        // By ref; of equal refs the last one stays (a later `add_doc` replaces the document).
        let mut sorted: Vec<(usize, &'d Document<'a>)> = docs.iter().enumerate().collect();
        sorted.sort_by(|a, b| a.1.permalink.cmp(b.1.permalink).then(b.0.cmp(&a.0)));
        sorted.dedup_by(|later, kept| later.1.permalink == kept.1.permalink);
        let docs: Vec<&'d Document<'a>> = sorted.into_iter().map(|(_, d)| d).collect();

        let mut postings: Vec<HashMap<String, Vec<(u32, u32)>>> =
            fields.iter().map(|_| HashMap::new()).collect();
        let mut lengths = Vec::with_capacity(docs.len());
        for (batch_no, batch) in docs.chunks(BATCH).enumerate() {
            let tokenized: Vec<Vec<FieldTokens>> = batch
                .par_iter()
                .map_init(
                    || {
                        let lang = elasticlunr::lang::from_code(code);
                        let pipeline = lang.as_ref().map(|l| l.make_pipeline());
                        (lang, pipeline)
                    },
                    |(lang, pipeline), doc| match (lang, pipeline) {
                        (Some(lang), Some(pipeline)) => fields
                            .iter()
                            .map(|&f| {
                                let text = field_value(search, f, doc);
                                tokens_of(lang.as_ref(), pipeline, f, &text)
                            })
                            .collect(),
                        _ => Vec::new(),
                    },
                )
                .collect();
            for (i, doc_fields) in tokenized.into_iter().enumerate() {
                let number = (batch_no * BATCH + i) as u32;
                let mut doc_lengths = Vec::with_capacity(fields.len());
                for (f, tokens) in doc_fields.into_iter().enumerate() {
                    doc_lengths.push(tokens.length);
                    for (token, count) in tokens.counts {
                        // An empty token has no place in the trie (the crate skips it too).
                        if token.is_empty() {
                            continue;
                        }
                        match postings[f].get_mut(token.as_str()) {
                            Some(list) => list.push((number, count)),
                            None => {
                                postings[f].insert(token, vec![(number, count)]);
                            }
                        }
                    }
                }
                lengths.push(doc_lengths);
            }
        }
        Some(CompactIndex {
            search: search.clone(),
            lang_name: lang.name(),
            pipeline_json,
            fields,
            docs,
            postings,
            lengths,
        })
    }

    /// Writes the index as `serde_json::to_writer` writes the crate's `Index`.
    pub(super) fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let field_names: Vec<&str> = self.fields.iter().map(|f| f.name()).collect();
        out.write_all(b"{\"fields\":")?;
        serde_json::to_writer(&mut *out, &field_names)?;
        write!(out, ",\"pipeline\":{}", self.pipeline_json)?;
        out.write_all(b",\"ref\":\"id\",\"version\":\"0.9.5\",\"index\":{")?;
        // The refs, as JSON strings, once.
        let refs: Vec<String> = self
            .docs
            .iter()
            .map(|d| serde_json::to_string(d.permalink).unwrap_or_default())
            .collect();
        for (n, f) in self.by_name().into_iter().enumerate() {
            if n > 0 {
                out.write_all(b",")?;
            }
            write!(out, "\"{}\":", self.fields[f].name())?;
            write_trie(out, &self.postings[f], &refs)?;
        }
        out.write_all(b"},\"documentStore\":{\"save\":true,\"docs\":{")?;
        self.write_docs(out, &refs)?;
        out.write_all(b"},\"docInfo\":{")?;
        // A document without fields has no entry (the crate adds one per field length).
        let with_info = if self.fields.is_empty() {
            &[][..]
        } else {
            &refs[..]
        };
        for (d, reference) in with_info.iter().enumerate() {
            if d > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{reference}:{{")?;
            for (n, f) in self.by_name().into_iter().enumerate() {
                let comma = if n > 0 { "," } else { "" };
                write!(
                    out,
                    "{comma}\"{}\":{}",
                    self.fields[f].name(),
                    self.lengths[d][f]
                )?;
            }
            out.write_all(b"}")?;
        }
        write!(out, "}},\"length\":{}}},\"lang\":", self.docs.len())?;
        serde_json::to_writer(&mut *out, &self.lang_name)?;
        out.write_all(b"}")
    }

    /// The positions in `fields` in the order of the fields' names (how maps keyed by field
    /// name are written).
    fn by_name(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.fields.len()).collect();
        order.sort_by_key(|&f| self.fields[f].name());
        order
    }

    /// The document store's `docs`: each document's fields and its ref (`id`), by name.
    fn write_docs(&self, out: &mut dyn Write, refs: &[String]) -> io::Result<()> {
        for (d, doc) in self.docs.iter().enumerate() {
            if d > 0 {
                out.write_all(b",")?;
            }
            let mut entries: Vec<(&str, Cow<str>)> = self
                .fields
                .iter()
                .map(|&f| (f.name(), field_value(&self.search, f, doc)))
                .collect();
            entries.push(("id", Cow::Borrowed(doc.permalink)));
            entries.sort_by_key(|(name, _)| *name);
            write!(out, "{}:{{", refs[d])?;
            for (n, (name, value)) in entries.iter().enumerate() {
                let comma = if n > 0 { "," } else { "" };
                write!(out, "{comma}\"{name}\":")?;
                serde_json::to_writer(&mut *out, value.as_ref())?;
            }
            out.write_all(b"}")?;
        }
        Ok(())
    }
}

/// Writes one field's inverted index: `{"root":NODE}`, where a node is
/// `{"docs":{REF:{"tf":F},...},"df":N,CHAR:NODE,...}` with its children by character, the
/// token spelled by the path from the root. Tokens in byte order are the trie's depth-first
/// order (UTF-8 keeps the order of code points), so it is written from the sorted tokens
/// with a stack of the open nodes: no recursion, however long a token.
fn write_trie(
    out: &mut dyn Write,
    postings: &HashMap<String, Vec<(u32, u32)>>,
    refs: &[String],
) -> io::Result<()> {
    let mut tokens: Vec<(&str, &Vec<(u32, u32)>)> =
        postings.iter().map(|(t, p)| (t.as_str(), p)).collect();
    tokens.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.write_all(b"{\"root\":{\"docs\":{},\"df\":0")?;
    let mut open: Vec<char> = Vec::new();
    let mut key = [0u8; 4];
    for (token, list) in tokens {
        let chars: Vec<char> = token.chars().collect();
        let common = open.iter().zip(&chars).take_while(|(a, b)| a == b).count();
        for _ in common..open.len() {
            out.write_all(b"}")?;
        }
        open.truncate(common);
        for (i, &c) in chars.iter().enumerate().skip(common) {
            out.write_all(b",")?;
            serde_json::to_writer(&mut *out, c.encode_utf8(&mut key) as &str)?;
            out.write_all(b":{\"docs\":{")?;
            if i + 1 == chars.len() {
                for (n, &(doc, count)) in list.iter().enumerate() {
                    let comma = if n > 0 { "," } else { "" };
                    write!(out, "{comma}{}:{{\"tf\":", refs[doc as usize])?;
                    serde_json::to_writer(&mut *out, &f64::from(count).sqrt())?;
                    out.write_all(b"}")?;
                }
                write!(out, "}},\"df\":{}", list.len())?;
            } else {
                out.write_all(b"},\"df\":0")?;
            }
            open.push(c);
        }
    }
    for _ in 0..open.len() {
        out.write_all(b"}")?;
    }
    out.write_all(b"}}")
}
