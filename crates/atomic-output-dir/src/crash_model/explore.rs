//! The explorer: every crash state of a replayed log, each checked against the invariant.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3;

use super::model::{Data, Entries, Model, Node, Prefix};
use crate::publish::Publish;
use crate::temp::is_temp_name;

/// What became of a file's unsynced bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// All of them reached the disk.
    Complete,
    /// None did: the file is as last synced (empty, for a file never synced).
    Synced,
    /// Cut short: the first half of the latest bytes.
    Cut,
    /// The size reached the disk, the bytes did not: zeros.
    Zeroed,
}

/// Which outcome each file gets in one crash state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DataVariant {
    All(Outcome),
    /// This file (model id) gets the outcome, every other unsynced file is complete.
    One(usize, Outcome),
}

impl DataVariant {
    fn outcome(self, file: usize) -> Outcome {
        match self {
            DataVariant::All(o) => o,
            DataVariant::One(f, o) if f == file => o,
            DataVariant::One(..) => Outcome::Complete,
        }
    }
}

/// A file system a power loss could leave: files (path, model file id, data) and
/// directories (path, model directory id). Paths relative to the recording's root.
#[derive(Clone, Debug, Default)]
pub(crate) struct CrashState {
    pub(crate) files: BTreeMap<String, (usize, Data)>,
    pub(crate) dirs: BTreeMap<String, usize>,
}

impl CrashState {
    fn key(&self) -> u128 {
        let mut h = Xxh3::new();
        for (path, (_, data)) in &self.files {
            h.update(path.as_bytes());
            h.update(&data.hash.to_le_bytes());
            h.update(&data.mtime_ns.to_le_bytes());
        }
        h.update(b"\0dirs\0");
        for (path, d) in &self.dirs {
            h.update(path.as_bytes());
            h.update(&d.to_le_bytes());
        }
        h.digest128()
    }

    /// The files under `dir/` (relative to it) with their content hashes; named temps left
    /// out unless `with_temps`.
    pub(crate) fn tree(&self, dir: &str, with_temps: bool) -> BTreeMap<String, u128> {
        let prefix = format!("{dir}/");
        self.files
            .iter()
            .filter_map(|(p, (_, d))| Some((p.strip_prefix(&prefix)?, d.hash)))
            .filter(|(p, _)| with_temps || !is_temp_name(p.rsplit('/').next().unwrap_or(p)))
            .map(|(p, h)| (p.to_string(), h))
            .collect()
    }

    fn hash_of(&self, path: &str) -> Option<u128> {
        self.files.get(path).map(|(_, d)| d.hash)
    }
}

/// What the invariant is about.
pub(crate) struct Spec {
    /// The live output directory, relative to the root.
    pub(crate) live: String,
    pub(crate) publish: Publish,
    /// State files that must each be old or new, never torn (the manifests).
    pub(crate) state_files: Vec<String>,
    /// Files whose bytes nothing reads to decide anything (the lock file: the holder's pid,
    /// for messages): their unsynced bytes are not varied.
    pub(crate) bytes_unread: Vec<String>,
}

impl Spec {
    /// The files (model ids) with unsynced bytes whose outcome can matter: those at a path
    /// that is neither a named temp (only ever swept, never read) nor unread.
    fn bytes_that_matter(&self, paths: &[(String, Node)], prefix: &Prefix) -> Vec<usize> {
        let mut files: Vec<usize> = paths
            .iter()
            .filter_map(|(path, node)| match *node {
                Node::File(f) => Some((path, f)),
                Node::Dir(_) => None,
            })
            .filter(|(path, _)| !is_temp_name(path.rsplit('/').next().unwrap_or(path)))
            .filter(|(path, _)| !self.bytes_unread.contains(path))
            .map(|(_, f)| f)
            .filter(|&f| prefix.durable[f] != prefix.volatile[f])
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }
}

/// A crash state that breaks the invariant or from which the writer does not recover.
#[derive(Clone, Debug)]
pub(crate) struct Violation {
    /// The last step that ran before the power loss (`None`: before the first).
    pub(crate) after: Option<String>,
    pub(crate) prefix: usize,
    /// Steps of the prefix that did not reach the disk.
    pub(crate) lost: Vec<String>,
    pub(crate) data: String,
    pub(crate) kind: Broken,
    pub(crate) problem: String,
}

