//! The highlighting budget: no code block can hang a build.
//!
//! Why from outside: syntect loops forever on some grammar and input pairs, inside one
//! `parse_line` call that takes no deadline and cannot be interrupted. Two contexts that `set`
//! each other without consuming input is one such pair (syntect's loop guard watches a
//! non-consuming push followed by a pop, not a `set`); bat's JavaScript grammar has it on a line
//! as small as `x /*`. A build that never ends is worse than any error: CI waits for its own
//! timeout and the user learns nothing.
//!
//! So a watchdog thread looks at the blocks being highlighted. One still running after the
//! budget (10 s; `SITEGEN_HIGHLIGHT_BUDGET_MS`, 0 for none) cannot be stopped, so the watchdog names it and
//! restarts the process: the same command, exec'd, with the block's digest added to
//! `SITEGEN_OVER_BUDGET`. The restarted build renders that block plain, with one warning naming
//! the file, the line and the language. A restart is safe wherever it lands, as a kill is (the
//! output layer's promise), and it lands before the commit: highlighting is part of rendering.
//! The output lock is an `flock` on a close-on-exec descriptor, so it goes with the old image.
//!
//! Cost where nothing hangs: a clock read and two atomic stores per code block; the watchdog
//! thread starts with the first block and sleeps. Only the `sitegen` program arms it
//! ([`arm`]); a library caller gets no restart (and no budget).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{Fence, MarkdownContext};

/// The environment variable that carries the over-budget blocks' digests to the restart.
const OVER_BUDGET: &str = "SITEGEN_OVER_BUDGET";
/// The budget in milliseconds, when not the default.
const BUDGET_MS: &str = "SITEGEN_HIGHLIGHT_BUDGET_MS";
const DEFAULT_BUDGET: Duration = Duration::from_secs(10);
/// Highlighting threads watched at once; a thread past them goes unwatched.
const SLOTS: usize = 256;

static ARMED: AtomicBool = AtomicBool::new(false);

/// Arms the budget for this process: called once by the `sitegen` program. Not armed under
/// `SITEGEN_HIGHLIGHT_BUDGET_MS=0` (no budget: what a library caller gets).
pub fn arm() {
    let off = std::env::var(BUDGET_MS).is_ok_and(|v| v.trim() == "0");
    ARMED.store(!off, Ordering::Relaxed);
}

/// A block being highlighted, as one thread's slot holds it.
struct Slot {
    /// Milliseconds since [`Watch::epoch`] when the block started, 0 when idle.
    started: AtomicU64,
    /// The block's digest.
    digest: AtomicU64,
}

struct Watch {
    epoch: Instant,
    budget: Duration,
    slots: Vec<Slot>,
    next_slot: AtomicUsize,
    /// Blocks that went over the budget in an earlier run of this command.
    over: HashSet<u64>,
}

fn watch() -> &'static Watch {
    static WATCH: OnceLock<Watch> = OnceLock::new();
    WATCH.get_or_init(|| {
        let budget = std::env::var(BUDGET_MS)
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(DEFAULT_BUDGET, Duration::from_millis);
        let over = std::env::var(OVER_BUDGET)
            .unwrap_or_default()
            .split(',')
            .filter_map(|d| u64::from_str_radix(d, 16).ok())
            .collect();
        let watch = Watch {
            epoch: Instant::now(),
            budget,
            slots: (0..SLOTS)
                .map(|_| Slot {
                    started: AtomicU64::new(0),
                    digest: AtomicU64::new(0),
                })
                .collect(),
            next_slot: AtomicUsize::new(0),
            over,
        };
        if ARMED.load(Ordering::Relaxed) {
            std::thread::Builder::new()
                .name("highlight-budget".into())
                .spawn(watchdog)
                .ok();
        }
        watch
    })
}

