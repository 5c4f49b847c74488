//! What `sitegen build` prints when it is done (text or JSON), and the `--changed-files` list.

use std::path::Path;

use super::values::Format;
use crate::output::Change;
use crate::site::BuildSummary;

/// Prints the summary line (text) or object (JSON) of a build.
pub(super) fn print(summary: &BuildSummary, format: Format) {
    let r = &summary.report;
    let ms = summary.elapsed.as_millis();
    match format {
        Format::Text
            if summary.pages == 0 && summary.rendered == 0 && r.written == 0 && r.pruned == 0 =>
        {
            println!(
                "sitegen: nothing changed; {} outputs unchanged in {ms} ms",
                r.unchanged
            )
        }
        Format::Text => {
            let why = summary
                .full_reason
                .as_ref()
                .map(|w| format!(" (full render: {w})"))
                .unwrap_or_default();
            let images = match summary.images_encoded {
                0 => String::new(),
                n => format!(", {n} images encoded"),
            };
            println!(
                "sitegen: built {} pages, {} sections into {}: {} rendered, {} written, {} unchanged, {} pruned{images} in {ms} ms{why}",
                summary.pages,
                summary.sections,
                summary.output_dir.display(),
                summary.rendered,
                r.written,
                r.unchanged,
                r.pruned,
            )
        }
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "ok": true,
                "pages": summary.pages,
                "sections": summary.sections,
                "output_dir": summary.output_dir,
                "rendered": summary.rendered,
                "sass_compiled": summary.sass_compiled,
                "written": r.written,
                "unchanged": r.unchanged,
                "pruned": r.pruned,
                "images_encoded": summary.images_encoded,
                "search_indexes_built": summary.search_indexes_built,
                "swapped": r.swapped,
                "changes": r.changes,
                "full_render_reason": summary.full_reason,
                "bytes_written": r.bytes_written,
                "temps_swept": r.temps_swept,
                "sync_ms": r.sync_time.as_millis() as u64,
                "elapsed_ms": ms as u64,
                "warnings": summary.warnings,
            })
        ),
    }
}

/// Writes a commit's changes to `path` as JSON lines (`--changed-files`), atomically; the
/// exit code on failure.
pub(super) fn write_changes(path: &Path, changes: &[Change]) -> Result<(), i32> {
    let lines: String = changes
        .iter()
        .map(|c| serde_json::to_string(c).unwrap_or_default() + "\n")
        .collect();
    crate::output::atomic_write(path, lines.as_bytes()).map_err(|e| {
        eprintln!(
            "sitegen: error: {}: cannot write the changed files ({e})",
            path.display()
        );
        1
    })
}
