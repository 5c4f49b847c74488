#!/usr/bin/env python3
"""Deploy benchmark: `sitegen deploy` of the synthetic site to an S3 endpoint on the loopback,
against `aws s3 sync` (every object listed and compared, the usual CI step) as the baseline.

What it measures, each the wall time of one command and the requests it made where the tool
reports them (sitegen's `--format json`):
  sitegen full        a first deploy into an empty prefix
  sitegen no change   the same tree again
  sitegen one edit    one page's body edited, rebuilt (not timed), deployed
  aws sync full       `aws s3 sync OUT s3://bucket/aws` into an empty prefix
  aws sync no change  the same tree again
  aws sync one edit   after the same edit

The store is moto's S3 server (`moto_server`, PyPI `moto[server]`) until the Garage cluster of
the deploy issue is in the tests: a Python server, so absolute times are the server's more
than the clients'; the ratios and request counts are what compare.

Usage: bench/deploy.py [--pages 10000] [--sitegen target/release/sitegen] [--work DIR]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd, env):
    start = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return elapsed, r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--sitegen", default=os.path.join(REPO, "target/release/sitegen"))
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="deploy-bench-", dir=args.work)
    site = os.path.join(work, "site")
    gen = os.path.join(REPO, "..", "shared", "bench", "gen_site.py")
    subprocess.run([sys.executable, gen, site, "--pages", str(args.pages)], check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/bench", method="PUT"))
        with open(os.path.join(site, "config.toml"), "a") as f:
            f.write(f'\n[[deployment.targets]]\nname = "s3"\n'
                    f'URL = "s3://bench/sitegen?endpoint={endpoint}&region=us-east-1"\n')
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
        timed([args.sitegen, "build", "--quiet", "--root", site], env)
        out = os.path.join(site, "public")
        deploy = [args.sitegen, "deploy", "--format", "json", "--root", site]
        aws = ["aws", "s3", "sync", out, "s3://bench/aws", "--endpoint-url", endpoint,
               "--only-show-errors"]
        rows = []

        def sitegen_row(name):
            t, stdout = timed(deploy, env)
            r = json.loads(stdout)
            rows.append((name, t, len(r["uploads"]), r["requests"]))

        def aws_row(name):
            t, _ = timed(aws, env)
            rows.append((name, t, None, None))

        sitegen_row("sitegen full")
        sitegen_row("sitegen no change")
        aws_row("aws sync full")
        aws_row("aws sync no change")
        pages = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(site, "content"))
                       for f in fs if f.endswith(".md") and f != "_index.md")
        with open(pages[len(pages) // 2], "a") as f:
            f.write("\nOne more line.\n")
        timed([args.sitegen, "build", "--quiet", "--root", site], env)
        sitegen_row("sitegen one edit")
        aws_row("aws sync one edit")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"| {args.pages} pages | seconds | objects uploaded | requests |")
    print("|---|---|---|---|")
    for name, t, n, req in rows:
        print(f"| {name} | {t:.2f} | {'' if n is None else n} | {'' if req is None else req} |")
    by = {name: t for name, t, _, _ in rows}
    for what in ("full", "no change", "one edit"):
        print(f"sitegen/aws {what}: {by['sitegen ' + what] / by['aws sync ' + what]:.2f}x")


if __name__ == "__main__":
    main()
