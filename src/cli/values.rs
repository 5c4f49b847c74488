//! The values options take that several commands share (`--format`, `--durability`,
//! `--publish`), below both the argument list and the commands that read them.

use clap::ValueEnum;

use crate::output::{Durability, Publish};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum DurabilityArg {
    /// Data and renames synced to disk before the build reports success.
    Fsync,
    /// Atomic against crashes of sitegen, not against power loss.
    None,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum PublishArg {
    /// Each file replaced atomically, one after another.
    Files,
    /// The whole site switched at once, with the previous build kept for `rollback`.
    Swap,
}

impl From<DurabilityArg> for Durability {
    fn from(arg: DurabilityArg) -> Self {
        match arg {
            DurabilityArg::Fsync => Durability::Fsync,
            DurabilityArg::None => Durability::None,
        }
    }
}

impl From<PublishArg> for Publish {
    fn from(arg: PublishArg) -> Self {
        match arg {
            PublishArg::Files => Publish::Files,
            PublishArg::Swap => Publish::Swap,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
}