/// Which part of the invariant a state breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Broken {
    /// An output path torn or of neither build, the live tree no whole generation, or a
    /// manifest torn.
    Files,
    /// The call returned, yet not everything it made is on disk.
    Returned,
    /// The writer, reopened on the state, does not recover.
    Recovery,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.after {
            Some(step) => write!(f, "crash after step {} `{step}`", self.prefix)?,
            None => write!(f, "crash before the first step")?,
        }
        if !self.lost.is_empty() {
            write!(f, ", lost: [{}]", self.lost.join("; "))?;
        }
        write!(f, ", data: {}: {}", self.data, self.problem)
    }
}

/// Counts and findings of one exploration.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) steps: usize,
    /// Prefix × persisted subset × data outcome combinations enumerated.
    pub(crate) combinations: usize,
    /// Distinct file-system states among them (each checked).
    pub(crate) states: usize,
    /// States materialized and reopened by the real writer.
    pub(crate) recovered: usize,
    /// Prefixes whose unsynced steps were too many for all subsets (small scope used).
    pub(crate) reduced_prefixes: usize,
    /// Time spent reopening the writer on materialized states.
    pub(crate) recovery_time: std::time::Duration,
    pub(crate) violations: Vec<Violation>,
}

/// Above this many unsynced namespace steps, only subsets that lose at most two of them or
/// keep at most two are tried (the small-scope reduction, see the module docs).
const ALL_SUBSETS_UP_TO: usize = 12;

/// Persisted-subset masks over `n` pending steps (bit set: persisted), fewest lost first.
fn masks(n: usize) -> (Vec<u64>, bool) {
    assert!(n < 64, "{n} unsynced steps");
    let all = if n == 0 { 0 } else { u64::MAX >> (64 - n) };
    let mut masks: Vec<u64> = if n <= ALL_SUBSETS_UP_TO {
        (0..=all).collect()
    } else {
        let mut m = vec![all, 0];
        for i in 0..n {
            m.push(all & !(1 << i));
            m.push(1 << i);
            for j in i + 1..n {
                m.push(all & !(1 << i) & !(1 << j));
                m.push((1 << i) | (1 << j));
            }
        }
        m.sort_unstable();
        m.dedup();
        m
    };
    masks.sort_by_key(|m| (n as u32 - m.count_ones(), *m));
    (masks, n > ALL_SUBSETS_UP_TO)
}

/// The namespace of `prefix` with the pending steps in `mask` persisted, walked into paths.
fn namespace(model: &Model, prefix: &Prefix, mask: u64) -> Vec<(String, Node)> {
    let mut dirs: Vec<Arc<Entries>> = prefix.base.clone();
    for (pi, &i) in prefix.pending.iter().enumerate() {
        if mask & (1 << pi) == 0 {
            continue;
        }
        for (ci, c) in model.steps[i].changes.iter().enumerate() {
            if prefix.overridden[pi][ci] {
                continue;
            }
            let entries = Arc::make_mut(&mut dirs[c.dir]);
            match c.to {
                Some(node) => entries.insert(c.name.clone(), node),
                None => entries.remove(&c.name),
            };
        }
    }
    walk(&dirs)
}

/// Every path reachable from the root (directory 0).
fn walk(dirs: &[Arc<Entries>]) -> Vec<(String, Node)> {
    let mut out = vec![(String::new(), Node::Dir(0))];
    let mut stack = vec![(String::new(), 0usize, 0usize)];
    while let Some((path, d, depth)) = stack.pop() {
        assert!(depth < 64, "model: directory cycle at {path}");
        for (name, node) in dirs[d].iter() {
            let child = match path.is_empty() {
                true => name.to_string(),
                false => format!("{path}/{name}"),
            };
            out.push((child.clone(), *node));
            if let Node::Dir(c) = *node {
                stack.push((child, c, depth + 1));
            }
        }
    }
    out
}

