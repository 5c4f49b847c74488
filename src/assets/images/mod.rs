//! Processed images: what `resize_image` makes, made once and kept.
//!
//! A call is answered at once from the source's header (size, URL, ...); a missing file or
//! an unreadable header fails the render that asked. The results are made after the render
//! jobs, all at once on every core ([`Processor::make_pending`]), as Zola does: made during
//! the call, a page showing twenty photos encoded them one after another on its one render
//! thread (a four-page site with 25 photos took 7.3 s on one core of two). Many pages asking
//! for the same resize share one job. An image that fails to decode then fails the build with
//! what asked for it first: the renders name themselves with [`asking`].
//!
//! A result has two names. Its public one, under `processed_images/`, is Zola's ([`name`]):
//! it depends on the path argument and the operation only, so the URLs of a site moved from
//! Zola stay the same. Its key in the state directory's store ([`store`]) is a hash of the
//! source's bytes, the operation, the format and [`PIPELINE_VERSION`], so an edited image or a
//! new encoder setting is made again while a later build (or another page) asking for the
//! same thing finds it there. After the render jobs, [`Processor::publish`] writes every
//! result asked for in this build through the [`OutputWriter`] (or keeps the file already
//! there when it holds the stored bytes): an image no page asks for any more is not
//! written, so the writer prunes it.
//!
//! A page kept from the previous build does not render, but the build still evaluates its
//! recorded template calls to see whether their results changed: that evaluation asks for
//! its images again (from the store, without encoding), so they are kept too. The build
//! cache's call table is what remembers which outputs use which images.

mod encode;
mod name;
mod ops;
mod source;
mod store;
#[cfg(test)]
mod tests;

pub use encode::Format;
pub use ops::{Instructions, ResizeOp};

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::output::{OutputError, OutputWriter};
use source::Header;

/// The output directory's subdirectory for processed images (Zola's name).
pub const OUTPUT_DIR: &str = "processed_images";

/// Changes whenever the bytes made for the same request may change (an encoder or resize
/// setting): part of every store key, so an old result is never reused.
const PIPELINE_VERSION: &str = "sitegen-images-2";

/// Why an image could not be processed. Every variant but [`ImageError::Argument`] names
/// the file; the template function adds the path it was called with.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0}")]
    Argument(String),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a usable image: {message}", path.display())]
    Decode { path: PathBuf, message: String },
    #[error("cannot make {name} from {}: {message}", path.display())]
    Process {
        path: PathBuf,
        name: String,
        message: String,
    },
    #[error("{} changed while the site was being built; build again", path.display())]
    Changed { path: PathBuf },
    #[error(
        "{} and {} would both be written as {OUTPUT_DIR}/{name}",
        first.display(),
        path.display()
    )]
    SameName {
        path: PathBuf,
        first: PathBuf,
        name: String,
    },
    #[error("cannot store processed image {}: {source}", path.display())]
    Store { path: PathBuf, source: OutputError },
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A result that failed after the render that asked for it (`by`, as [`asking`] named it).
    #[error("{}{error}", if by.is_empty() { String::new() } else { format!("{by}: ") })]
    Asked { by: String, error: Arc<ImageError> },
}

/// What `resize_image` returns (Zola's fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resized {
    pub url: String,
    pub static_path: String,
    pub width: u32,
    pub height: u32,
    pub orig_width: u32,
    pub orig_height: u32,
}

impl Resized {
    pub fn to_value(&self) -> Value {
        json!({
            "url": self.url,
            "static_path": self.static_path,
            "width": self.width,
            "height": self.height,
            "orig_width": self.orig_width,
            "orig_height": self.orig_height,
        })
    }
}

/// A source read once per build: its content hash and header.
#[derive(Clone, Copy)]
struct Source {
    hash: u128,
    header: Header,
}

/// One result asked for in this build.
struct Job {
    /// Its name in the store (see the module doc).
    key: String,
    source: PathBuf,
    source_hash: u128,
    instructions: Instructions,
    format: Format,
    /// What asked for it first ([`asking`]).
    asked_by: String,
    done: OnceLock<Result<(), Arc<ImageError>>>,
}

type Shared<T> = Arc<OnceLock<Result<T, Arc<ImageError>>>>;

thread_local! {
    /// What this thread is rendering, outermost first (`content/a.md`, "shortcode
    /// `figure`"): recorded with the images it asks for, to name in their errors.
    static ASKER: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with `who` as the innermost part of what asks for images on this thread.
pub fn asking<R>(who: impl Into<String>, f: impl FnOnce() -> R) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            ASKER.with(|a| a.borrow_mut().pop());
        }
    }
    ASKER.with(|a| a.borrow_mut().push(who.into()));
    let _pop = Pop;
    f()
}

