//! `get_hash`, Zola's digest of a file or a string (for subresource integrity), and the
//! SHA-256 a cache-busting `get_url(cachebust=true)` appends as `?h=`.
//!
//! Zola's defaults are kept exactly (SHA-384, base64) because templates paste the result into
//! `integrity="sha384-..."` attributes, where any other encoding silently breaks the page.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};
use tera::{Error, Result as TeraResult};

use super::files::FileScope;

const NAME: &str = "get_hash";

/// `get_hash(path=... | literal=..., sha_type=256|384|512, base64=true|false)`.
pub fn get_hash(args: &HashMap<String, Value>, scope: &FileScope) -> TeraResult<Value> {
    let path = string_arg(args, "path")?;
    let literal = string_arg(args, "literal")?;
    let contents = match (path, literal) {
        (Some(_), Some(_)) => {
            return Err(Error::msg(format!(
                "`{NAME}`: give only one of `path` or `literal`"
            )))
        }
        (None, None) => {
            return Err(Error::msg(format!(
                "`{NAME}`: needs a `path` or a `literal` argument"
            )))
        }
        (Some(path), None) => {
            let found = scope.find_existing(NAME, path)?;
            scope.read(NAME, &found)?.to_vec()
        }
        (None, Some(literal)) => literal.as_bytes().to_vec(),
    };
    let sha_type = match args.get("sha_type") {
        None => 384,
        Some(v) => v.as_u64().ok_or_else(|| {
            Error::msg(format!(
                "`{NAME}`: `sha_type` must be 256, 384 or 512, not {v}"
            ))
        })?,
    };
    let base64 = match args.get("base64") {
        None => true,
        Some(v) => v.as_bool().ok_or_else(|| {
            Error::msg(format!("`{NAME}`: `base64` must be true or false, not {v}"))
        })?,
    };
    let digest = match sha_type {
        256 => Sha256::digest(&contents).to_vec(),
        384 => Sha384::digest(&contents).to_vec(),
        512 => Sha512::digest(&contents).to_vec(),
        other => {
            return Err(Error::msg(format!(
                "`{NAME}`: `sha_type` must be 256, 384 or 512, not {other}"
            )))
        }
    };
    Ok(Value::String(if base64 {
        base64::engine::general_purpose::STANDARD.encode(&digest)
    } else {
        hex(&digest)
    }))
}

/// The lowercase hex SHA-256 of a file's bytes. Zola's `get_url(cachebust=true)` appends
/// `?h=` and the first 20 characters of this.
pub fn file_sha256_hex(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// The lowercase hex SHA-256 of `bytes` (as [`file_sha256_hex`]).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn string_arg<'a>(args: &'a HashMap<String, Value>, name: &str) -> TeraResult<Option<&'a str>> {
    match args.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::msg(format!(
            "`{NAME}`: `{name}` must be a string, not {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::functions::files::Network;
    use serde_json::json;

    // Expected digests computed outside Rust (`sha256sum`, `sha384sum`, `sha512sum`,
    // `openssl dgst -binary | base64`).
    const HELLO_SHA256_HEX: &str =
        "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e";
    const HELLO_SHA384_HEX: &str = "99514329186b2f6ae4a1329e7ee6c610a729636335174ac6b740f9028396fcc803d0e93863a7c3d90f86beee782f4f3f";
    const HELLO_SHA384_B64: &str =
        "mVFDKRhrL2rkoTKefubGEKcpY2M1F0rGt0D5AoOW/MgD0Ok4Y6fD2Q+Gvu54L08/";
    const HELLO_SHA512_B64: &str =
        "LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==";
    const CSS: &str = "body { color: red }\n";
    const CSS_SHA256_HEX: &str = "d92e15bd3da4deb8dabf98b78a77ab1deee826c9b6633c7b91218f80a4fcdb2a";
    const CSS_SHA256_B64: &str = "2S4VvT2k3rjav5i3inerHe7oJsm2Yzx7kSGPgKT82yo=";
    const CSS_SHA512_HEX: &str = "fb08b41334616097b6c159df3c17752e4f66c76b241a480f418dd0ed855e3df770340e69e9edfcca9024887a454b85ece524b61babecfa37cb93bcd6e2f11d73";

    fn scope() -> (tempfile::TempDir, FileScope) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static/css")).unwrap();
        crate::output::atomic_write(dir.path().join("static/css/app.css"), CSS).unwrap();
        let scope = FileScope::new(
            dir.path().to_path_buf(),
            None,
            dir.path().join(".sitegen"),
            Network::Offline,
        );
        (dir, scope)
    }

    fn call(scope: &FileScope, args: Value) -> TeraResult<Value> {
        let args: HashMap<String, Value> = serde_json::from_value(args).unwrap();
        get_hash(&args, scope)
    }

    #[test]
    fn literal_digests() {
        let (_dir, s) = scope();
        let lit = "Hello World";
        assert_eq!(call(&s, json!({"literal": lit})).unwrap(), HELLO_SHA384_B64);
        assert_eq!(
            call(&s, json!({"literal": lit, "base64": false})).unwrap(),
            HELLO_SHA384_HEX
        );
        assert_eq!(
            call(
                &s,
                json!({"literal": lit, "sha_type": 256, "base64": false})
            )
            .unwrap(),
            HELLO_SHA256_HEX
        );
        assert_eq!(
            call(&s, json!({"literal": lit, "sha_type": 512})).unwrap(),
            HELLO_SHA512_B64
        );
    }

    #[test]
    fn file_digests() {
        let (dir, s) = scope();
        assert_eq!(
            call(&s, json!({"path": "css/app.css", "sha_type": 256})).unwrap(),
            CSS_SHA256_B64
        );
        assert_eq!(
            call(
                &s,
                json!({"path": "static/css/app.css", "sha_type": 512, "base64": false})
            )
            .unwrap(),
            CSS_SHA512_HEX
        );
        assert!(s
            .files_read()
            .contains(&dir.path().join("static/css/app.css")));
        assert_eq!(
            file_sha256_hex(&dir.path().join("static/css/app.css")).unwrap(),
            CSS_SHA256_HEX
        );
    }

    #[test]
    fn bad_arguments_are_errors_naming_them() {
        let (_dir, s) = scope();
        let err = |args| call(&s, args).unwrap_err().to_string();
        assert!(err(json!({})).contains("`path` or a `literal`"));
        assert!(err(json!({"path": "a", "literal": "b"})).contains("only one"));
        assert!(err(json!({"literal": "a", "sha_type": 1})).contains("sha_type"));
        assert!(err(json!({"literal": "a", "sha_type": "256"})).contains("sha_type"));
        assert!(err(json!({"literal": "a", "base64": "yes"})).contains("base64"));
        assert!(err(json!({"literal": 3})).contains("literal"));
        let missing = err(json!({"path": "js/missing.js"}));
        assert!(
            missing.contains("get_hash") && missing.contains("js/missing.js"),
            "{missing}"
        );
        let outside = err(json!({"path": "../outside.css"}));
        assert!(
            outside.contains("cannot find file `../outside.css`"),
            "{outside}"
        );
    }
}
