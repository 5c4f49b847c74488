//! `--run CMD`: the generator runs into a fresh staging directory, and only a run that
//! exits 0 is published.
//!
//! The staging directory sits beside the output (`.NAME.sitegen-staging-<uuid>`), outside
//! what is deployed. It is removed when the publish ends, with success or an error; a
//! process that is killed (SIGKILL, power loss) or stopped by SIGINT/SIGTERM (the output
//! layer's handler exits at once) leaves it, and the next publish to the same output
//! removes directories of exactly that pattern, under the publish lock (so never one a
//! concurrent publish is still using).
//!
//! The command runs under `sh -c`, with `{staging}` replaced by the directory's path
//! (shell-quoted) and `SITEGEN_STAGING` set to it. On Linux the shell is asked to be killed
//! if sitegen dies (`PR_SET_PDEATHSIG`), so a killed publish does not leave a generator
//! writing into a directory the next publish removes; a command that forks further
//! processes (`cd site && hugo ...` rather than `exec hugo ...`) is not covered beyond the
//! shell.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::PublishError;

/// Where the command's standard output goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommandOutput {
    /// sitegen's own standard output.
    #[default]
    Inherit,
    /// sitegen's standard error (so that sitegen's stdout stays one JSON document).
    Stderr,
}

const STAGING_MARK: &str = ".sitegen-staging-";
const ID_LEN: usize = 32;

/// A staging directory: removed (with everything in it) when dropped.
pub(super) struct Staging {
    path: PathBuf,
}

impl Staging {
    /// Creates a fresh staging directory for the output `live` (canonical), beside it.
    pub(super) fn create(live: &Path) -> Result<Self, PublishError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let path = live.with_file_name(format!("{}{STAGING_MARK}{id}", prefix(live)));
        fs::create_dir(&path).map_err(|e| PublishError::Staging {
            path: path.clone(),
            source: e,
        })?;
        Ok(Staging { path })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// `.NAME`: what the staging directories of the output `live` start with.
fn prefix(live: &Path) -> String {
    let name = live.file_name().unwrap_or_default().to_string_lossy();
    format!(".{name}")
}

/// Whether `name` is a staging directory name of the output `live`.
fn is_staging_name(live: &Path, name: &str) -> bool {
    let Some(rest) = name.strip_prefix(&prefix(live)) else {
        return false;
    };
    let Some(id) = rest.strip_prefix(STAGING_MARK) else {
        return false;
    };
    id.len() == ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Removes staging directories of `live` that killed publishes left; returns how many.
/// Call with the publish lock held.
pub(super) fn sweep(live: &Path) -> usize {
    let Some(parent) = live.parent() else {
        return 0;
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| is_staging_name(live, n))
        })
        .filter(|e| fs::remove_dir_all(e.path()).is_ok())
        .count()
}

/// `text` as one word for `sh`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Runs `command` with `{staging}` replaced by `staging`; Ok only if it exits 0.
pub(super) fn run(
    command: &str,
    staging: &Path,
    output: CommandOutput,
) -> Result<(), PublishError> {
    let shown = staging.to_string_lossy();
    let line = command.replace("{staging}", &shell_quote(&shown));
    let mut child = Command::new("sh");
    child.arg("-c").arg(&line).env("SITEGEN_STAGING", staging);
    if output == CommandOutput::Stderr {
        use std::os::fd::AsFd;
        let stderr = std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| PublishError::spawn(command, e))?;
        child.stdout(Stdio::from(stderr));
    }
    die_with_parent(&mut child);
    let status = child
        .status()
        .map_err(|e| PublishError::spawn(command, e))?;
    if status.success() {
        return Ok(());
    }
    use std::os::unix::process::ExitStatusExt;
    let status = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => format!("failed ({status})"),
    };
    Err(PublishError::Command {
        command: command.to_string(),
        status,
    })
}

/// Linux: the child gets SIGKILL when this process dies (see the module docs).
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls (prctl, getppid) between fork and exec.
    let parent = unsafe { libc::getpid() };
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the prctl.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_names_match_only_the_exact_pattern_of_this_output() {
        let live = Path::new("/srv/public");
        let id = "0123456789abcdef0123456789abcdef";
        assert!(is_staging_name(
            live,
            &format!(".public.sitegen-staging-{id}")
        ));
        assert!(!is_staging_name(
            live,
            &format!(".public2.sitegen-staging-{id}")
        ));
        assert!(!is_staging_name(
            live,
            &format!(".public.sitegen-staging-{id}x")
        ));
        assert!(!is_staging_name(live, ".public.sitegen-staging-"));
        assert!(!is_staging_name(live, ".public.sitegen-standby"));
    }

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("it's a dir");
        fs::create_dir(&dir).unwrap();
        run("touch {staging}/made", &dir, CommandOutput::Inherit).unwrap();
        assert!(dir.join("made").exists());
        let err = run("exit 3", &dir, CommandOutput::Inherit)
            .unwrap_err()
            .to_string();
        assert!(err.contains("exit 3") && err.contains("status 3"), "{err}");
    }

    #[test]
    fn a_staging_directory_is_removed_when_dropped_and_swept_when_left() {
        let tmp = tempfile::tempdir().unwrap();
        let live = fs::canonicalize(tmp.path()).unwrap().join("out");
        let staging = Staging::create(&live).unwrap();
        fs::write(staging.path().join("f"), "x").unwrap();
        let path = staging.path().to_path_buf();
        drop(staging);
        assert!(!path.exists());

        let left = Staging::create(&live).unwrap();
        let path = left.path().to_path_buf();
        std::mem::forget(left);
        fs::create_dir(live.with_file_name(".out.sitegen-staging-mine")).unwrap();
        assert_eq!(sweep(&live), 1);
        assert!(!path.exists());
        assert!(live.with_file_name(".out.sitegen-staging-mine").exists());
    }
}