/// What is asking on this thread, as `content/a.md: shortcode `figure``.
fn asker() -> String {
    ASKER.with(|a| a.borrow().join(": "))
}

/// The image work of one build; shared by every render thread.
pub struct Processor {
    /// `<base_url>/processed_images/`.
    url_prefix: String,
    store: store::Store,
    /// Content hashes the build already knows (from its input scan), by absolute path:
    /// those sources are not read whole just to be hashed.
    known_hashes: HashMap<PathBuf, u128>,
    sources: Mutex<HashMap<PathBuf, Shared<Source>>>,
    jobs: Mutex<BTreeMap<String, Arc<Job>>>,
}

impl Processor {
    /// `base_url` without its trailing slash; `store_dir` in the state directory.
    pub fn new(base_url: &str, store_dir: PathBuf) -> Self {
        Processor {
            url_prefix: format!("{}/{OUTPUT_DIR}/", base_url.trim_end_matches('/')),
            store: store::Store::new(store_dir),
            known_hashes: HashMap::new(),
            sources: Mutex::new(HashMap::new()),
            jobs: Mutex::new(BTreeMap::new()),
        }
    }

    /// Content hashes (xxh3-128 of the whole file) the caller already computed.
    pub fn with_known_hashes(mut self, known: HashMap<PathBuf, u128>) -> Self {
        self.known_hashes = known;
        self
    }

    /// `resize_image` of the file `path`, which the caller found for the template's argument
    /// `src`: answers, and makes sure the result is in the store (encoding it if no build
    /// made it before).
    pub fn resize(
        &self,
        path: &Path,
        src: &str,
        op: ResizeOp,
        format: &str,
        quality: Option<u8>,
        speed: Option<u8>,
    ) -> Result<Resized, Arc<ImageError>> {
        let source = self.source(path)?;
        let format = Format::from_args(format, source.header.lossy(), quality, speed)?;
        let instructions = Instructions::new(op, source.header.size);
        let (width, height) = instructions.checked_output_size(source.header.size)?;
        let name = name::processed_name(path, src, &op, &format);
        let key = store_key(path, source.hash, &op, &format);
        let job = {
            let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let job = jobs.entry(name.clone()).or_insert_with(|| {
                Arc::new(Job {
                    key: key.clone(),
                    source: path.to_path_buf(),
                    source_hash: source.hash,
                    instructions,
                    format,
                    asked_by: asker(),
                    done: OnceLock::new(),
                })
            });
            Arc::clone(job)
        };
        if job.key != key {
            // Zola's name is of the argument, and one argument finds one file: only two
            // arguments whose 64-bit hashes collide get here.
            return Err(Arc::new(ImageError::SameName {
                path: path.to_path_buf(),
                first: job.source.clone(),
                name,
            }));
        }
        if let Some(Err(e)) = job.done.get() {
            return Err(Arc::clone(e));
        }
        Ok(Resized {
            url: format!("{}{name}", self.url_prefix),
            static_path: format!("static/{OUTPUT_DIR}/{name}"),
            width,
            height,
            orig_width: source.header.size.0,
            orig_height: source.header.size.1,
        })
    }

    /// The hash and header of `path`, read once per build.
    fn source(&self, path: &Path) -> Result<Source, Arc<ImageError>> {
        let cell = {
            let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(sources.entry(path.to_path_buf()).or_default())
        };
        cell.get_or_init(|| self.read_source(path).map_err(Arc::new))
            .clone()
    }

    fn read_source(&self, path: &Path) -> Result<Source, ImageError> {
        let read_err = |source| ImageError::Read {
            path: path.to_path_buf(),
            source,
        };
        let decode_err = |message| ImageError::Decode {
            path: path.to_path_buf(),
            message,
        };
        if let Some(&hash) = self.known_hashes.get(path) {
            // Headers sit at the start; a file whose header is longer is read whole, and so
            // is a WebP, whose EXIF chunk (the orientation) follows the image data.
            const PREFIX: u64 = 256 * 1024;
            let prefix = store::read_prefix(path, PREFIX).map_err(read_err)?;
            let whole = (prefix.len() as u64) < PREFIX;
            if let Ok(header) = guarded(|| source::header(&prefix)) {
                if whole || header.metadata_first() {
                    return Ok(Source { hash, header });
                }
            }
        }
        let bytes = std::fs::read(path).map_err(read_err)?;
        let header = guarded(|| source::header(&bytes)).map_err(decode_err)?;
        Ok(Source {
            hash: xxhash_rust::xxh3::xxh3_128(&bytes),
            header,
        })
    }

    /// Makes the result `name` unless the store has it.
    fn make(&self, name: &str, job: &Job) -> Result<(), ImageError> {
        if self.store.contains(&job.key) {
            return Ok(());
        }
        let bytes = self.encode(name, job)?;
        self.store.put(&job.key, &bytes)
    }

