//! `sitegen deploy`: a finished output tree onto object storage, so that readers never see a
//! half-deployed site.
//!
//! A deploy reads the local tree (the live output, or `--source`), the bucket's listing and
//! the manifest the last deploy left beside the site ([`plan::MANIFEST`]), plans (see
//! [`plan`] for the order and what may be deleted), checks the delete cap before any request
//! changes the bucket, then uploads assets, then pages, then the new manifest, then deletes.
//! Each object goes up in one PUT, so it is whole or absent. A deploy killed halfway leaves
//! every page it uploaded with its assets already there; run again, it finds the objects
//! already uploaded by their ETag (S3's MD5 of a single-part upload) or by the manifest, and
//! uploads only the rest.

pub mod config;
pub mod files;
pub mod plan;
mod store;
mod verify;

pub use verify::{verify, BucketReport};

use std::path::PathBuf;

use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;

use plan::{Local, Manifest, Stage, MANIFEST};

/// What can go wrong; nothing in the bucket has changed unless the error says so.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error("{}: cannot read ({source})", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: no deployment target named `{name}` (known: {known})", path.display())]
    UnknownTarget {
        path: PathBuf,
        name: String,
        known: String,
    },
    #[error("{}: no [[deployment.targets]] to deploy to", path.display())]
    NoTargets { path: PathBuf },
    #[error("{}: several deployment targets ({known}): name one with --target", path.display())]
    WhichTarget { path: PathBuf, known: String },
    #[error("deployment target `{name}`: cannot open `{url}`: {message}")]
    Open {
        name: String,
        url: String,
        message: String,
    },
    #[error("{} is not a directory: build the site first, or name a tree with --source", path.display())]
    NoSource { path: PathBuf },
    #[error("deployment target `{name}`: {count} objects to delete, over the limit of {limit} (--max-deletes): nothing was uploaded or deleted")]
    TooManyDeletes {
        name: String,
        count: usize,
        limit: usize,
    },
    #[error("deployment target `{name}`: {message}{}", stage_note(*uploaded))]
    Store {
        name: String,
        message: String,
        /// Objects uploaded before the failure (a rerun finishes the job).
        uploaded: usize,
    },
}

fn stage_note(uploaded: usize) -> String {
    match uploaded {
        0 => " (the bucket is unchanged)".into(),
        n => format!(" ({n} objects were uploaded first; run the deploy again to finish)"),
    }
}

/// What to deploy where.
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// The site's config (its `[deployment]` table).
    pub config_file: PathBuf,
    /// The tree to deploy.
    pub source: PathBuf,
    /// `--target`: needed when the config has several.
    pub target: Option<String>,
    pub dry_run: bool,
    /// At most this many deletes (default: the config's `maxDeletes`, else 256).
    pub max_deletes: Option<usize>,
    /// Uploads at once (default: the config's `workers`, else 8).
    pub jobs: Option<usize>,
}

/// One upload of the report.
#[derive(Debug, Serialize)]
pub struct Uploaded {
    pub path: String,
    pub stage: Stage,
    pub size: u64,
    pub content_type: String,
}

/// What a deploy did (or, with `--dry-run`, would do).
#[derive(Debug, Serialize)]
pub struct DeployReport {
    pub target: String,
    pub url: String,
    pub dry_run: bool,
    /// In the order they went up.
    pub uploads: Vec<Uploaded>,
    pub deletes: Vec<String>,
    pub unchanged: usize,
    pub bytes_uploaded: u64,
    /// Requests made to the store (listing pages count as one).
    pub requests: usize,
}

/// What a deploy and `verify --target` both start from.
struct Opened {
    deployment: config::DeploymentConfig,
    target: config::Target,
    remote: store::Remote,
    locals: Vec<Local>,
}

/// Reads the deployment settings, picks the target, opens its store and reads the local
/// tree as the objects it becomes.
fn open(options: &DeployOptions) -> Result<Opened, DeployError> {
    let (deployment, matchers) = config::load(&options.config_file)?;
    let target = deployment
        .target(options.target.as_deref(), &options.config_file)?
        .clone();
    if !options.source.is_dir() {
        return Err(DeployError::NoSource {
            path: options.source.clone(),
        });
    }
    let remote = store::open(&target.url).map_err(|message| DeployError::Open {
        name: target.name.clone(),
        url: target.url.clone(),
        message,
    })?;
    let locals = files::locals(&options.source, &matchers)?;
    Ok(Opened {
        deployment,
        target,
        remote,
        locals,
    })
}