fn data_of(prefix: &Prefix, f: usize, outcome: Outcome) -> Data {
    let (durable, latest) = (&prefix.durable[f], &prefix.volatile[f]);
    if durable == latest {
        return latest.clone();
    }
    let len = latest.bytes.len();
    match outcome {
        Outcome::Complete => latest.clone(),
        Outcome::Synced => durable.clone(),
        Outcome::Cut => Data::new(latest.bytes[..len / 2].to_vec(), latest.mtime_ns),
        Outcome::Zeroed => Data::new(vec![0; len], latest.mtime_ns),
    }
}

fn build(prefix: &Prefix, paths: &[(String, Node)], variant: DataVariant) -> CrashState {
    let mut state = CrashState::default();
    for (path, node) in paths {
        match *node {
            Node::Dir(d) => {
                state.dirs.insert(path.clone(), d);
            }
            Node::File(f) => {
                let data = data_of(prefix, f, variant.outcome(f));
                state.files.insert(path.clone(), (f, data));
            }
        }
    }
    state
}

/// The state at the end of the log with every step and byte on disk: what the run made.
pub(crate) fn latest(model: &Model) -> CrashState {
    let last = model.prefixes().last().expect("a prefix");
    let paths = namespace(model, last, u64::MAX >> (64 - last.pending.len().max(1)));
    build(last, &paths, DataVariant::All(Outcome::Complete))
}

/// What a recovery check answers for one state: `Err(problem)` if the writer did not recover.
pub(crate) type Recover<'a> = dyn FnMut(&CrashState) -> Result<(), String> + 'a;

/// Enumerates and checks every crash state of `model`; stops after a violation for which
/// `stop` is true.
pub(crate) fn explore(
    model: &Model,
    spec: &Spec,
    recover: &mut Recover<'_>,
    stop: &dyn Fn(&Violation) -> bool,
) -> Report {
    let prefixes = model.prefixes();
    let n = prefixes.len() - 1;
    let old = {
        let paths = walk(model.initial());
        build(&prefixes[0], &paths, DataVariant::All(Outcome::Complete))
    };
    let new = latest(model);
    let check = Invariant { spec, old, new };
    let mut report = Report {
        steps: n,
        ..Report::default()
    };
    let mut seen = HashSet::new();
    for prefix in prefixes {
        let (masks, reduced) = masks(prefix.pending.len());
        report.reduced_prefixes += usize::from(reduced);
        for mask in masks {
            let paths = namespace(model, prefix, mask);
            let mut variants = vec![DataVariant::All(Outcome::Complete)];
            let unsynced = spec.bytes_that_matter(&paths, prefix);
            if !unsynced.is_empty() {
                for o in [Outcome::Synced, Outcome::Cut, Outcome::Zeroed] {
                    variants.push(DataVariant::All(o));
                    if unsynced.len() > 1 {
                        variants.extend(unsynced.iter().map(|&f| DataVariant::One(f, o)));
                    }
                }
            }
            for variant in variants {
                report.combinations += 1;
                let state = build(prefix, &paths, variant);
                if !seen.insert(state.key()) {
                    continue;
                }
                report.states += 1;
                let mut problem = check.check(&state, prefix.len == n);
                if problem.is_ok() {
                    report.recovered += 1;
                    let started = std::time::Instant::now();
                    problem =
                        recover(&state).map_err(|p| (Broken::Recovery, format!("recovery: {p}")));
                    report.recovery_time += started.elapsed();
                }
                if let Err((kind, problem)) = problem {
                    let violation = Violation {
                        after: prefix
                            .len
                            .checked_sub(1)
                            .map(|i| model.steps[i].label.clone()),
                        prefix: prefix.len,
                        lost: lost_steps(model, prefix, mask),
                        data: describe(variant, &state),
                        kind,
                        problem,
                    };
                    let done = stop(&violation);
                    report.violations.push(violation);
                    if done {
                        return report;
                    }
                }
            }
        }
    }
    report
}

