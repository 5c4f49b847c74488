//! `PendingFile`: one output file streamed through a buffer into its temp, staged for the
//! writer's commit when done (or discarded if dropped).

use std::io::{self, Write};

use xxhash_rust::xxh3::Xxh3;

use super::error::{OutputError, Result};
use super::fsops;
use super::manifest::ContentHash;
use super::temp::TempFile;
use super::writer::{OutputWriter, Target};

/// A file being streamed into the output; see [`OutputWriter::create`].
pub struct PendingFile<'w> {
    writer: &'w OutputWriter,
    target: Target,
    temp: Option<TempFile>,
    hasher: Xxh3,
    size: u64,
}

impl<'w> PendingFile<'w> {
    pub(super) fn new(writer: &'w OutputWriter, target: Target, temp: TempFile) -> Self {
        PendingFile {
            writer,
            target,
            temp: Some(temp),
            hasher: Xxh3::new(),
            size: 0,
        }
    }
}

impl PendingFile<'_> {
    /// Stages the file for the writer's commit (or notes it unchanged).
    pub fn commit(mut self) -> Result<()> {
        let temp = self.temp.take().ok_or(OutputError::Interrupted)?;
        let hash = ContentHash(self.hasher.digest128());
        let target = Target {
            path: self.target.path.clone(),
            full: std::mem::take(&mut self.target.full),
            mode: self.target.mode,
            stamp: self.target.stamp,
        };
        self.writer.stage_streamed(target, hash, self.size, temp)
    }

    /// Streams the file's bytes from `produce` through a buffer; an I/O error is an
    /// [`OutputError`] for this file.
    pub fn fill(&mut self, produce: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
        let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut *self);
        let result = produce(&mut buffered).and_then(|()| buffered.flush());
        drop(buffered);
        result.map_err(|e| match e.downcast::<OutputError>() {
            Ok(inner) => inner,
            Err(e) => OutputError::io("write", &self.target.full, e),
        })
    }

    /// xxh3-128 of the bytes written so far (what [`OutputWriter::keep`] expects).
    pub fn content_hash(&self) -> u128 {
        self.hasher.digest128()
    }

    pub(super) fn append(&mut self, buf: &[u8]) -> Result<()> {
        let temp = self.temp.as_mut().ok_or(OutputError::Interrupted)?;
        temp.open_file()
            .and_then(|f| fsops::write_all(f, buf))
            .map_err(|e| OutputError::io("write", &self.target.full, e))?;
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(())
    }
}

impl Write for PendingFile<'_> {
    /// Writes all of `buf` (errors carry the output path, as an [`OutputError`] inside).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.append(buf).map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
