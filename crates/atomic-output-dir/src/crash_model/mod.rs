//! The power-loss crash-state explorer (tests only).
//!
//! A run of the real writer (`OutputWriter` with `Durability::Fsync`, or `rollback`) is
//! recorded call by call through [`fsops`](super::fsops): temp creates, writes,
//! `sync_file_range`, `fsync`, `syncfs`, `mkdir`, links, renames, exchanges, unlinks and
//! directory fsyncs, with their arguments. The [`model`] replays that log and knows, after
//! every prefix, what had surely reached the disk and what only might have. The [`explore`]r
//! builds every file-system state a power loss at that point could leave, and checks each:
//!
//! - **files**: every output path holds its complete old bytes, its complete new bytes, or
//!   (for a path new in this build) nothing; no partial file at any output path;
//! - **swap**: the live directory is wholly one generation, old or new, file for file;
//! - the manifests in the state directory are each their old or new bytes, never torn;
//! - once the call returned (the whole log ran), everything is new: the commit was durable;
//! - [`recovery`]: the state, written out for real, is reopened by the real writer, which
//!   sweeps what the crash left and rebuilds the site: the output is then exactly the site,
//!   no temp is left anywhere, the manifest lists what is there, and a rollback offers only
//!   a standby that is the generation its manifest says.
//!
//! # The persistence model
//!
//! Sources: T. S. Pillai et al., *All File Systems Are Not Created Equal: On the Complexity
//! of Crafting Crash-Consistent Applications* (OSDI 2014; the ALICE tool and its abstract
//! persistence model), which measured what ext3/ext4 (each journaling mode), xfs and btrfs
//! keep across a crash; the Linux man pages fsync(2) ("does not necessarily ensure that the
//! entry in the directory containing the file has also reached disk; for that an explicit
//! fsync() on a file descriptor for the directory is also needed"), syncfs(2) (commits all
//! of the file system's data and metadata, like sync(2)) and sync_file_range(2) ("does not
//! provide any data integrity guarantees"; metadata is not written); POSIX rename(2)
//! (replaces the target atomically).
//!
//! The rules, chosen weaker than ext4 `data=ordered`, xfs and btrfs, so that code that passes
//! here does not lean on one file system's kindness:
//!
//! 1. **Each call is atomic.** A rename, link, unlink, mkdir, rmdir or exchange is on disk
//!    wholly or not at all (ALICE found directory operations atomic on every journaling file
//!    system it studied). Where several calls that reached the disk change one directory
//!    entry, the last one wins.
//! 2. **No order between calls not yet durable.** Any subset of them may have reached the
//!    disk, a later one without an earlier one. ext4-ordered and xfs journal metadata in
//!    order (they allow only a prefix); ALICE found btrfs reordering directory operations,
//!    and a per-file fsync there can carry one file's new name ahead of older changes.
//! 3. **A directory entry change is durable** once each directory it changes has been
//!    fsynced after it, or after a `syncfs`. An fsync of a file makes its bytes and size
//!    durable, not its name; an fsync of a directory does not make its own name in its
//!    parent durable.
//! 4. **File bytes not made durable** (by an fsync of that file, or a `syncfs`) may be
//!    lost (the file is as last synced: empty if never), cut short, or zeros at the new size
//!    (the size reached the disk, the data did not: ALICE's "garbage/zeros" appends).
//!    `sync_file_range` makes nothing durable.
//!
//! # Enumeration, and its reductions
//!
//! For every prefix of the log (a power loss after step k, k = 0..=n): every subset of the
//! namespace steps not yet durable, and every data outcome below. With more than 12 such
//! steps, only the subsets that lose at most two of them or keep at most two (the
//! small-scope hypothesis: violations show with few reorderings); the report counts the
//! prefixes where this applied. Data outcomes: all unsynced files alike (complete, as last
//! synced, cut, zeroed), and each single unsynced file lost, cut or zeroed with the others
//! complete. The file invariants are per path, and each path's bytes come from one file, so
//! every torn file is seen; states where two files are torn in different ways are not
//! enumerated. Equal states (same paths, bytes, mtimes and directory identities) are checked
//! once; the report counts the combinations and the distinct states.

//!
//! # Scenarios, and what is not covered
//!
//! [`scenarios`]: a fresh build, a rebuild with changed, unchanged, new and pruned files (and
//! a directory left empty), a `Publish::Swap` build over two earlier generations, and a
//! rollback; each with unnamed temps and `syncfs`, with unnamed temps and the fsync fallback,
//! and with named temps. `cargo test --lib crash_model -- --nocapture` prints the states
//! checked per scenario, and the mutation check's table: with each sync site left out of the
//! log, the first state that breaks the invariant.
//!
//! Not covered: a build that fails or is dropped (its clean-up path), `Durability::None`,
//! `remove_all`; two torn files torn differently in one state; a second power loss during
//! the recovery. The recorded run is one interleaving of the parallel renames, which rule 2
//! makes irrelevant (every subset of them is tried). A state is written out in a fresh
//! directory tree, so the directory inode numbers the manifests record are mapped to the new
//! ones ([`recovery::materialize`]).

mod explore;
mod model;
mod recovery;
mod scenarios;
mod tests;
