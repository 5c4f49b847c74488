//! Templates that call themselves: an include cycle is refused when the templates load, and
//! a render that recurses without end (a macro calling itself, an include chosen by a
//! variable) ends the process with an error naming the template and the page instead of
//! Rust's stack-overflow abort.
//!
//! Why a stack guard and not a depth limit: Tera has no hook to count macro or include
//! depth, and recursion that ends (a menu macro walking a tree) is legitimate at any depth
//! the stack allows. The guard costs one thread-local write per render. When the stack's
//! guard page is hit, the signal handler (on the alternate stack the standard library sets
//! up for every thread) writes the message kept for the current render and exits with 1
//! before anything is committed, so the previous output stays as it was.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Once, OnceLock};

/// Room for the description of the render in progress (longer ones are cut).
const DESCRIPTION: usize = 480;

thread_local! {
    /// What the thread renders now: length and bytes; 0 when it renders nothing.
    static CURRENT: Cell<(usize, [u8; DESCRIPTION])> = const { Cell::new((0, [0; DESCRIPTION])) };
}

/// Runs `render` with `template` and `page` noted as what this thread renders, for the
/// stack-overflow message.
pub fn guarded<R>(template: &str, page: &str, render: impl FnOnce() -> R) -> R {
    let text = format!(
        "sitegen: error: template `{template}` rendering {page}: the template recursion does not end (an include or a macro that calls itself with nothing to stop it); the previous output is intact\n"
    );
    let mut buf = [0u8; DESCRIPTION];
    let len = text.len().min(DESCRIPTION);
    buf[..len].copy_from_slice(&text.as_bytes()[..len]);
    let before = CURRENT.with(|c| c.replace((len, buf)));
    let result = render();
    CURRENT.with(|c| c.set(before));
    result
}

/// The handler that was there before ours, called for a fault outside a render.
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

/// Installs the stack-overflow handler for SIGSEGV and SIGBUS (once per process; the binary
/// calls it, a library user may).
pub fn install_overflow_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGSEGV, &action, &mut old) == 0 {
            let _ = PREVIOUS.set(old);
        }
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    });
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let (len, buf) = CURRENT.with(Cell::get);
    if len > 0 {
        unsafe {
            libc::write(2, buf.as_ptr().cast(), len);
            libc::_exit(1);
        }
    }
    // Not in a render: what was there before (the standard library's report), else the
    // default action once the handler returns and the fault repeats.
    unsafe {
        match PREVIOUS.get() {
            Some(old)
                if old.sa_sigaction > libc::SIG_IGN && old.sa_flags & libc::SA_SIGINFO != 0 =>
            {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(old.sa_sigaction);
                f(sig, info, ctx);
            }
            _ => {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
    }
}

/// The first cycle of `include`s and `extends` among `edges` (template -> the templates it
/// includes or extends), as `a.html -> b.html -> a.html`.
pub(super) fn include_cycle(edges: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(start, edges, &mut path, &mut done) {
            return Some(cycle);
        }
    }
    None
}

fn visit(
    name: &str,
    edges: &BTreeMap<String, Vec<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|p| p == name) {
        let mut cycle = path[at..].to_vec();
        cycle.push(name.to_string());
        return Some(cycle);
    }
    if done.contains(name) {
        return None;
    }
    path.push(name.to_string());
    for next in edges.get(name).into_iter().flatten() {
        if let Some(cycle) = visit(next, edges, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(name.to_string());
    None
}

/// The `include` and `extends` targets named in `text` (string literals only: an include
/// chosen by a variable is left to the stack guard).
pub(super) fn include_targets(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag.split("%}").next().unwrap_or("");
        let tag = tag.trim().trim_start_matches('-').trim();
        let keyword = tag.split_whitespace().next().unwrap_or("");
        if !matches!(keyword, "extends" | "include") {
            continue;
        }
        let rest = tag[keyword.len()..]
            .split("ignore missing")
            .next()
            .unwrap_or("");
        names.extend(rest.split(['"', '\'']).skip(1).step_by(2).map(String::from));
    }
    names
}

/// The file of the first template of a cycle, for the error.
pub(super) fn cycle_file(
    cycle: &[String],
    sources: &BTreeMap<String, (String, Option<PathBuf>)>,
) -> String {
    let first = &cycle[0];
    match sources.get(first) {
        Some((_, Some(path))) => path.display().to_string(),
        _ => first.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_of_one_and_three_are_found_and_a_chain_is_not() {
        let edges = |pairs: &[(&str, &[&str])]| -> BTreeMap<String, Vec<String>> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        assert_eq!(include_cycle(&edges(&[("a", &["a"])])).unwrap(), ["a", "a"]);
        assert_eq!(
            include_cycle(&edges(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])])).unwrap(),
            ["a", "b", "c", "a"]
        );
        assert!(include_cycle(&edges(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &[])])).is_none());
        assert_eq!(
            include_targets("{% extends 'base.html' %}{%- include \"x.html\" ignore missing -%}{% import \"m.html\" as m %}"),
            ["base.html", "x.html"]
        );
    }
}
