//! The generator of the `generate` example, and what it writes: shared with
//! `tests/kill_generator.rs`, which SIGKILLs it and checks the tree against [`expected`].

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use atomic_output_dir::{
    verify, Durability, LockMode, OutputError, OutputOptions, OutputWriter, Publish,
};

/// What to generate, and where.
pub struct Settings {
    /// The output directory (the tree readers see).
    pub out: PathBuf,
    /// The writer's state (lock, manifests): beside the output, never in it.
    pub state: PathBuf,
    /// Which version of the site: every file's bytes depend on it.
    pub version: usize,
    /// Pages of version 0; later versions drop up to 75 of them, so pruning is exercised.
    pub pages: usize,
    /// Size of the one large, streamed file.
    pub large_bytes: usize,
    /// How hard the commit works to survive power loss.
    pub durability: Durability,
}

impl Settings {
    /// The state directory the example uses for `out`: `.NAME-state` beside it.
    pub fn state_beside(out: &Path) -> PathBuf {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
        out.with_file_name(format!(".{}-state", name.unwrap_or_default()))
    }
}

/// How many pages `version` has.
pub fn page_count(pages: usize, version: usize) -> usize {
    pages.saturating_sub((version % 4) * 25)
}

/// The path of page `i`.
pub fn page_path(i: usize) -> String {
    format!("posts/{:02}/{i}/index.html", i % 30)
}

/// The bytes of page `i` in `version`: sizes differ between versions, so a torn or truncated
/// file never passes for a whole one.
pub fn page(i: usize, version: usize) -> Vec<u8> {
    let filler = 300 + (i * 7919 + version * 104_729) % 6000;
    let mut html = format!(
        "<!doctype html><title>Post {i}</title><h1>Post {i}</h1><p>version {version}</p><pre>"
    );
    html.extend(std::iter::repeat_n(
        char::from(b'a' + (version % 26) as u8),
        filler,
    ));
    html.push_str(&format!("</pre><!-- end {i} {version} -->\n"));
    html.into_bytes()
}

/// The home page: a list of every page.
pub fn index(count: usize, version: usize) -> Vec<u8> {
    let mut html = format!("<!doctype html><title>Home</title><h1>Version {version}</h1><ul>\n");
    for i in 0..count {
        html.push_str(&format!("<li><a href=\"/{}\">Post {i}</a>\n", page_path(i)));
    }
    html.push_str("</ul>\n");
    html.into_bytes()
}

/// The path of the large file.
pub const LARGE: &str = "downloads/archive.bin";

/// Writes the large file's bytes for `version` to `w`, 64 KiB at a time.
pub fn large(w: &mut dyn Write, bytes: usize, version: usize) -> io::Result<()> {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut written = 0;
    while written < bytes {
        let n = chunk.len().min(bytes - written);
        for (k, b) in chunk[..n].iter_mut().enumerate() {
            *b = ((written + k) as u64 * 31 + version as u64) as u8;
        }
        w.write_all(&chunk[..n])?;
        written += n;
    }
    Ok(())
}

/// Every small file of `version` with its bytes (the large one aside).
pub fn expected(pages: usize, version: usize) -> Vec<(String, Vec<u8>)> {
    let count = page_count(pages, version);
    let mut files: Vec<_> = (0..count)
        .map(|i| (page_path(i), page(i, version)))
        .collect();
    files.push(("index.html".into(), index(count, version)));
    files
}

/// Generates the site: every file through one writer, committed at once by a swap, then
/// verified. Prints a line at each step (the kill test times its kills by them).
pub fn generate(settings: &Settings) -> Result<(), OutputError> {
    let options = OutputOptions::new(&settings.state)
        .durability(settings.durability)
        .publish(Publish::Swap);
    // Nothing the writer does is visible until `finish`; an early return drops it and
    // leaves the previous tree as it was.
    let writer = OutputWriter::open(&settings.out, options)?;
    println!("opened");
    for (path, bytes) in expected(settings.pages, settings.version) {
        writer.write(&path, &bytes)?;
    }
    let mut archive = writer.create(LARGE)?;
    archive.fill(|w| large(w, settings.large_bytes, settings.version))?;
    archive.commit()?;
    println!("committing");
    let report = writer.finish()?;
    println!(
        "committed: {} written, {} unchanged, {} pruned, swapped: {}{}",
        report.written,
        report.unchanged,
        report.pruned,
        report.swapped,
        report
            .publish_notice
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    let check = verify(&settings.out, &settings.state, LockMode::Wait)?;
    println!("verify: {check}");
    match check.is_clean() {
        true => Ok(()),
        false => Err(OutputError::NotVerifiable {
            path: settings.out.clone(),
            reason: "the tree just committed does not verify".into(),
        }),
    }
}