    fn encode(&self, name: &str, job: &Job) -> Result<Vec<u8>, ImageError> {
        let path = &job.source;
        let bytes = std::fs::read(path).map_err(|source| ImageError::Read {
            path: path.clone(),
            source,
        })?;
        if xxhash_rust::xxh3::xxh3_128(&bytes) != job.source_hash {
            return Err(ImageError::Changed { path: path.clone() });
        }
        let (img, icc) =
            guarded(|| source::decode(&bytes)).map_err(|message| ImageError::Decode {
                path: path.clone(),
                message,
            })?;
        drop(bytes);
        guarded(|| {
            let img = source::transform(img, &job.instructions)?;
            encode::encode(&img, job.format, icc)
        })
        .map_err(|message| ImageError::Process {
            path: path.clone(),
            name: name.to_string(),
            message,
        })
    }

    /// Writes every result asked for in this build under `processed_images/`: kept as it is
    /// when the file there holds the stored bytes (the output's name stays when its source
    /// changes, so only the bytes tell), else written from the store (made again if the
    /// store lost it). Returns each output path with its content hash, for the build cache.
    /// Runs the files in parallel.
    pub fn publish(&self, writer: &OutputWriter) -> Result<Vec<(String, u128)>, ImageError> {
        self.make_pending()?;
        let jobs: Vec<(String, Arc<Job>)> = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, job)| matches!(job.done.get(), Some(Ok(()))))
            .map(|(name, job)| (name.clone(), Arc::clone(job)))
            .collect();
        jobs.par_iter()
            .map(|(name, job)| {
                let rel = format!("{OUTPUT_DIR}/{name}");
                if let Some(hash) = self.store.stored_hash(&job.key) {
                    if writer.keep(&rel, hash)? {
                        return Ok((rel, hash));
                    }
                }
                let bytes = match self.store.get(&job.key) {
                    Some(bytes) => bytes,
                    None => {
                        let bytes = self.encode(name, job)?;
                        self.store.put(&job.key, &bytes)?;
                        bytes
                    }
                };
                let hash = writer.write(&rel, &bytes)?;
                Ok((rel, hash))
            })
            .collect()
    }

    /// Makes, in parallel, every result asked for that is not made yet (those a build
    /// stored before are only looked up). The error is the first failing result's by name,
    /// after what asked for it.
    pub fn make_pending(&self) -> Result<(), ImageError> {
        let jobs: Vec<(String, Arc<Job>)> = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(name, job)| (name.clone(), Arc::clone(job)))
            .collect();
        let failed: Vec<(Arc<Job>, Arc<ImageError>)> = jobs
            .par_iter()
            .filter_map(|(name, job)| {
                let done = job
                    .done
                    .get_or_init(|| self.make(name, job).map_err(Arc::new));
                done.clone().err().map(|e| (Arc::clone(job), e))
            })
            .collect();
        match failed.into_iter().next() {
            Some((job, error)) => Err(ImageError::Asked {
                by: job.asked_by.clone(),
                error,
            }),
            None => Ok(()),
        }
    }

    /// The stored bytes of the result published as `name` (made first if need be).
    #[cfg(test)]
    fn stored_result(&self, name: &str) -> Option<Vec<u8>> {
        self.make_pending().ok()?;
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        self.store.get(&jobs.get(name)?.key)
    }

    /// How many distinct results this build asked for.
    pub fn requested(&self) -> usize {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// How many results this build encoded (the others came from the store).
    pub fn encoded(&self) -> usize {
        self.store.puts()
    }

    /// Removes from the store what this build did not ask for. Only after a successful
    /// build: a failed one may not have asked for everything the site uses.
    pub fn prune_store(&self) {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let keys: std::collections::HashSet<&str> = jobs.values().map(|j| j.key.as_str()).collect();
        self.store.retain(|key| keys.contains(key));
    }
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("url_prefix", &self.url_prefix)
            .field("requested", &self.requested())
            .finish_non_exhaustive()
    }
}

/// The store's name of a result: `<stem>.<hash>.<ext>`, the hash covering the source's
/// bytes, the operation, the format and [`PIPELINE_VERSION`] (everything the bytes made
/// depend on).
fn store_key(path: &Path, source_hash: u128, op: &ResizeOp, format: &Format) -> String {
    let key = format!(
        "{PIPELINE_VERSION}\n{source_hash:032x}\n{}\n{}",
        op.key(),
        format.key()
    );
    let hash = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "image".into());
    format!("{stem}.{hash:032x}.{}", format.extension())
}

/// Runs decoder and encoder code that should return errors but might panic on a hostile
/// file: a panic becomes an error message instead of taking the build down.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        Err(format!("the decoder failed ({what})"))
    })
}
