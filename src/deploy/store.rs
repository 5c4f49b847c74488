//! The remote side: a target's URL opened as an object store (the `object_store` crate: S3
//! and S3-compatible stores, and `file://` for a directory), and the requests a deploy makes.
//!
//! Credentials come from the provider's standard environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`, ...), never
//! from the config. The URL's query takes Hugo's `region` and `endpoint`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};

use super::plan::{Listed, Object};

/// A target's store and the prefix the site lives under.
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// `file://` keeps no headers: they are recorded in the manifest only.
    headers: bool,
    /// Requests made, for the report.
    pub requests: AtomicUsize,
    /// An S3 target with no credentials in the environment (they can only come from the
    /// machine's metadata service then): said along with a failure.
    pub no_credentials: bool,
}

/// The environment variables that give AWS credentials or say where to find them.
const AWS_CREDENTIALS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

/// The names Hugo's (Go CDK's) documentation gives for Azure credentials, as the store's
/// own keys.
const ENV_ALIASES: &[(&str, &str)] = &[
    ("AZURE_STORAGE_ACCOUNT", "azure_storage_account_name"),
    ("AZURE_STORAGE_KEY", "azure_storage_account_key"),
    ("AZURE_STORAGE_SAS_TOKEN", "azure_storage_sas_key"),
];

/// The target at `url`, with credentials from the process environment; the error says why
/// it cannot be opened.
pub fn open(url: &str) -> Result<Remote, String> {
    open_with(url, std::env::vars())
}

/// [`open`] with the environment `env`.
fn open_with(url: &str, env: impl Iterator<Item = (String, String)>) -> Result<Remote, String> {
    let mut parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    // Hugo writes Azure Blob Storage as `azblob://container`; the store's scheme is `az`.
    if parsed.scheme() == "azblob" {
        let rest = &url["azblob".len()..];
        parsed = url::Url::parse(&format!("az{rest}")).map_err(|e| e.to_string())?;
    }
    let env: Vec<(String, String)> = env
        .filter(|(k, _)| {
            k.starts_with("AWS_") || k.starts_with("GOOGLE_") || k.starts_with("AZURE_")
        })
        .collect();
    let no_aws_credentials = !env
        .iter()
        .any(|(k, _)| AWS_CREDENTIALS.contains(&k.as_str()));
    let mut options: Vec<(String, String)> = env
        .into_iter()
        .map(
            |(k, v)| match ENV_ALIASES.iter().find(|(name, _)| *name == k) {
                Some((_, key)) => (key.to_string(), v),
                None => (k.to_ascii_lowercase(), v),
            },
        )
        .collect();
    for (key, value) in parsed.query_pairs() {
        let key = match key.as_ref() {
            "region" => "aws_region",
            "endpoint" => {
                if value.starts_with("http://") {
                    options.push(("aws_allow_http".into(), "true".into()));
                }
                "aws_endpoint"
            }
            other => {
                return Err(format!(
                    "unknown URL parameter `{other}` (known: region, endpoint)"
                ))
            }
        };
        options.push((key.into(), value.into_owned()));
    }
    // An unreachable endpoint (or credentials service) fails in seconds, not minutes.
    if !options.iter().any(|(k, _)| k == "connect_timeout") {
        options.push(("connect_timeout".into(), "10s".into()));
    }
    if !matches!(parsed.scheme(), "s3" | "s3a" | "gs" | "az" | "file") {
        return Err(format!(
            "`{}://` is not supported (s3://, gs://, azblob://, file://)",
            parsed.scheme()
        ));
    }
    let mut bare = parsed.clone();
    bare.set_query(None);
    let headers = bare.scheme() != "file";
    if bare.scheme() == "file" {
        let dir = bare
            .to_file_path()
            .map_err(|()| "not a local path".to_string())?;
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
    }
    let (store, prefix) =
        object_store::parse_url_opts(&bare, options).map_err(|e| e.to_string())?;
    Ok(Remote {
        store: Arc::from(store),
        prefix: prefix.to_string(),
        headers,
        requests: AtomicUsize::new(0),
        no_credentials: matches!(bare.scheme(), "s3" | "s3a") && no_aws_credentials,
    })
}

