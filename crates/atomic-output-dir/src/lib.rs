#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod atomic;
pub mod dirs;
mod durable;
mod error;
mod fsops;
mod interrupt;
mod listing;
mod lock;
mod manifest;
mod marker;
mod options;
mod path;
mod pending;
mod publish;
mod repair;
mod report;
mod sys;
mod temp;
mod verify;
mod writer;

#[cfg(all(test, target_os = "linux"))]
mod crash_model;
#[cfg(test)]
mod publish_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod verify_tests;

pub use atomic::{atomic_write, write_with as atomic_write_with};
pub use error::OutputError;
pub use interrupt::install_handler as install_interrupt_handler;
pub use listing::Listing;
pub use lock::{LockMode, Probe, ProcessLock};
pub use options::{Durability, OutputOptions, TempFiles};
pub use path::OutputPath;
pub use pending::PendingFile;
pub use publish::{
    generations, remove_standby, rollback, standby_path, Generation, Generations, OlderStandby,
    Publish, RollbackReport,
};
pub use repair::{restore_from_standby, Restored};
pub use report::{Change, ChangeAction, WriteReport};
pub use verify::{verify, FileFacts, Mode, Problem, ProblemKind, VerifyReport};
pub use writer::OutputWriter;
