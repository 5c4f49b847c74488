#!/usr/bin/env python3
"""Image-processing benchmark: a site of N photos (a few MiB each), each shown by a
shortcode that calls resize_image three times (a thumbnail, a medium JPEG, a large WebP).

Rows (each a separate `sitegen build --format json`, --durability none):

  cold build        empty output and empty state dir: every image decoded and encoded
  no-op rebuild     nothing changed (expects 0 images encoded, 0 written)
  one replaced      one photo's bytes replaced (expects 3 images encoded, 1 page rendered)
  output wiped      public/ deleted, state kept (expects 0 encoded: results come from the store)

Photos are made by `examples/photos.rs` (deterministic JPEGs: no Python imaging library is
needed). Zola is not installed on the benchmark machine, so there is no Zola row.

Usage: bench/images.py [--photos 200] [--size 3000x2000] [--quality 92] [--work DIR]
                       [--sitegen BIN] [--photos-bin BIN]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

SHORTCODE = """{% set t = resize_image(path=src, width=320, height=240) %}\
{% set m = resize_image(path=src, width=1024, op="fit_width", quality=80) %}\
{% set l = resize_image(path=src, width=1920, height=1920, op="fit", format="webp", quality=75) %}\
<a href="{{ l.url | safe }}"><img src="{{ t.url | safe }}" srcset="{{ m.url | safe }} 1024w" width="{{ t.width }}" height="{{ t.height }}"></a>
"""


def run_build(sitegen, root):
    start = time.monotonic()
    out = subprocess.run(
        [sitegen, "build", "--root", root, "--durability", "none", "--format", "json", "--quiet"],
        capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if out.returncode != 0:
        sys.exit(f"build failed:\n{out.stderr}")
    return elapsed, json.loads(out.stdout)


def make_site(root, photos_bin, count, width, height, quality):
    os.makedirs(os.path.join(root, "templates/shortcodes"), exist_ok=True)
    with open(os.path.join(root, "config.toml"), "w") as f:
        f.write('base_url = "https://photos.example"\ntitle = "Photos"\n')
    with open(os.path.join(root, "templates/index.html"), "w") as f:
        f.write("<h1>{{ section.title }}</h1>\n")
    with open(os.path.join(root, "templates/page.html"), "w") as f:
        f.write("<article>{{ page.content | safe }}</article>\n")
    with open(os.path.join(root, "templates/shortcodes/photo.html"), "w") as f:
        f.write(SHORTCODE)
    os.makedirs(os.path.join(root, "content/photos"), exist_ok=True)
    with open(os.path.join(root, "content/_index.md"), "w") as f:
        f.write('+++\ntitle = "Photos"\n+++\n')
    subprocess.run([photos_bin, os.path.join(root, "static/photos"), str(count), str(width),
                    str(height), str(quality)], check=True, stdout=subprocess.DEVNULL)
    for i in range(1, count + 1):
        with open(os.path.join(root, f"content/photos/p{i:03}.md"), "w") as f:
            f.write(f'+++\ntitle = "Photo {i}"\n+++\n{{{{ photo(src="photos/photo-{i:03}.jpg") }}}}\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--size", default="3000x2000")
    ap.add_argument("--quality", type=int, default=92)
    ap.add_argument("--work")
    ap.add_argument("--sitegen", default=os.path.join(REPO, "target/release/sitegen"))
    ap.add_argument("--photos-bin", default=os.path.join(REPO, "target/release/examples/photos"))
    args = ap.parse_args()
    width, height = map(int, args.size.split("x"))
    for binary in (args.sitegen, args.photos_bin):
        if not os.path.exists(binary):
            sys.exit(f"{binary} missing: cargo build --release --bin sitegen --example photos")
    work = args.work or tempfile.mkdtemp(prefix="sitegen-images-")
    root = os.path.join(work, "site")
    shutil.rmtree(root, ignore_errors=True)
    make_site(root, args.photos_bin, args.photos, width, height, args.quality)
    photo_dir = os.path.join(root, "static/photos")
    total = sum(os.path.getsize(os.path.join(photo_dir, p)) for p in os.listdir(photo_dir))
    print(f"{args.photos} photos of {width}x{height}, {total / args.photos / 2**20:.2f} MiB each "
          f"on average; {os.cpu_count()} CPUs; Zola is not installed here (no Zola row)")

    rows = []
    subprocess.run(["sync"])
    rows.append(("cold build", *run_build(args.sitegen, root)))
    subprocess.run(["sync"])
    rows.append(("no-op rebuild", *run_build(args.sitegen, root)))
    # Replace one photo with another's bytes (a different seed).
    subprocess.run([args.photos_bin, os.path.join(work, "new"), "1", str(width), str(height),
                    str(args.quality), "9999"], check=True, stdout=subprocess.DEVNULL)
    shutil.copy(os.path.join(work, "new/photo-9999.jpg"), os.path.join(photo_dir, "photo-007.jpg"))
    subprocess.run(["sync"])
    rows.append(("one replaced", *run_build(args.sitegen, root)))
    shutil.rmtree(os.path.join(root, "public"))
    subprocess.run(["sync"])
    rows.append(("output wiped", *run_build(args.sitegen, root)))

    print(f"{'row':<15} {'seconds':>8} {'encoded':>8} {'rendered':>9} {'written':>8} {'unchanged':>10} {'pruned':>7}")
    for name, seconds, s in rows:
        print(f"{name:<15} {seconds:>8.2f} {s.get('images_encoded', 0):>8} {s['rendered']:>9} "
              f"{s['written']:>8} {s['unchanged']:>10} {s['pruned']:>7}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