impl Remote {
    fn at(&self, path: &str) -> ObjectPath {
        match self.prefix.is_empty() {
            true => ObjectPath::from(path),
            false => ObjectPath::from(format!("{}/{path}", self.prefix)),
        }
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Every object under the prefix, by path relative to it.
    pub async fn list(&self) -> Result<BTreeMap<String, Listed>, String> {
        self.count();
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let mut stream = self.store.list(prefix.as_ref());
        let mut found = BTreeMap::new();
        while let Some(meta) = stream.next().await {
            let meta = meta.map_err(|e| e.to_string())?;
            let full = meta.location.to_string();
            let rel = match self.prefix.is_empty() {
                true => full.as_str(),
                false => full
                    .strip_prefix(&self.prefix)
                    .and_then(|r| r.strip_prefix('/'))
                    .unwrap_or(&full),
            };
            found.insert(
                rel.to_string(),
                Listed {
                    size: meta.size,
                    e_tag: meta.e_tag,
                },
            );
        }
        Ok(found)
    }

    /// The object at `path`, `None` if there is none.
    pub async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        self.count();
        match self.store.get(&self.at(path)).await {
            Ok(result) => Ok(Some(
                result.bytes().await.map_err(|e| e.to_string())?.to_vec(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Stores the file `source` at `path` as one multipart upload, read in parts of `part`
    /// bytes: the object appears only when the upload completes, and an upload whose bytes
    /// are not the planned ones (`object.hash`) is aborted.
    pub async fn put_multipart(
        &self,
        path: &str,
        source: &std::path::Path,
        object: &Object,
        part: usize,
    ) -> Result<(), String> {
        use std::io::Read;
        self.count();
        let options = object_store::PutMultipartOptions {
            attributes: self.attributes(object),
            ..Default::default()
        };
        let upload = self
            .store
            .put_multipart_opts(&self.at(path), options)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, part);
        let mut file =
            std::fs::File::open(source).map_err(|e| format!("{}: {e}", source.display()))?;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut buf = vec![0u8; part];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(format!("{}: {e}", source.display()));
                }
            };
            hasher.update(&buf[..n]);
            if let Err(e) = writer.wait_for_capacity(4).await {
                return Err(format!("{path}: {e}"));
            }
            self.count();
            writer.write(&buf[..n]);
        }
        if format!("{:032x}", hasher.digest128()) != object.hash {
            let _ = writer.abort().await;
            return Err(format!(
                "{}: changed while deploying; nothing of it was uploaded",
                source.display()
            ));
        }
        self.count();
        writer
            .finish()
            .await
            .map(drop)
            .map_err(|e| format!("{path}: {e}"))
    }

    fn attributes(&self, object: &Object) -> Attributes {
        let mut attributes = Attributes::new();
        if self.headers {
            attributes.insert(Attribute::ContentType, object.content_type.clone().into());
            if let Some(c) = &object.cache_control {
                attributes.insert(Attribute::CacheControl, c.clone().into());
            }
            if let Some(e) = &object.content_encoding {
                attributes.insert(Attribute::ContentEncoding, e.clone().into());
            }
        }
        attributes
    }

    /// Stores `bytes` at `path` in one request, with the object's headers.
    pub async fn put(&self, path: &str, bytes: Vec<u8>, object: &Object) -> Result<(), String> {
        self.count();
        let attributes = self.attributes(object);
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.at(path), PutPayload::from(bytes), options)
            .await
            .map(drop)
            .map_err(|e| format!("{path}: {e}"))
    }

    /// Deletes the object at `path` (gone already is fine).
    pub async fn delete(&self, path: &str) -> Result<(), String> {
        self.count();
        match self.store.delete(&self.at(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(format!("{path}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn hugo_urls_open_as_their_stores_with_credentials_from_the_environment() {
        let s3 = open_with(
            "s3://bucket/site/www?region=eu-west-1&endpoint=http://127.0.0.1:9",
            env(&[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")]),
        )
        .unwrap();
        assert_eq!(
            (s3.prefix.as_str(), s3.headers, s3.no_credentials),
            ("site/www", true, false)
        );
        assert!(open_with("s3://bucket", env(&[])).unwrap().no_credentials);
        let gs = open_with("gs://bucket/site", env(&[])).unwrap();
        assert_eq!(gs.prefix, "site");
        let az = open_with(
            "azblob://container/site",
            env(&[
                ("AZURE_STORAGE_ACCOUNT", "acct"),
                ("AZURE_STORAGE_KEY", "a2V5"),
            ]),
        )
        .unwrap();
        assert_eq!(az.prefix, "site");
        for (url, says) in [
            ("not a url", "relative URL"),
            ("s3://bucket?colour=red", "unknown URL parameter `colour`"),
            ("ftp://host/x", "`ftp://` is not supported"),
            ("file:///nonexistent-dir-for-a-test", "not a directory"),
        ] {
            let e = open_with(url, env(&[])).err().unwrap();
            assert!(e.contains(says), "{url}: {e}");
        }
    }
}