fn lost_steps(model: &Model, prefix: &Prefix, mask: u64) -> Vec<String> {
    prefix
        .pending
        .iter()
        .enumerate()
        .filter(|(pi, _)| mask & (1 << pi) == 0)
        .map(|(_, &i)| format!("{} `{}`", i + 1, model.steps[i].label))
        .collect()
}

fn describe(variant: DataVariant, state: &CrashState) -> String {
    match variant {
        DataVariant::All(Outcome::Complete) => "all written bytes on disk".into(),
        DataVariant::All(o) => format!("every unsynced file {o:?}"),
        DataVariant::One(f, o) => {
            let path = state
                .files
                .iter()
                .find(|(_, (id, _))| *id == f)
                .map_or("an unnamed file", |(p, _)| p.as_str());
            format!("{path} {o:?}, others complete")
        }
    }
}

/// The invariant: each output path old or new (files), or the live tree one whole
/// generation (swap); each manifest old or new; and once the commit returned, all new.
struct Invariant<'a> {
    spec: &'a Spec,
    old: CrashState,
    new: CrashState,
}

fn name(hash: Option<u128>, old: Option<u128>, new: Option<u128>) -> &'static str {
    match hash {
        None => "missing",
        h if h == new => "new",
        h if h == old => "old",
        Some(h) if h == xxhash_rust::xxh3::xxh3_128(b"") => "empty (its bytes lost)",
        Some(_) => "torn (neither old nor new bytes)",
    }
}

impl Invariant<'_> {
    fn check(&self, state: &CrashState, returned: bool) -> Result<(), (Broken, String)> {
        self.files(state).map_err(|p| (Broken::Files, p))?;
        match returned {
            true => self.returned(state).map_err(|p| (Broken::Returned, p)),
            false => Ok(()),
        }
    }

    fn files(&self, state: &CrashState) -> Result<(), String> {
        let live = &self.spec.live;
        let swap = self.spec.publish == Publish::Swap;
        let (old, new, now) = (
            self.old.tree(live, swap),
            self.new.tree(live, swap),
            state.tree(live, swap),
        );
        if swap {
            if now != old && now != new {
                let diff = |g: &BTreeMap<String, u128>| {
                    let keys: std::collections::BTreeSet<&String> =
                        g.keys().chain(now.keys()).collect();
                    keys.into_iter()
                        .filter(|k| g.get(*k) != now.get(*k))
                        .count()
                };
                return Err(format!(
                    "{live} is no whole generation ({} paths differ from the old one, {} from the new one)",
                    diff(&old),
                    diff(&new)
                ));
            }
        } else {
            let paths: std::collections::BTreeSet<&String> =
                old.keys().chain(new.keys()).chain(now.keys()).collect();
            for p in paths {
                let (o, n, h) = (
                    old.get(p).copied(),
                    new.get(p).copied(),
                    now.get(p).copied(),
                );
                if h != o && h != n {
                    return Err(format!("{live}/{p} is {}", name(h, o, n)));
                }
            }
        }
        for f in &self.spec.state_files {
            let (o, n, h) = (self.old.hash_of(f), self.new.hash_of(f), state.hash_of(f));
            if h != o && h != n {
                return Err(format!("{f} is {}", name(h, o, n)));
            }
        }
        Ok(())
    }

    fn returned(&self, state: &CrashState) -> Result<(), String> {
        let live = &self.spec.live;
        let swap = self.spec.publish == Publish::Swap;
        let (old, new, now) = (
            self.old.tree(live, swap),
            self.new.tree(live, swap),
            state.tree(live, swap),
        );
        if let Some(p) = new
            .keys()
            .chain(now.keys())
            .find(|p| now.get(*p) != new.get(*p))
        {
            let (o, n, h) = (
                old.get(p).copied(),
                new.get(p).copied(),
                now.get(p).copied(),
            );
            return Err(format!(
                "the commit returned, yet {live}/{p} is {}",
                name(h, o, n)
            ));
        }
        for f in &self.spec.state_files {
            let (o, n, h) = (self.old.hash_of(f), self.new.hash_of(f), state.hash_of(f));
            if h != n {
                return Err(format!("the commit returned, yet {f} is {}", name(h, o, n)));
            }
        }
        Ok(())
    }
}
