//! `sitegen clean` for a site that may have been served: besides what the last build wrote
//! and the site's state, it removes the preview that `serve` built (`.sitegen/serve/`, by
//! the same rules: only files its manifests list, then what is left empty) and the serve
//! PID and lock files. Never under a running server: it would be serving a tree that is
//! going away.

use std::path::{Path, PathBuf};

use super::pidfile::{PidError, PidGuard};
use super::{default_pid_file, serve_dirs};
use crate::site::{self, BuildError, BuildOptions, CleanSummary};

/// Why `clean` removed nothing.
#[derive(Debug, thiserror::Error)]
pub enum CleanError {
    #[error("{}: `sitegen serve` is running for this site (pid {pid}, port {port}); nothing was removed; stop it with `sitegen stop` first", pid_file.display())]
    Serving {
        pid_file: PathBuf,
        pid: String,
        port: String,
    },
    #[error(transparent)]
    Pid(PidError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// Removes the outputs the last build wrote, sitegen's whole state for the site and the
/// serve preview; refused while a server runs for the site (by its default PID file).
pub fn clean(options: &BuildOptions) -> Result<CleanSummary, CleanError> {
    // Not a site: say so before creating anything (the serve lock below would).
    options.load_config()?;
    let pid_file = default_pid_file(&options.root);
    // Held for the whole clean: a server that starts meanwhile is refused, not cleaned away.
    let (guard, _stale) = PidGuard::acquire(&pid_file).map_err(|e| match e {
        PidError::AlreadyRunning { pid, port } => CleanError::Serving {
            pid_file: pid_file.clone(),
            pid,
            port,
        },
        other => CleanError::Pid(other),
    })?;
    let (serve_out, serve_state) = serve_dirs(&options.root);
    let serve_dir = serve_state.parent().unwrap_or(&serve_state).to_path_buf();
    if serve_dir.exists() {
        let mut served = BuildOptions::new(&options.root);
        served.output_dir = Some(serve_out);
        served.state_dir = Some(serve_state);
        served.config_file = options.config_file.clone();
        served.lock_mode = options.lock_mode;
        site::clean(&served)?;
        let _ = std::fs::remove_dir(&serve_dir);
    }
    let summary = site::clean(options)?;
    // The PID and lock files go last, then the state directory they kept from being empty.
    drop(guard);
    remove_empty_dir(pid_file.parent());
    Ok(summary)
}

fn remove_empty_dir(dir: Option<&Path>) {
    if let Some(dir) = dir {
        let _ = std::fs::remove_dir(dir);
    }
}