/// The digest that names a block across runs: its language and its text.
fn digest(lang: &str, code: &str) -> u64 {
    let mut h = siphasher::sip::SipHasher13::new_with_keys(0x5173_6e67, 0x6869_6768);
    lang.hash(&mut h);
    code.hash(&mut h);
    h.finish()
}

/// Whether the block went over the budget in an earlier run of this command (render it plain).
pub(super) fn over_budget(lang: &str, code: &str) -> bool {
    ARMED.load(Ordering::Relaxed) && {
        let over = &watch().over;
        !over.is_empty() && over.contains(&digest(lang, code))
    }
}

/// Runs `highlight` for the block of `code` in `lang` under the watchdog's eye.
pub(super) fn watched<T>(lang: &str, code: &str, highlight: impl FnOnce() -> T) -> T {
    if !ARMED.load(Ordering::Relaxed) {
        return highlight();
    }
    let digest = digest(lang, code);
    thread_local! {
        static SLOT: usize = watch().next_slot.fetch_add(1, Ordering::Relaxed);
    }
    let w = watch();
    let Some(slot) = w.slots.get(SLOT.with(|s| *s)) else {
        return highlight();
    };
    slot.digest.store(digest, Ordering::Relaxed);
    let now = w.epoch.elapsed().as_millis() as u64;
    slot.started.store(now.max(1), Ordering::Release);
    let out = highlight();
    slot.started.store(0, Ordering::Release);
    out
}

/// The warning for a code block rendered plain for going over the highlighting budget.
pub(super) fn warning(body: &str, code: &str, fence: &Fence, ctx: &MarkdownContext) -> String {
    // The fence's line: the one before where the block's text first appears in the body
    // (searched for only on this rare path).
    let in_body = body.find(code).map_or(1, |at| body[..at].lines().count());
    let lang = if fence.lang.is_empty() {
        "plain text"
    } else {
        &fence.lang
    };
    match ctx.source {
        Some((file, first)) => format!(
            "{}:{}: this `{lang}` code block's highlighting ran over its budget; it is rendered plain",
            file.display(),
            (first + in_body).saturating_sub(1)
        ),
        None => format!(
            "{}: a `{lang}` code block's highlighting ran over its budget; it is rendered plain",
            ctx.permalink
        ),
    }
}

/// Wakes a few times per budget; restarts the process when a block is over it.
fn watchdog() {
    let w = watch();
    let tick = (w.budget / 4).clamp(Duration::from_millis(5), Duration::from_millis(500));
    loop {
        std::thread::sleep(tick);
        let now = w.epoch.elapsed().as_millis() as u64;
        let budget = w.budget.as_millis() as u64;
        let late: Vec<u64> = w
            .slots
            .iter()
            .filter(|s| {
                let started = s.started.load(Ordering::Acquire);
                started != 0 && now.saturating_sub(started) > budget
            })
            .map(|s| s.digest.load(Ordering::Relaxed))
            .collect();
        if !late.is_empty() {
            restart(w, &late);
        }
    }
}

/// Execs this same command with `late` added to the over-budget blocks. Does not return
/// unless the exec fails, and then the process exits with an error: it cannot go on.
fn restart(w: &Watch, late: &[u64]) -> ! {
    let mut all: Vec<u64> = w.over.iter().chain(late).copied().collect();
    all.sort_unstable();
    all.dedup();
    let list: Vec<String> = all.iter().map(|d| format!("{d:016x}")).collect();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "sitegen: a code block's highlighting ran over its {} ms budget; starting again with it plain",
        w.budget.as_millis()
    );
    let _ = stderr.flush();
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_default();
    let exe = std::env::current_exe().unwrap_or_else(|_| "/proc/self/exe".into());
    let err = std::process::Command::new(exe)
        .arg0(arg0)
        .args(args)
        .env(OVER_BUDGET, list.join(","))
        .exec();
    let _ = writeln!(stderr, "sitegen: cannot start again ({err}); stopping");
    std::process::exit(1)
}
