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

The store (`--store`): `garage` (default), a 3-node Garage cluster on the loopback with
replication factor 3, as the tests run it; or `moto`, moto's S3 server (a Python server:
absolute times are the server's more than the clients').

Usage: bench/deploy.py [--pages 10000] [--store garage|moto] [--sitegen target/release/sitegen]
                       [--work DIR]
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


def wait_for_port(port):
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on port {port}")


def moto(servers):
    port = free_port()
    servers.append(subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_for_port(port)
    endpoint = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/bench", method="PUT"))
    return endpoint, "us-east-1", ("test", "test")


def garage_cluster(work, servers):
    """Three Garage nodes (replication factor 3), a key and the bucket `bench`."""
    secret = "".join(f"{(i * 37 + 11) % 256:02x}" for i in range(32))
    configs, s3_ports = [], []
    for n in range(3):
        home = os.path.join(work, f"garage{n}")
        os.makedirs(home)
        rpc, s3, web, admin = (free_port() for _ in range(4))
        config = os.path.join(home, "garage.toml")
        with open(config, "w") as f:
            f.write(f'metadata_dir = "{home}/meta"\ndata_dir = "{home}/data"\ndb_engine = "sqlite"\n'
                    f'replication_factor = 3\nrpc_bind_addr = "127.0.0.1:{rpc}"\n'
                    f'rpc_public_addr = "127.0.0.1:{rpc}"\nrpc_secret = "{secret}"\n'
                    f'[s3_api]\ns3_region = "garage"\napi_bind_addr = "127.0.0.1:{s3}"\n'
                    f'root_domain = ".s3.garage"\n[s3_web]\nbind_addr = "127.0.0.1:{web}"\n'
                    f'root_domain = ".web.garage"\n[admin]\napi_bind_addr = "127.0.0.1:{admin}"\n')
        servers.append(subprocess.Popen(["garage", "-c", config, "server"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        configs.append(config)
        s3_ports.append(s3)

    def g(*a, config=configs[0], check=True):
        r = subprocess.run(["garage", "-c", config, *a], capture_output=True, text=True)
        if check and r.returncode != 0:
            sys.exit(f"garage {' '.join(a)}: {r.stderr}")
        return r

    for _ in range(300):
        if g("status", check=False).returncode == 0:
            break
        time.sleep(0.2)
    ids = [g("node", "id", "-q", config=c).stdout.strip() for c in configs]
    for i in ids[1:]:
        g("node", "connect", i)
    for i in ids:
        g("layout", "assign", i[:64], "-z", "dc1", "-c", "1G")
    g("layout", "apply", "--version", "1")
    key = json.loads(g("json-api", "CreateKey", '{"name":"bench"}').stdout)
    for _ in range(120):
        if g("bucket", "create", "bench", check=False).returncode == 0:
            break
        time.sleep(0.5)
    g("bucket", "allow", "--read", "--write", "--owner", "bench", "--key", "bench")
    wait_for_port(s3_ports[0])
    return (f"http://127.0.0.1:{s3_ports[0]}", "garage",
            (key["accessKeyId"], key["secretAccessKey"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--sitegen", default=os.path.join(REPO, "target/release/sitegen"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--store", choices=["garage", "moto"], default="garage")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="deploy-bench-", dir=args.work)
    site = os.path.join(work, "site")
    gen = os.path.join(REPO, "..", "shared", "bench", "gen_site.py")
    subprocess.run([sys.executable, gen, site, "--pages", str(args.pages)], check=True,
                   stdout=subprocess.DEVNULL)
    servers = []
    try:
        if args.store == "garage":
            endpoint, region, key = garage_cluster(work, servers)
        else:
            endpoint, region, key = moto(servers)
        with open(os.path.join(site, "config.toml"), "a") as f:
            f.write(f'\n[[deployment.targets]]\nname = "s3"\n'
                    f'URL = "s3://bench/sitegen?endpoint={endpoint}&region={region}"\n')
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key[0], AWS_SECRET_ACCESS_KEY=key[1],
                   AWS_DEFAULT_REGION=region, AWS_REGION=region)
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
        for server in servers:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"store: {args.store}")
    print(f"| {args.pages} pages | seconds | objects uploaded | requests |")
    print("|---|---|---|---|")
    for name, t, n, req in rows:
        print(f"| {name} | {t:.2f} | {'' if n is None else n} | {'' if req is None else req} |")
    by = {name: t for name, t, _, _ in rows}
    for what in ("full", "no change", "one edit"):
        print(f"sitegen/aws {what}: {by['sitegen ' + what] / by['aws sync ' + what]:.2f}x")


if __name__ == "__main__":
    main()
