//! The file-system model: a log replayed into directory entries and file contents, with what
//! each prefix of the log had made durable (see the persistence rules in the
//! [module docs](super)).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::fsops::recorder::{Call, Existing, Ino, Log};

/// A directory entry's target: a file or a directory (model ids, not real inodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Node {
    File(usize),
    Dir(usize),
}

/// One directory's entries.
pub(crate) type Entries = BTreeMap<Arc<str>, Node>;

/// A file's bytes and mtime at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Data {
    pub(crate) bytes: Arc<Vec<u8>>,
    pub(crate) mtime_ns: i128,
    pub(crate) hash: u128,
}

impl Data {
    pub(crate) fn new(bytes: Vec<u8>, mtime_ns: i128) -> Data {
        let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
        Data {
            bytes: Arc::new(bytes),
            mtime_ns,
            hash,
        }
    }
}

/// One entry change: `dir`'s entry `name` now names `to` (or is gone).
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub(crate) dir: usize,
    pub(crate) name: Arc<str>,
    pub(crate) to: Option<Node>,
}

/// One logged call, replayed.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// What it was, for reports (`rename public/.a.sitegen-tmp-… -> public/a`).
    pub(crate) label: String,
    /// Its directory-entry changes (none for data writes and syncs). They persist together
    /// (each call is atomic) or not at all.
    pub(crate) changes: Vec<Change>,
    /// The directories whose entries it changes: an fsync of each (or a `syncfs`) makes it
    /// durable.
    pub(crate) dirs: BTreeSet<usize>,
}

/// The state of the model after a prefix of the log: what is durable and what is not.
#[derive(Clone, Debug)]
pub(crate) struct Prefix {
    /// Number of steps in the prefix.
    pub(crate) len: usize,
    /// The entries a power loss here cannot lose: the initial ones with every durable
    /// namespace step applied in order.
    pub(crate) base: Vec<Arc<Entries>>,
    /// Namespace steps not yet durable (their indices, ascending): each may or may not
    /// have reached the disk.
    pub(crate) pending: Vec<usize>,
    /// Per pending step, per change: whether a later durable step rewrote that entry (then
    /// the pending change cannot show, whatever happened to it).
    pub(crate) overridden: Vec<Vec<bool>>,
    /// Per file: its durable data and its latest data.
    pub(crate) durable: Vec<Data>,
    pub(crate) volatile: Vec<Data>,
}

/// A log, replayed.
pub(crate) struct Model {
    pub(crate) steps: Vec<Step>,
    initial: Vec<Arc<Entries>>,
    /// Real device and inode of each model directory (where known).
    pub(crate) dir_inos: Vec<Option<Ino>>,
    prefixes: Vec<Prefix>,
}

/// The volatile (latest) namespace while replaying.
struct Replay {
    dirs: Vec<Entries>,
    dir_inos: Vec<Option<Ino>>,
    files: HashMap<Ino, usize>,
    durable: Vec<Data>,
    volatile: Vec<Data>,
}

fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

