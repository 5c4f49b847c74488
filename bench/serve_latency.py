#!/usr/bin/env python3
"""Edit-to-reload latency of `sitegen serve`.

Starts `sitegen serve` on SITE (any free port), opens its live-reload event stream, then
appends a line to one page N times and prints how long each took until the server sent
`event: reload` (the rebuild finished and browsers were told to reload).

Usage: bench/serve_latency.py SITE [--sitegen target/release/sitegen] [--edits 7]
"""
import argparse
import glob
import re
import socket
import subprocess
import time


def measure(sitegen, site, edits):
    """Starts `sitegen serve` on `site`, edits one page `edits` times; returns the
    edit-to-reload times in ms."""
    proc = subprocess.Popen([sitegen, "serve", "--root", site, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        for line in proc.stdout:
            m = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            raise SystemExit("serve did not start")
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /__sitegen/events HTTP/1.0\r\nHost: x\r\n\r\n")
        stream = sock.makefile("rb")

        def wait(name):
            current = None
            while True:
                line = stream.readline().decode().strip()
                if not line and stream.closed:
                    raise SystemExit("event stream closed")
                if line.startswith("event:"):
                    current = line[6:].strip()
                elif line.startswith("data:") and current == name:
                    return

        wait("generation")
        pages = sorted(p for p in glob.glob(site + "/content/**/*.md", recursive=True)
                       if not p.endswith("_index.md"))
        page = pages[len(pages) // 2]
        times = []
        for i in range(edits):
            time.sleep(0.3)
            with open(page) as f:
                text = f.read()
            start = time.perf_counter()
            with open(page, "w") as f:
                f.write(text + f"\nlatency probe {i}\n")
            wait("reload")
            times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--sitegen", default="target/release/sitegen")
    ap.add_argument("--edits", type=int, default=7)
    args = ap.parse_args()
    times = measure(args.sitegen, args.site, args.edits)
    ordered = sorted(times)
    print(f"edit-to-reload over {args.edits} edits: "
          f"median {ordered[len(ordered) // 2]:.0f} ms, min {ordered[0]:.0f}, max {ordered[-1]:.0f}")


if __name__ == "__main__":
    main()
