#!/usr/bin/env python3
"""Side-by-side build benchmark: sitegen against Hugo on the same generated pages.

Generates both flavors of the synthetic site with ../shared/bench/gen_site.py, then, in one
run, repeats these builds with the fresh-output rows in a rotating order, and prints medians,
ratios and peak memory (getrusage of each child) as a table, checked against the targets:

  hugo full             Hugo into a fresh output dir (installed with apt-get if missing)
  sitegen full          fresh output dir, --durability fsync (the default)
  sitegen full, none    fresh output dir, --durability none
  sitegen no-op         nothing changed since the last build
  sitegen one edit      one page's body edited
  sitegen all changed   every page edited, over the existing output
  serve edit-to-reload  `sitegen serve`: one page edited until the `reload` event
  (--large N)           sitegen full at N pages, once: time per page against the above

Outputs replaced between runs are moved aside and deleted at the end: deleting thousands of
files just before a timed build slows the next file creations on some file systems (ext4
without a journal skips recently freed inodes), which would charge one run for another.
For the same reason each timed run starts after a `sync`, not while the previous run's
writes are still being flushed.

Usage: bench/compare.py [--pages 10000] [--reps 3] [--work DIR] [--json FILE]
                        [--large N] [--no-hugo] [--serve-edits 7] [--sitegen BIN]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import serve_latency  # noqa: E402


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Child:
    """Peak RSS of finished children: getrusage(RUSAGE_CHILDREN) only grows, so each
    measured command runs in a fresh Python child that reports its own child's maxrss."""

    @staticmethod
    def measure(cmd, cwd=None):
        # Every run starts with no dirty pages of earlier runs pending: otherwise a run pays
        # for the writeback of the one before (and sitegen's syncfs waits for it).
        os.sync()
        probe = (
            "import os,sys,subprocess,time,resource,json\n"
            "t=time.perf_counter()\n"
            "p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)\n"
            "w=(time.perf_counter()-t)*1000\n"
            "r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "print(json.dumps({'ms':w,'rss_kib':r,'rc':p.returncode,"
            "'out':p.stdout.decode(),'err':p.stderr.decode()}))\n"
        )
        done = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd,
                              stdout=subprocess.PIPE, check=True)
        result = json.loads(done.stdout)
        if result["rc"] != 0:
            raise SystemExit(f"bench: {' '.join(cmd)} failed ({result['rc']}):\n{result['err']}")
        return result["ms"], result["rss_kib"] / 1024, result["out"]


class Trash:
    """Moves replaced outputs aside (a rename) and deletes them all at the end."""

    def __init__(self, work):
        self.dir = os.path.join(work, "trash")
        os.makedirs(self.dir, exist_ok=True)
        self.n = 0

    def put(self, path):
        if os.path.lexists(path):
            self.n += 1
            os.rename(path, os.path.join(self.dir, str(self.n)))

    def empty(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def pages_of(site):
    found = []
    for dirpath, _, files in os.walk(os.path.join(site, "content")):
        found.extend(os.path.join(dirpath, f) for f in files
                     if f.endswith(".md") and f != "_index.md")
    return sorted(found)


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def generate(gen, out, pages, flavor, trash):
    trash.put(out)
    log(f"generating {pages} pages ({flavor}) into {out}")
    subprocess.run([sys.executable, gen, out, "--pages", str(pages), "--flavor", flavor],
                   check=True, stdout=subprocess.DEVNULL)


def find_hugo():
    hugo = shutil.which("hugo")
    if hugo:
        return hugo, None
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("hugo not found: apt-get install -y hugo")
        r = subprocess.run(["apt-get", "install", "-y", "hugo"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if r.returncode == 0 and shutil.which("hugo"):
            return shutil.which("hugo"), None
        return None, f"apt-get install hugo failed: {r.stderr.decode().strip()[-200:]}"
    return None, "hugo is not installed and cannot be installed here (needs root and apt-get)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(REPO, "target", "bench-compare"))
    ap.add_argument("--json", default=None, help="default: WORK/results.json")
    ap.add_argument("--large", type=int, default=0, help="also build N pages once (100000)")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--serve-edits", type=int, default=7)
    ap.add_argument("--sitegen", default=None, help="binary (default: cargo build --release)")
    ap.add_argument("--gen", default=os.path.join(REPO, "..", "shared", "bench", "gen_site.py"))
    args = ap.parse_args()

    if not os.path.isfile(args.gen):
        raise SystemExit(f"bench: generator {args.gen} not found (pass --gen PATH)")
    sitegen = args.sitegen
    if sitegen is None:
        log("cargo build --release")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
        sitegen = os.path.join(REPO, "target", "release", "sitegen")
    sitegen = os.path.abspath(sitegen)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    trash = Trash(work)
    site = os.path.join(work, f"sitegen-{args.pages}")
    hsite = os.path.join(work, f"hugo-{args.pages}")
    generate(args.gen, site, args.pages, "zola", trash)
    hugo, hugo_skip = (None, "--no-hugo") if args.no_hugo else find_hugo()
    if hugo:
        generate(args.gen, hsite, args.pages, "hugo", trash)
    else:
        log(f"skipping the Hugo row: {hugo_skip}")

    def sg(*extra):
        ms, rss, out = Child.measure([sitegen, "build", "--root", site, "--format", "json", *extra])
        return ms, rss, json.loads(out)

    def fresh(durability):
        def go():
            trash.put(os.path.join(site, "public"))
            trash.put(os.path.join(site, ".sitegen"))
            return sg("--durability", durability)
        return go

    def hugo_full():
        trash.put(os.path.join(hsite, "public"))
        trash.put(os.path.join(hsite, "resources"))
        ms, rss, _ = Child.measure([hugo, "--quiet", "--source", hsite])
        return ms, rss, None

    rows = {}

    def record(name, result):
        ms, rss, summary = result
        row = rows.setdefault(name, {"name": name, "times_ms": [], "peak_rss_mib": []})
        row["times_ms"].append(round(ms, 1))
        row["peak_rss_mib"].append(round(rss, 1))
        if summary is not None:
            row.setdefault("written", []).append(summary["written"])
            row.setdefault("rendered", []).append(summary["rendered"])
        log(f"{name}: {ms:.0f} ms, {rss:.0f} MiB"
            + (f", {summary['rendered']} rendered, {summary['written']} written" if summary else ""))

    all_pages = pages_of(site)
    one = all_pages[len(all_pages) // 2]
    fresh_rows = [("sitegen full", fresh("fsync")), ("sitegen full, durability none", fresh("none"))]
    if hugo:
        fresh_rows.append(("hugo full", hugo_full))
    for rep in range(args.reps):
        log(f"repetition {rep + 1}/{args.reps}")
        k = rep % len(fresh_rows)
        for name, go in fresh_rows[k:] + fresh_rows[:k]:
            record(name, go())
        # The output now is a complete build of the current pages: incremental rows.
        record("sitegen no-op", sg())
        append(one, f"\nOne more line, edit {rep}.\n")
        record("sitegen one edit", sg())
        for p in all_pages:
            append(p, f"\nEvery page changed, round {rep}.\n")
        record("sitegen all changed, over existing output", sg())

    serve = None
    if args.serve_edits > 0:
        log(f"serve: {args.serve_edits} edits")
        serve = serve_latency.measure(sitegen, site, args.serve_edits)

    large = None
    if args.large:
        lsite = os.path.join(work, f"sitegen-{args.large}")
        generate(args.gen, lsite, args.large, "zola", trash)
        ms, rss, out = Child.measure([sitegen, "build", "--root", lsite, "--format", "json"])
        large = {"pages": args.large, "ms": round(ms, 1), "peak_rss_mib": round(rss, 1),
                 "written": json.loads(out)["written"]}
        log(f"large: {large}")
        trash.put(lsite)
    trash.empty()

    for row in rows.values():
        row["median_ms"] = statistics.median(row["times_ms"])
        row["max_rss_mib"] = max(row["peak_rss_mib"])
    full = rows["sitegen full"]["median_ms"]
    hugo_ms = rows["hugo full"]["median_ms"] if "hugo full" in rows else None
    for row in rows.values():
        row["vs_sitegen_full"] = round(row["median_ms"] / full, 3)
        row["vs_hugo_full"] = round(row["median_ms"] / hugo_ms, 3) if hugo_ms else None

    targets = []

    def target(what, value, limit, unit=""):
        ok = value is not None and value <= limit
        targets.append({"target": what, "value": value, "limit": limit, "met": ok})
        return ok

    if hugo_ms:
        target("sitegen full / hugo full", round(full / hugo_ms, 3), 0.2)
    target("no-op / full", rows["sitegen no-op"]["vs_sitegen_full"], 0.05)
    target("no-op files written", max(rows["sitegen no-op"]["written"]), 0)
    target("one edit / full", rows["sitegen one edit"]["vs_sitegen_full"], 0.08)
    if serve:
        target("serve edit-to-reload median ms", round(statistics.median(serve)), 100)
    target("fsync full / none full",
           round(full / rows["sitegen full, durability none"]["median_ms"], 3), 1.2)
    target("peak RSS MiB (sitegen, any row)",
           max(r["max_rss_mib"] for n, r in rows.items() if n.startswith("sitegen")), 250)
    if large:
        per_page = (large["ms"] / large["pages"]) / (full / args.pages)
        large["per_page_vs_small"] = round(per_page, 3)
        target(f"time per page at {large['pages']} / at {args.pages}", round(per_page, 3), 1.2)
        target(f"peak RSS MiB at {large['pages']}", large["peak_rss_mib"], 1536)

    print(f"\n{args.pages} pages, {args.reps} repetitions, {os.cpu_count()} cores, "
          f"medians (ms); peak RSS is the largest over the repetitions\n")
    print("| build | median ms | runs ms | vs sitegen full | vs hugo full | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for row in rows.values():
        hv = f"{row['vs_hugo_full']:.3f}" if row["vs_hugo_full"] is not None else "-"
        runs = ", ".join(f"{t:.0f}" for t in row["times_ms"])
        print(f"| {row['name']} | {row['median_ms']:.0f} | {runs} | "
              f"{row['vs_sitegen_full']:.3f} | {hv} | {row['max_rss_mib']:.0f} |")
    if not hugo:
        print(f"| hugo full | skipped: {hugo_skip} | | | | |")
    if serve:
        print(f"| serve edit-to-reload | {statistics.median(serve):.0f} | "
              f"{', '.join(f'{t:.0f}' for t in serve)} | | | |")
    if large:
        print(f"| sitegen full, {large['pages']} pages | {large['ms']:.0f} | | "
              f"per page {large['per_page_vs_small']:.3f}x | | {large['peak_rss_mib']:.0f} |")
    print("\n| target | measured | limit | |\n|---|---|---|---|")
    for t in targets:
        print(f"| {t['target']} | {t['value']} | {t['limit']} | {'met' if t['met'] else 'MISSED'} |")

    result = {"pages": args.pages, "reps": args.reps, "cores": os.cpu_count(),
              "rows": list(rows.values()), "serve_edit_to_reload_ms": serve,
              "hugo_skipped": hugo_skip, "large": large, "targets": targets}
    out = args.json or os.path.join(work, "results.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