impl Replay {
    fn resolve(&self, path: &str) -> Option<Node> {
        let mut node = Node::Dir(0);
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let Node::Dir(d) = node else { return None };
            node = *self.dirs[d].get(part)?;
        }
        Some(node)
    }

    fn parent(&self, path: &str) -> (usize, Arc<str>) {
        let (dir, name) = split(path);
        match self.resolve(dir) {
            Some(Node::Dir(d)) => (d, Arc::from(name)),
            other => panic!("model: parent of {path} is {other:?}"),
        }
    }

    fn new_dir(&mut self, ino: Option<Ino>) -> usize {
        self.dirs.push(Entries::new());
        self.dir_inos.push(ino);
        self.dirs.len() - 1
    }

    fn new_file(&mut self, ino: Ino, data: Data) -> usize {
        self.durable.push(data.clone());
        self.volatile.push(data);
        self.files.insert(ino, self.volatile.len() - 1);
        self.volatile.len() - 1
    }

    fn file(&self, ino: &Ino) -> usize {
        *self
            .files
            .get(ino)
            .unwrap_or_else(|| panic!("model: unknown file {ino:?}"))
    }

    fn set(&self, path: &str, to: Option<Node>) -> Change {
        let (dir, name) = self.parent(path);
        Change { dir, name, to }
    }

    fn node(&self, path: &str) -> Node {
        self.resolve(path)
            .unwrap_or_else(|| panic!("model: {path} does not exist"))
    }

    fn apply(&mut self, changes: &[Change]) {
        for c in changes {
            match c.to {
                Some(node) => self.dirs[c.dir].insert(c.name.clone(), node),
                None => self.dirs[c.dir].remove(&c.name),
            };
        }
    }

    fn edit(&mut self, ino: &Ino, mtime_ns: i128, edit: impl FnOnce(&mut Vec<u8>)) {
        let f = self.file(ino);
        let mut bytes = self.volatile[f].bytes.as_ref().clone();
        edit(&mut bytes);
        self.volatile[f] = Data::new(bytes, mtime_ns);
    }

    /// Replays one call: its entry changes (applied to the latest namespace) and its label.
    fn step(&mut self, call: &Call) -> Step {
        let (label, changes) = match call {
            Call::Mkdir { path, dir } => {
                let change = self.set(path, None);
                let d = self.new_dir(Some(*dir));
                let change = Change {
                    to: Some(Node::Dir(d)),
                    ..change
                };
                (format!("mkdir {path}"), vec![change])
            }
            Call::Rmdir { path } => (format!("rmdir {path}"), vec![self.set(path, None)]),
            Call::Create { path, ino } => {
                let f = self.new_file(*ino, Data::new(Vec::new(), 0));
                match path {
                    Some(path) => (
                        format!("create {path}"),
                        vec![self.set(path, Some(Node::File(f)))],
                    ),
                    None => ("create unnamed temp".to_string(), vec![]),
                }
            }
            Call::Link { ino, path } => {
                let f = self.file(ino);
                (
                    format!("link unnamed temp as {path}"),
                    vec![self.set(path, Some(Node::File(f)))],
                )
            }
            Call::HardLink { from, to } => {
                let node = self.node(from);
                (
                    format!("link {from} as {to}"),
                    vec![self.set(to, Some(node))],
                )
            }
            Call::Rename { from, to } => {
                let node = self.node(from);
                let changes = if from == to {
                    vec![]
                } else {
                    vec![self.set(from, None), self.set(to, Some(node))]
                };
                (format!("rename {from} -> {to}"), changes)
            }
            Call::Exchange { a, b } => {
                let (na, nb) = (self.node(a), self.node(b));
                (
                    format!("exchange {a} <-> {b}"),
                    vec![self.set(a, Some(nb)), self.set(b, Some(na))],
                )
            }
            Call::Unlink { path } => (format!("unlink {path}"), vec![self.set(path, None)]),
            Call::Write {
                ino,
                offset,
                bytes,
                mtime_ns,
            } => {
                let at = *offset as usize;
                self.edit(ino, *mtime_ns, |data| {
                    if data.len() < at + bytes.len() {
                        data.resize(at + bytes.len(), 0);
                    }
                    data[at..at + bytes.len()].copy_from_slice(bytes);
                });
                (format!("write {} bytes", bytes.len()), vec![])
            }
            Call::SetLen { ino, len, mtime_ns } => {
                self.edit(ino, *mtime_ns, |data| data.resize(*len as usize, 0));
                (format!("truncate to {len}"), vec![])
            }
            Call::SetMode => ("chmod".to_string(), vec![]),
            Call::WritebackHint => ("sync_file_range (starts writeback)".to_string(), vec![]),
            Call::Fsync { ino, site } => {
                let f = self.file(ino);
                self.durable[f] = self.volatile[f].clone();
                (format!("fsync file [{site:?}]"), vec![])
            }
            Call::FsyncDir { path, site } => (format!("fsync dir {path:?} [{site:?}]"), vec![]),
            Call::Syncfs { site } => {
                self.durable = self.volatile.clone();
                (format!("syncfs [{site:?}]"), vec![])
            }
            Call::Omitted { site } => (format!("(sync omitted: {site:?})"), vec![]),
        };
        self.apply(&changes);
        let dirs = changes.iter().map(|c| c.dir).collect();
        Step {
            label,
            changes,
            dirs,
        }
    }
}