/// Deploys `options.source` to the chosen target.
pub fn deploy(options: &DeployOptions) -> Result<DeployReport, DeployError> {
    let Opened {
        deployment,
        target,
        remote,
        locals,
    } = open(options)?;
    let limit = options
        .max_deletes
        .or(deployment.max_deletes)
        .unwrap_or(256);
    let jobs = options.jobs.or(deployment.workers).unwrap_or(8).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DeployError::Read {
            path: options.source.clone(),
            source: e,
        })?;
    let failed = |message: String, uploaded: usize| {
        DeployError::Store {
        name: target.name.clone(),
        message: match remote.no_credentials {
            true => format!("{message} (no credentials in the environment: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"),
            false => message,
        },
        uploaded,
    }
    };
    runtime.block_on(async {
        let listed = remote.list().await.map_err(|m| failed(m, 0))?;
        let previous = match listed.contains_key(MANIFEST) {
            true => remote.get(MANIFEST).await.map_err(|m| failed(m, 0))?,
            false => None,
        };
        let previous = previous.as_deref().and_then(Manifest::parse);
        let plan = plan::plan(&locals, &listed, previous.as_ref());
        if plan.deletes.len() > limit {
            return Err(DeployError::TooManyDeletes {
                name: target.name.clone(),
                count: plan.deletes.len(),
                limit,
            });
        }
        let mut report = DeployReport {
            target: target.name.clone(),
            url: target.url.clone(),
            dry_run: options.dry_run,
            uploads: plan.uploads.iter().map(|&i| uploaded(&locals[i])).collect(),
            deletes: plan.deletes.clone(),
            unchanged: plan.unchanged,
            // Planned; on a dry run, what would go up.
            bytes_uploaded: plan.uploads.iter().map(|&i| locals[i].object.size).sum(),
            requests: 0,
        };
        let nothing_to_do =
            plan.uploads.is_empty() && plan.deletes.is_empty() && previous.is_some();
        if !options.dry_run && !nothing_to_do {
            apply(&remote, &locals, &plan, jobs)
                .await
                .map_err(|(m, n)| failed(m, n))?;
        }
        report.requests = remote.requests.load(std::sync::atomic::Ordering::Relaxed);
        Ok(report)
    })
}

fn uploaded(local: &Local) -> Uploaded {
    Uploaded {
        path: local.path.clone(),
        stage: Stage::of(&local.path),
        size: local.object.size,
        content_type: local.object.content_type.clone(),
    }
}

/// Carries out `plan`: each stage's uploads in parallel (at most `jobs` at once), a stage
/// only once the one before it is complete, then the manifest, then the deletes. An error
/// carries the number of objects uploaded before it.
async fn apply(
    remote: &store::Remote,
    locals: &[Local],
    plan: &plan::Plan,
    jobs: usize,
) -> Result<(), (String, usize)> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    for stage in [Stage::Asset, Stage::Page] {
        let batch: Vec<&Local> = plan
            .uploads
            .iter()
            .map(|&i| &locals[i])
            .filter(|l| Stage::of(&l.path) == stage)
            .collect();
        futures_util::stream::iter(batch)
            .map(|local| async {
                upload(remote, local).await?;
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok::<(), String>(())
            })
            .buffer_unordered(jobs)
            .try_collect::<Vec<()>>()
            .await
            .map_err(|m| (m, done.load(std::sync::atomic::Ordering::Relaxed)))?;
    }
    let uploaded = done.load(std::sync::atomic::Ordering::Relaxed);
    let put_manifest = |pending: &[String]| {
        let manifest = Manifest::of(locals, pending);
        let manifest = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        let record = files::object(MANIFEST, &manifest, None);
        async move { remote.put(MANIFEST, manifest, &record).await }
    };
    put_manifest(&plan.deletes)
        .await
        .map_err(|m| (m, uploaded))?;
    if !plan.deletes.is_empty() {
        for path in &plan.deletes {
            remote.delete(path).await.map_err(|m| (m, uploaded))?;
        }
        put_manifest(&[]).await.map_err(|m| (m, uploaded))?;
    }
    Ok(())
}

/// Objects over this many bytes go up as multipart uploads (S3 takes at most 5 GiB in one
/// PUT; the upload reads the file part by part); `SITEGEN_DEPLOY_MULTIPART_OVER` sets
/// another limit (the tests use a small one).
fn multipart_over() -> u64 {
    std::env::var("SITEGEN_DEPLOY_MULTIPART_OVER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64 << 20)
}

/// Uploads one file, checking it is still the file that was planned.
async fn upload(remote: &store::Remote, local: &Local) -> Result<(), String> {
    let gzip = local.object.content_encoding.is_some();
    if !gzip && local.object.size > multipart_over() {
        // Parts of at least 5 MiB, as S3 requires of every part but the last.
        let part = (multipart_over() as usize).clamp(5 << 20, 16 << 20);
        return remote
            .put_multipart(&local.path, &local.source, &local.object, part)
            .await;
    }
    let bytes = files::stored_bytes(&local.source, gzip).map_err(|e| e.to_string())?;
    let now = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes));
    if now != local.object.hash {
        return Err(format!(
            "{}: changed while deploying; nothing of it was uploaded",
            local.source.display()
        ));
    }
    remote.put(&local.path, bytes, &local.object).await
}
