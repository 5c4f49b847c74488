//! The local side of a deploy: the files of a finished output tree, each as the object it
//! becomes (bytes as stored, hashes, headers from the matchers).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::config::Matcher;
use super::plan::{Local, Object};
use super::DeployError;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The MD5 of `bytes`, hex (S3's ETag of a single-part upload).
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    hex(&md5::Md5::digest(bytes))
}

/// The Content-Type of the object at `path`: by extension, UTF-8 for text.
pub fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let text = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.essence_str(),
            "application/javascript" | "application/json" | "application/xml"
        );
    match text {
        true => format!("{}; charset=utf-8", mime.essence_str()),
        false => mime.essence_str().to_string(),
    }
}

/// The bytes stored for `source`: its own, or gzipped when `gzip` (with no timestamp, so
/// the same file always gives the same object).
pub fn stored_bytes(source: &Path, gzip: bool) -> Result<Vec<u8>, DeployError> {
    let bytes = std::fs::read(source).map_err(|e| DeployError::Read {
        path: source.to_path_buf(),
        source: e,
    })?;
    if !gzip {
        return Ok(bytes);
    }
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(&bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| DeployError::Read {
            path: source.to_path_buf(),
            source: e,
        })
}

/// The object `bytes` make at `path`.
pub fn object(path: &str, bytes: &[u8], matcher: Option<&Matcher>) -> Object {
    Object {
        hash: format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes)),
        md5: md5_hex(bytes),
        size: bytes.len() as u64,
        content_type: matcher
            .and_then(|m| m.content_type.clone())
            .unwrap_or_else(|| content_type(path)),
        cache_control: matcher.and_then(|m| m.cache_control.clone()),
        content_encoding: matcher.filter(|m| m.gzip).map(|_| "gzip".to_string()),
    }
}

/// Every file under `dir` as the object it becomes, by path. Hidden files and the output
/// layer's temporaries are not part of a site; a symlink is deployed as what it points to.
pub fn locals(dir: &Path, matchers: &[Matcher]) -> Result<Vec<Local>, DeployError> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = entry.map_err(|e| DeployError::Read {
            path: e
                .path()
                .map_or_else(|| dir.to_path_buf(), Path::to_path_buf),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().replace('\\', "/");
        found.push((rel, entry.path().to_path_buf()));
    }
    use rayon::prelude::*;
    found
        .into_par_iter()
        .map(|(path, source)| {
            let matcher = matchers.iter().find(|m| m.matches(&path));
            let bytes = stored_bytes(&source, matcher.is_some_and(|m| m.gzip))?;
            Ok(Local {
                object: object(&path, &bytes, matcher),
                force: matcher.is_some_and(|m| m.force),
                path,
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension_with_utf8_for_text() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("rss.xml"), "text/xml; charset=utf-8");
        assert_eq!(content_type("x.png"), "image/png");
        assert_eq!(content_type("font.woff2"), "font/woff2");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn gzip_is_the_same_bytes_every_time_and_hidden_files_stay_home() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.css"), "body{}".repeat(50)).unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        std::fs::create_dir(dir.path().join(".sitegen-tmp-1")).unwrap();
        std::fs::write(dir.path().join(".sitegen-tmp-1/t"), "x").unwrap();
        let (config, matchers) = super::super::config::parse(
            "[[deployment.matchers]]\npattern = 'css$'\ngzip = true\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert!(config.targets.is_empty());
        let one = locals(dir.path(), &matchers).unwrap();
        let two = locals(dir.path(), &matchers).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].object, two[0].object);
        assert_eq!(one[0].object.content_encoding.as_deref(), Some("gzip"));
        assert!(one[0].object.size < 300);
    }
}