impl Model {
    /// Replays `log`, computing for every prefix what is durable.
    pub(crate) fn replay(log: &Log) -> Model {
        let mut r = Replay {
            dirs: Vec::new(),
            dir_inos: Vec::new(),
            files: HashMap::new(),
            durable: Vec::new(),
            volatile: Vec::new(),
        };
        for existing in &log.initial {
            match existing {
                Existing::Dir { path, dir } if path.is_empty() => {
                    r.new_dir(Some(*dir));
                }
                Existing::Dir { path, dir } => {
                    let change = r.set(path, None);
                    let d = r.new_dir(Some(*dir));
                    r.apply(&[Change {
                        to: Some(Node::Dir(d)),
                        ..change
                    }]);
                }
                Existing::File {
                    path,
                    ino,
                    bytes,
                    mtime_ns,
                } => {
                    let f = match r.files.get(ino) {
                        Some(&f) => f,
                        None => r.new_file(*ino, Data::new(bytes.clone(), *mtime_ns)),
                    };
                    let change = r.set(path, Some(Node::File(f)));
                    r.apply(&[change]);
                }
            }
        }
        let initial: Vec<Arc<Entries>> = r.dirs.iter().cloned().map(Arc::new).collect();

        let mut steps = Vec::new();
        // Per step not yet durable: the directories whose fsync it still waits for.
        let mut waiting: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        let mut prefixes = Vec::new();
        let snapshot = |r: &Replay, steps: &[Step], waiting: &BTreeMap<usize, BTreeSet<usize>>| {
            Self::prefix_of(&initial, r, steps, waiting)
        };
        prefixes.push(snapshot(&r, &steps, &waiting));
        for call in &log.calls {
            let step = r.step(call);
            let index = steps.len();
            match call {
                Call::Syncfs { .. } => waiting.clear(),
                Call::FsyncDir { path, .. } => {
                    if let Some(Node::Dir(d)) = r.resolve(path) {
                        for dirs in waiting.values_mut() {
                            dirs.remove(&d);
                        }
                        waiting.retain(|_, dirs| !dirs.is_empty());
                    }
                }
                _ => {}
            }
            if !step.changes.is_empty() {
                waiting.insert(index, step.dirs.clone());
            }
            steps.push(step);
            prefixes.push(snapshot(&r, &steps, &waiting));
        }
        Model {
            steps,
            initial,
            dir_inos: r.dir_inos,
            prefixes,
        }
    }

    fn prefix_of(
        initial: &[Arc<Entries>],
        r: &Replay,
        steps: &[Step],
        waiting: &BTreeMap<usize, BTreeSet<usize>>,
    ) -> Prefix {
        let mut base: Vec<Arc<Entries>> = initial.to_vec();
        base.resize_with(r.dirs.len(), Default::default);
        let pending: Vec<usize> = waiting.keys().copied().collect();
        // Which (dir, name) entries each durable step writes last, by step index.
        let mut last_durable: HashMap<(usize, Arc<str>), usize> = HashMap::new();
        for (i, step) in steps.iter().enumerate() {
            if waiting.contains_key(&i) {
                continue;
            }
            for c in &step.changes {
                let entries = Arc::make_mut(&mut base[c.dir]);
                match c.to {
                    Some(node) => entries.insert(c.name.clone(), node),
                    None => entries.remove(&c.name),
                };
                last_durable.insert((c.dir, c.name.clone()), i);
            }
        }
        let overridden = pending
            .iter()
            .map(|&i| {
                steps[i]
                    .changes
                    .iter()
                    .map(|c| {
                        last_durable
                            .get(&(c.dir, c.name.clone()))
                            .is_some_and(|&j| j > i)
                    })
                    .collect()
            })
            .collect();
        Prefix {
            len: steps.len(),
            base,
            pending,
            overridden,
            durable: r.durable.clone(),
            volatile: r.volatile.clone(),
        }
    }

    /// The state after every prefix of the log: `prefixes()[k]` is after `k` steps.
    pub(crate) fn prefixes(&self) -> &[Prefix] {
        &self.prefixes
    }

    /// The initial namespace (all durable).
    pub(crate) fn initial(&self) -> &[Arc<Entries>] {
        &self.initial
    }
}
