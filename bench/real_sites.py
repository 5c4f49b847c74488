#!/usr/bin/env python3
"""Clean-build time of sitegen against Zola 0.22.1 on the real sites of the compat corpus.

What it measures: for each site of the corpus (`../shared/compat/corpus.sh` makes it in
`target/compat-corpus/`), the wall-clock time of a clean `build` by sitegen and by Zola, and
their ratio sitegen/Zola.

How:
  - Each site is copied twice into a temporary folder (never built in the corpus): a sitegen
    copy left unchanged, and a Zola copy given the generic migrations Zola 0.22.1 needs for
    sites written for older versions. Those migrations are not kept here: they are imported
    from `visual.py` of the compat kit (`--compat DIR`, default `../shared/compat`), its
    `migrate_for_zola`, plus its fixes applied only after a matching Zola error
    (`ON_ERROR_FIXES`), so both benchmarks build the same Zola copy.
  - Clean builds, paired and alternating: on each of `--reps` repetitions (default 5) both
    build once, Zola first on odd repetitions and sitegen first on even ones, each into a fresh
    output directory. Before a sitegen run its state (`.sitegen/` in the copy) and its output
    are removed; before a Zola run its output is removed and its image cache
    (`static/processed_images/` in the copy) is put back as the corpus has it. Before each
    timed run `sync` flushes what the previous one left dirty.
      sitegen: SITEGEN build --quiet --root COPY --output OUT   (its defaults: --durability
               fsync, one worker per core)
      Zola:    ZOLA --root COPY build --output-dir OUT --force
    Time is time.perf_counter() around subprocess.run: process start to exit.
  - A site where either build fails on the first repetition is skipped and listed with the
    first line of the failing side's stderr (past Zola's progress lines) and its last (where
    Zola names the cause); so is one that fails or times out later.

It prints a table (site, pages = .html files in sitegen's output, median seconds of each,
ratio of the medians sitegen/Zola), then the median of the ratios, the worst ratio and how many
sites are at or under 1.0x, against the targets: every site <= 1.0x Zola, median <= 0.5x.
Every time, and those figures, are written as JSON (`--json`, default
`target/bench-real-sites.json`).

Other work on the machine shows up in the times; the alternation shares it between the two.

Usage: bench/real_sites.py --zola ZOLA [--sitegen BIN] [--reps 5] [--corpus DIR]
                           [--compat DIR] [--work DIR] [--json OUT] [NAME...]
  --zola defaults to $ZOLA. The defaults are relative to the repository root (for --corpus
  and --compat, the main checkout's when a linked worktree has none).
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TIMEOUT = 1800  # seconds, per build


def main_checkout():
    """The main working tree when this is a linked worktree (`git worktree add`), else REPO."""
    try:
        common = subprocess.run(["git", "-C", REPO, "rev-parse", "--path-format=absolute",
                                 "--git-common-dir"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return REPO
    return os.path.dirname(common) if os.path.basename(common) == ".git" else REPO


def repo_default(*rel):
    """REPO/rel, or the main checkout's when a linked worktree lacks it (the corpus and the
    compat kit beside the repository are usually only there)."""
    here = os.path.join(REPO, *rel)
    return here if os.path.exists(here) else os.path.join(main_checkout(), *rel)


def load_compat(compat_dir):
    """visual.py of the compat kit, as a module (its screenshot code needs Pillow, which this
    benchmark does not: a stand-in is used when Pillow is missing)."""
    path = os.path.join(compat_dir, "visual.py")
    if not os.path.isfile(path):
        sys.exit(f"real_sites: no {path} (pass --compat DIR, the folder of the compat kit)")
    try:
        import PIL  # noqa: F401
    except ImportError:
        pil = types.ModuleType("PIL")
        pil.Image = pil.ImageChops = None
        sys.modules["PIL"] = pil
    spec = importlib.util.spec_from_file_location("compat_visual", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def error_lines(text):
    """The first line of stderr (after Zola's progress lines) and, when there are more,
    the last (where Zola names the cause)."""
    progress = ("Building site...", "-> ", "Done in ")
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith(progress)]
    if not lines:
        return "(no stderr)"
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def timed(cmd):
    os.sync()
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t, 124, f"timed out after {TIMEOUT} s"
    return time.perf_counter() - t, p.returncode, p.stderr


def count_html(root):
    return sum(1 for _, _, fs in os.walk(root) for f in fs if f.endswith(".html"))


def reset_image_cache(src, copy):
    """Zola keeps processed images in static/processed_images/ and reuses them: put the
    folder back as the corpus has it, so every Zola build is as clean as the first."""
    dst = os.path.join(copy, "static", "processed_images")
    shutil.rmtree(dst, ignore_errors=True)
    orig = os.path.join(src, "static", "processed_images")
    if os.path.isdir(orig):
        shutil.copytree(orig, dst, symlinks=True)


def bench_site(name, a, vis, work):
    src = os.path.join(a.corpus, name)
    wd = os.path.join(work, name)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    sg, zl = os.path.join(wd, "sitegen"), os.path.join(wd, "zola")
    sout, zout = os.path.join(wd, "out-sitegen"), os.path.join(wd, "out-zola")
    vis.copy_site(src, sg)
    vis.copy_site(src, zl)
    migrations = vis.migrate_for_zola(zl)
    fixes = getattr(vis, "ON_ERROR_FIXES", [])
    r = {"site": name, "sitegen_s": [], "zola_s": [], "migrations": migrations}

    def run_sitegen():
        for d in (os.path.join(sg, ".sitegen"), sout,
                  os.path.join(wd, ".out-sitegen.sitegen-standby")):
            shutil.rmtree(d, ignore_errors=True)
        return timed([a.sitegen, "build", "--quiet", "--root", sg, "--output", sout])

    def run_zola(first):
        applied = set()
        while True:
            shutil.rmtree(zout, ignore_errors=True)
            reset_image_cache(src, zl)
            s, rc, err = timed([a.zola, "--root", zl, "build", "--output-dir", zout, "--force"])
            fix = next((f for f in fixes if f[0] not in applied and re.search(f[1], err)), None)
            # A known 0.22 incompatibility: apply its fix and build again (first rep only).
            if rc == 0 or not first or fix is None or not fix[2](zl, migrations, err):
                return s, rc, err
            applied.add(fix[0])

    try:
        for rep in range(1, a.reps + 1):
            order = ("zola", "sitegen") if rep % 2 else ("sitegen", "zola")
            for tool in order:
                s, rc, err = run_sitegen() if tool == "sitegen" else run_zola(rep == 1)
                if rc != 0:
                    r["error"] = {"tool": tool, "rep": rep, "rc": rc, "stderr": error_lines(err),
                                  "stderr_tail": err.splitlines()[-20:]}
                    return r
                r[f"{tool}_s"].append(round(s, 4))
                if tool == "sitegen" and rep == 1:
                    r["pages"] = count_html(sout)
        r["sitegen_median_s"] = round(statistics.median(r["sitegen_s"]), 4)
        r["zola_median_s"] = round(statistics.median(r["zola_s"]), 4)
        r["ratio"] = round(r["sitegen_median_s"] / r["zola_median_s"], 4)
        return r
    finally:
        shutil.rmtree(wd, ignore_errors=True)


def version(binary):
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help="sites of the corpus (default: all)")
    ap.add_argument("--sitegen", default=os.path.join(REPO, "target", "release", "sitegen"))
    ap.add_argument("--zola", default=os.environ.get("ZOLA"),
                    help="Zola 0.22.1 binary (default: $ZOLA)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--corpus", default=repo_default("target", "compat-corpus"))
    ap.add_argument("--compat", default=repo_default("..", "shared", "compat"))
    ap.add_argument("--work", help="folder for the copies and outputs (default: a new temp folder)")
    ap.add_argument("--json", default=os.path.join(REPO, "target", "bench-real-sites.json"))
    a = ap.parse_args()
    if not a.zola:
        ap.error("--zola BIN (or $ZOLA) is required")
    if a.reps < 1:
        ap.error("--reps must be at least 1")
    a.sitegen, a.zola = os.path.abspath(a.sitegen), os.path.abspath(a.zola)
    a.corpus = os.path.abspath(a.corpus)
    for what, b in (("sitegen", a.sitegen), ("zola", a.zola)):
        if not os.access(b, os.X_OK):
            sys.exit(f"real_sites: no {what} binary at {b}")
    if not os.path.isdir(a.corpus):
        sys.exit(f"real_sites: no corpus at {a.corpus} (run ../shared/compat/corpus.sh)")
    vis = load_compat(os.path.abspath(a.compat))
    sites = sorted(d for d in os.listdir(a.corpus) if os.path.isdir(os.path.join(a.corpus, d)))
    unknown = [n for n in a.names if n not in sites]
    if unknown:
        sys.exit(f"real_sites: not in the corpus: {', '.join(unknown)}")
    names = a.names or sites

    own_work = a.work is None
    work = tempfile.mkdtemp(prefix="sitegen-real-sites-") if own_work else os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    print(f"{len(names)} sites, {a.reps} clean builds each side, alternating; "
          f"{version(a.sitegen)} vs {version(a.zola)}", flush=True)
    print(f"{'site':<24} {'pages':>6} {'sitegen s':>10} {'Zola s':>9} {'ratio':>7}", flush=True)
    results, t0 = [], time.perf_counter()
    try:
        for n in names:
            r = bench_site(n, a, vis, work)
            results.append(r)
            if "error" in r:
                e = r["error"]
                print(f"{n:<24} {'-':>6} {'-':>10} {'-':>9} {'-':>7}  skipped: {e['tool']} "
                      f"failed (rep {e['rep']}, rc {e['rc']}): {e['stderr'][:160]}", flush=True)
            else:
                print(f"{n:<24} {r['pages']:>6} {r['sitegen_median_s']:>10.3f} "
                      f"{r['zola_median_s']:>9.3f} {r['ratio']:>6.2f}x", flush=True)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)

    ok = [r for r in results if "ratio" in r]
    skipped = [r for r in results if "error" in r]
    summary = {"sites": len(results), "measured": len(ok), "skipped": len(skipped),
               "wall_s": round(time.perf_counter() - t0, 1)}
    print()
    if ok:
        ratios = [r["ratio"] for r in ok]
        worst = max(ok, key=lambda r: r["ratio"])
        under = sum(1 for x in ratios if x <= 1.0)
        med = statistics.median(ratios)
        summary.update(median_ratio=round(med, 4), worst_ratio=worst["ratio"],
                       worst_site=worst["site"], at_or_under_1x=under,
                       target_every_site_le_1x=under == len(ok), target_median_le_0_5x=med <= 0.5)
        print(f"median ratio sitegen/Zola: {med:.2f}x (target <= 0.5x: "
              f"{'met' if med <= 0.5 else 'missed'})")
        print(f"worst ratio: {worst['ratio']:.2f}x ({worst['site']})")
        print(f"sites <= 1.0x: {under} of {len(ok)} (target: every site: "
              f"{'met' if under == len(ok) else 'missed'})")
    if skipped:
        print(f"skipped {len(skipped)}: " + "; ".join(
            f"{r['site']} ({r['error']['tool']})" for r in skipped))
    out = {"sitegen": a.sitegen, "sitegen_version": version(a.sitegen), "zola": a.zola,
           "zola_version": version(a.zola), "reps": a.reps, "cpus": os.cpu_count(),
           "summary": summary, "sites": results}
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    print(f"JSON: {a.json}")


if __name__ == "__main__":
    main()
