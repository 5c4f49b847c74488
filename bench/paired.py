#!/usr/bin/env python3
"""Paired benchmark of two sitegen binaries on the same generated site.

Answers "did this change cost the sites that do not use it anything?": both binaries build
the same pages (../shared/bench/gen_site.py, Zola flavor) in alternating order, each run
after a `sync`, on a work directory of your choice (tmpfs or a loop-mounted ext4 keep the
disk out of it). Rows: a full build into a fresh output (--durability none), a no-op
rebuild, a one-page edit, an edit of a shortcode template and a second edit of the page.
Prints every run, the medians and B/A, in wall-clock time and then in CPU time (user + system
of the build process): on a shared machine the CPU rows move less with other load, so a small
cost shows there first.

Both sites get a shortcode template (`templates/shortcodes/note.html`); with
`--calls a|b|both` that side's corpus also calls it from every tenth page. `bench/paired.py
BIN BIN --calls b` measures what the calls cost (and what a shortcode edit re-renders) with
one binary; without `--calls` the shortcode edit row shows that an unused shortcode costs
nothing.

`--args-a` / `--args-b` add build options to one side: `bench/paired.py BIN BIN --args-b
"--publish swap"` compares publishing file by file with swapping the whole site (and then
prints the disk the standby tree takes: its files, and the bytes and inodes not shared with
the live tree by hard links).

Usage: bench/paired.py BIN_A BIN_B [--pages 10000] [--reps 5] [--work DIR] [--gen PATH]
                       [--calls none|a|b|both] [--args-a ARGS] [--args-b ARGS]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def timed(cmd):
    """Wall and CPU (user + system) milliseconds of one run of cmd."""
    os.sync()
    before = os.times()
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ms = (time.perf_counter() - t) * 1000
    after = os.times()
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system) * 1000
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{p.stderr.decode()}")
    return ms, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--work", default="/dev/shm/sitegen-paired")
    ap.add_argument("--gen", default=os.path.join(REPO, "..", "shared", "bench", "gen_site.py"))
    ap.add_argument("--calls", choices=["none", "a", "b", "both"], default="none")
    ap.add_argument("--args-a", default="")
    ap.add_argument("--args-b", default="")
    args = ap.parse_args()
    extra = {"a": args.args_a.split(), "b": args.args_b.split()}
    shutil.rmtree(args.work, ignore_errors=True)
    src = os.path.join(args.work, "site")
    subprocess.run([sys.executable, args.gen, src, "--pages", str(args.pages)], check=True,
                   stdout=subprocess.DEVNULL)
    sites = {}
    for name in ("a", "b"):
        sites[name] = os.path.join(args.work, name)
        shutil.copytree(src, sites[name])
        shortcode = os.path.join(sites[name], "templates", "shortcodes", "note.html")
        os.makedirs(os.path.dirname(shortcode), exist_ok=True)
        with open(shortcode, "w") as f:
            f.write('<aside class="note" data-n="{{ nth }}">{{ text }}</aside>')
        if args.calls in (name, "both"):
            pages = sorted(
                os.path.join(d, f)
                for d, _, fs in os.walk(os.path.join(sites[name], "content"))
                for f in fs if f.endswith(".md") and f != "_index.md")
            for page in pages[::10]:
                with open(page, "a") as f:
                    f.write('\n{{ note(text="A shortcode call.") }}\n')
    bins = {"a": os.path.abspath(args.a), "b": os.path.abspath(args.b)}
    kinds = ("full", "no-op", "one edit", "shortcode edit", "second edit")
    rows = {(n, r): [] for n in bins for r in kinds}
    edit = None
    for rep in range(args.reps):
        order = ("a", "b") if rep % 2 == 0 else ("b", "a")
        for n in order:
            root = sites[n]
            shutil.rmtree(os.path.join(root, "public"), ignore_errors=True)
            shutil.rmtree(os.path.join(root, ".sitegen"), ignore_errors=True)
            shutil.rmtree(os.path.join(root, ".public.sitegen-standby"), ignore_errors=True)
            base = [bins[n], "build", "--root", root, "--durability", "none", "--quiet"] + extra[n]
            rows[(n, "full")].append(timed(base))
            rows[(n, "no-op")].append(timed(base))
            if edit is None:
                pages = sorted(
                    os.path.join(d, f)
                    for d, _, fs in os.walk(os.path.join(root, "content"))
                    for f in fs if f.endswith(".md") and f != "_index.md")
                edit = os.path.relpath(pages[len(pages) // 2], root)
            with open(os.path.join(root, edit), "a") as f:
                f.write(f"\nEdited in run {rep}.\n")
            rows[(n, "one edit")].append(timed(base))
            with open(os.path.join(root, "templates", "shortcodes", "note.html"), "a") as f:
                f.write(f"<!-- {rep} -->")
            rows[(n, "shortcode edit")].append(timed(base))
            # The same page again, two builds after the full one (under `--publish swap`,
            # when the standby tree has caught up: the steady state of an edit).
            with open(os.path.join(root, edit), "a") as f:
                f.write(f"\nEdited again in run {rep}.\n")
            rows[(n, "second edit")].append(timed(base))
    print(f"{args.pages} pages, {args.reps} reps, alternating; A = {args.a}, B = {args.b}; "
          f"shortcode calls in every tenth page: {args.calls}")
    for column, what in ((0, "wall"), (1, "cpu")):
        print(f"{'row (' + what + ')':<20} {'A median ms':>12} {'B median ms':>12} {'B/A':>7}   "
              "runs A | runs B")
        for r in kinds:
            xs = {n: [run[column] for run in rows[(n, r)]] for n in bins}
            a, b = statistics.median(xs["a"]), statistics.median(xs["b"])
            runs = lambda n: ", ".join(f"{x:.0f}" for x in xs[n])
            print(f"{r:<20} {a:>12.0f} {b:>12.0f} {b / a:>7.3f}   {runs('a')} | {runs('b')}")
    for n in bins:
        standby = os.path.join(sites[n], ".public.sitegen-standby")
        if os.path.isdir(standby):
            files = own_bytes = own_inodes = 0
            for d, _, fs in os.walk(standby):
                for f in fs:
                    st = os.lstat(os.path.join(d, f))
                    files += 1
                    if st.st_nlink == 1:
                        own_inodes += 1
                        own_bytes += st.st_size
            print(f"standby of {n.upper()}: {files} files; {own_inodes} inodes and "
                  f"{own_bytes / 1e6:.1f} MB of its own (the rest hard links shared with the live tree)")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
