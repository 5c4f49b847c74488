//! The platform seam: every Linux-specific call of the output layer, with a portable fallback.
//!
//! Linux gives three things the portable code cannot:
//! - `O_TMPFILE`: a temp file with no name, which the kernel frees if the process dies, so a
//!   SIGKILL during staging leaves nothing behind. It gets a name (`linkat` with
//!   `AT_EMPTY_PATH`) only at commit. Where that link is not allowed (it needs
//!   `CAP_DAC_READ_SEARCH`; the `/proc/self/fd` route fails with EXDEV on some kernels), the
//!   writer probes once and uses named temps instead.
//! - `sync_file_range(SYNC_FILE_RANGE_WRITE)`: starts writeback of a finished temp at once, so
//!   the disk works while the build renders the next page.
//! - `syncfs`: one call that waits for all of it (data and metadata) instead of one fsync per
//!   file and per directory.
//! - `renameat2(RENAME_EXCHANGE)`: swaps two directories' names in one step, which is how
//!   a whole site is published at once (`Publish::Swap`).
//!
//! Elsewhere the fallbacks are: no anonymous temps, no writeback kick, and `sync_filesystem`
//! returns `Unsupported` so the caller fsyncs files and directories one by one.
//!
//! The calls here that change the disk are made only through [`fsops`](super::fsops), the
//! layer's one door for such calls (which records them in tests).

use std::fs::File;
use std::io;
use std::path::Path;

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::CString;
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;

    pub fn open_anonymous(dir: &Path, mode: u32) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .mode(mode)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
    }

    pub fn link_anonymous(file: &File, target: &Path) -> io::Result<()> {
        let target = CString::new(target.as_os_str().as_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let empty = c"";
        // SAFETY: both strings are valid NUL-terminated C strings; the fd is owned by `file`.
        let rc = unsafe {
            libc::linkat(
                file.as_raw_fd(),
                empty.as_ptr(),
                libc::AT_FDCWD,
                target.as_ptr(),
                libc::AT_EMPTY_PATH,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    pub fn kick_writeback(file: &File) {
        // SAFETY: plain syscall on an fd we own; failure only means no early writeback.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }

    pub fn sync_filesystem(any_path_on_it: &Path) -> io::Result<()> {
        let dir = File::open(any_path_on_it)?;
        // SAFETY: plain syscall on an fd we own.
        let rc = unsafe { libc::syncfs(dir.as_raw_fd()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// The process umask, read from `/proc/self/status` (reading it with `umask(2)` would
    /// briefly change it for every thread).
    pub fn umask() -> Option<u32> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Umask:"))?;
        u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
    }

    /// Raises the soft open-file limit to the hard one and returns the new soft limit.
    pub fn raise_open_file_limit() -> u64 {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit write/read the struct we pass.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return 1024;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim.rlim_cur = lim.rlim_max;
                }
            }
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every target
        let soft = lim.rlim_cur as u64;
        soft
    }

    pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
        let a = CString::new(a.as_os_str().as_bytes())?;
        let b = CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: two valid NUL-terminated paths; the kernel swaps the two names atomically.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    pub fn file_stamp_at(dir: &File, rel: &str) -> io::Result<Option<(u64, i128)>> {
        let name = CString::new(rel)?;
        // SAFETY: `stat` is plain data, filled by the kernel on success.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid fd, NUL-terminated name, a `stat` to write into.
        let r = unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                name.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Ok(None);
        }
        let ns = i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec);
        Ok(Some((st.st_size as u64, ns)))
    }

    pub fn open_read_at(dir: &File, rel: &str) -> io::Result<File> {
        use std::os::unix::io::FromRawFd;
        let name = CString::new(rel)?;
        // O_NONBLOCK: a FIFO put where a file was must not hang the reader.
        let flags =
            libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
        // SAFETY: valid fd, NUL-terminated name; a returned fd is ours to own.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and nothing else owns it.
        Ok(unsafe { File::from_raw_fd(fd) })
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    pub fn open_anonymous(_dir: &Path, _mode: u32) -> io::Result<File> {
        Err(io::ErrorKind::Unsupported.into())
    }
    pub fn link_anonymous(_file: &File, _target: &Path) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    pub fn kick_writeback(_file: &File) {}
    pub fn sync_filesystem(_any_path_on_it: &Path) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    pub fn raise_open_file_limit() -> u64 {
        256
    }
    pub fn umask() -> Option<u32> {
        None
    }
    pub fn file_stamp_at(_dir: &File, _rel: &str) -> io::Result<Option<(u64, i128)>> {
        Err(io::ErrorKind::Unsupported.into())
    }
    pub fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    pub fn open_read_at(_dir: &File, _rel: &str) -> io::Result<File> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Swaps the names `a` and `b` (two directories) in one step (Linux
/// `renameat2(RENAME_EXCHANGE)`); an error where the kernel or file system lacks it.
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    imp::exchange(a, b)
}

/// The device and inode of `path`: what identifies a directory across renames.
pub(crate) fn dir_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_dir().then(|| (meta.dev(), meta.ino()))
}

/// Opens an unnamed temp file in `dir` (Linux `O_TMPFILE`); `Unsupported` elsewhere.
pub(crate) fn open_anonymous(dir: &Path, mode: u32) -> io::Result<File> {
    imp::open_anonymous(dir, mode)
}

/// Gives an unnamed temp file the name `target` (which must not exist).
pub(crate) fn link_anonymous(file: &File, target: &Path) -> io::Result<()> {
    imp::link_anonymous(file, target)
}

/// Starts (does not wait for) writeback of `file`'s data.
pub(crate) fn kick_writeback(file: &File) {
    imp::kick_writeback(file)
}

/// Makes everything written on the file system holding `path` durable; `Unsupported` where the
/// platform has no such call.
pub(crate) fn sync_filesystem(path: &Path) -> io::Result<()> {
    imp::sync_filesystem(path)
}

/// Raises the soft open-file limit as far as allowed and returns it.
pub(crate) fn raise_open_file_limit() -> u64 {
    imp::raise_open_file_limit()
}

/// The mode a new file gets from `0644` under this process's umask, if known. Read once.
pub(crate) fn default_file_mode() -> Option<u32> {
    static MODE: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| imp::umask().map(|mask| 0o644 & !mask))
}

/// Size and mtime (ns) of the regular file `rel` under the directory `root` (`None`: missing
/// or not a regular file; a final symlink is not followed). With `root_dir` (that directory,
/// opened) the lookup is relative to it: each call walks only `rel`, not `root` again, which
/// is most of the cost of checking 10,000 outputs.
pub(crate) fn file_stamp(root: &Path, root_dir: Option<&File>, rel: &str) -> Option<(u64, i128)> {
    if let Some(dir) = root_dir {
        match imp::file_stamp_at(dir, rel) {
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
            result => return result.ok().flatten(),
        }
    }
    let meta = std::fs::symlink_metadata(root.join(rel)).ok()?;
    meta.is_file().then(|| super::temp::stamp_of(&meta))
}

/// Opens the file `rel` under the directory `root` for reading, relative to `root_dir` (that
/// directory, opened) where the platform allows; a final symlink is not followed (an error).
pub(crate) fn open_read(root: &Path, root_dir: &File, rel: &str) -> io::Result<File> {
    match imp::open_read_at(root_dir, rel) {
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(root.join(rel))
        }
        result => result,
    }
}
