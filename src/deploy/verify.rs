//! `sitegen verify --target NAME`: the bucket against the local tree, as `verify` checks an
//! output directory against its manifest: what is missing, what differs, what an earlier
//! deploy left that this tree no longer has, and what no deploy of this site wrote.

use serde::Serialize;

use super::plan::{Listed, Local, Manifest, MANIFEST};
use super::{store, DeployError, DeployOptions};

/// What `verify --target` found.
#[derive(Debug, Serialize)]
pub struct BucketReport {
    pub target: String,
    pub url: String,
    /// Objects of the local tree checked.
    pub objects: usize,
    /// In the tree, not in the bucket.
    pub missing: Vec<String>,
    /// In both, with other bytes.
    pub changed: Vec<String>,
    /// Recorded by the last deploy's manifest, no longer in the tree (a deploy deletes them).
    pub stale: Vec<String>,
    /// Neither in the tree nor written by a deploy: left alone, listed for information.
    pub foreign: Vec<String>,
}

impl BucketReport {
    /// Nothing missing, changed or stale.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.stale.is_empty()
    }
}

impl std::fmt::Display for BucketReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (what, paths) in [
            ("missing", &self.missing),
            ("changed", &self.changed),
            ("stale", &self.stale),
            ("foreign", &self.foreign),
        ] {
            for path in paths {
                writeln!(f, "{what:8} {path}")?;
            }
        }
        write!(
            f,
            "sitegen: target `{}` ({}): {} objects checked, {} missing, {} changed, {} stale{}",
            self.target,
            self.url,
            self.objects,
            self.missing.len(),
            self.changed.len(),
            self.stale.len(),
            match self.foreign.len() {
                0 => String::new(),
                n => format!(" ({n} objects no deploy wrote, left alone)"),
            }
        )
    }
}

/// Checks the chosen target against `options.source`.
pub fn verify(options: &DeployOptions) -> Result<BucketReport, DeployError> {
    let super::Opened {
        target,
        remote,
        locals,
        ..
    } = super::open(options)?;
    let failed = |message: String| DeployError::Store {
        name: target.name.clone(),
        message,
        uploaded: 0,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failed(e.to_string()))?;
    runtime.block_on(async {
        let listed = remote.list().await.map_err(&failed)?;
        let manifest = match listed.contains_key(MANIFEST) {
            true => remote.get(MANIFEST).await.map_err(&failed)?,
            false => None,
        };
        let manifest = manifest
            .as_deref()
            .and_then(Manifest::parse)
            .unwrap_or_default();
        let mut report = BucketReport {
            target: target.name.clone(),
            url: target.url.clone(),
            objects: locals.len(),
            missing: Vec::new(),
            changed: Vec::new(),
            stale: Vec::new(),
            foreign: Vec::new(),
        };
        for local in &locals {
            match listed.get(&local.path) {
                None => report.missing.push(local.path.clone()),
                Some(there) if !same(&remote, local, there).await.map_err(&failed)? => {
                    report.changed.push(local.path.clone())
                }
                Some(_) => {}
            }
        }
        let local: std::collections::BTreeSet<&str> =
            locals.iter().map(|l| l.path.as_str()).collect();
        for path in listed
            .keys()
            .filter(|p| *p != MANIFEST && !local.contains(p.as_str()))
        {
            match manifest.objects.contains_key(path) || manifest.pending_deletes.contains(path) {
                true => report.stale.push(path.clone()),
                false => report.foreign.push(path.clone()),
            }
        }
        Ok(report)
    })
}

/// Whether the object listed as `there` has `local`'s bytes: by S3's MD5 ETag when the
/// store gives one, else by fetching it.
async fn same(remote: &store::Remote, local: &Local, there: &Listed) -> Result<bool, String> {
    if there.size != local.object.size {
        return Ok(false);
    }
    if let Some(md5) = super::plan::md5_of(there) {
        return Ok(md5 == local.object.md5);
    }
    let bytes = remote.get(&local.path).await?.unwrap_or_default();
    Ok(format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes)) == local.object.hash)
}
