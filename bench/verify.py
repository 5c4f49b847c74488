#!/usr/bin/env python3
"""Times `sitegen verify` on a built synthetic site, with a warm page cache.

Generates the pages (../shared/bench/gen_site.py, Zola flavor), builds them once
(--durability none), then runs `sitegen verify --format json` REPS times in a row. The first
run reads what the build just wrote (already in the page cache, so it is warm too, but it is
reported apart); the target is the runs after it. Prints each run's wall time (process start
to exit, as a user sees it) and the time verify itself reports (`elapsed_ms`: lock, manifest,
hashing and walk), the files and bytes checked, and the median against the target.

The target (issue 16): 10,000 pages verified in under 0.5 s, warm.

Usage: bench/verify.py BIN [--pages 10000] [--reps 5] [--work DIR] [--gen PATH]
                       [--target-ms 500] [--args ARGS]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--work", default="/dev/shm/sitegen-verify-bench")
    ap.add_argument("--gen", default=os.path.join(REPO, "..", "shared", "bench", "gen_site.py"))
    ap.add_argument("--target-ms", type=float, default=500.0)
    ap.add_argument("--args", default="", help="extra build options, e.g. '--publish swap'")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    shutil.rmtree(args.work, ignore_errors=True)
    site = os.path.join(args.work, "site")
    subprocess.run([sys.executable, args.gen, site, "--pages", str(args.pages)], check=True,
                   stdout=subprocess.DEVNULL)
    build = [binary, "build", "--root", site, "--durability", "none", "--quiet"]
    subprocess.run(build + args.args.split(), check=True)
    runs = []
    for _ in range(args.reps):
        t = time.perf_counter()
        p = subprocess.run([binary, "verify", "--root", site, "--format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = (time.perf_counter() - t) * 1000
        if p.returncode != 0:
            sys.exit(f"bench: verify exited {p.returncode}:\n{p.stdout.decode()[:2000]}"
                     f"\n{p.stderr.decode()}")
        report = json.loads(p.stdout)
        runs.append((wall, report["elapsed_ms"], report["files_checked"], report["bytes_hashed"]))
    files, size = runs[0][2], runs[0][3]
    print(f"{args.pages} pages -> {files} output files, {size / 1e6:.1f} MB; "
          f"{os.cpu_count()} cores; work dir {args.work}")
    for i, (wall, inner, _, _) in enumerate(runs):
        label = "first (after the build)" if i == 0 else f"warm run {i}"
        print(f"  {label:<24} wall {wall:7.1f} ms   verify's own {inner:5d} ms")
    warm = [r[0] for r in runs[1:]] or [runs[0][0]]
    median = statistics.median(warm)
    verdict = "met" if median < args.target_ms else "MISSED"
    print(f"warm median wall {median:.1f} ms; second run {runs[min(1, len(runs) - 1)][0]:.1f} ms; "
          f"target {args.target_ms:.0f} ms: {verdict}")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
