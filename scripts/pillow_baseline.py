#!/usr/bin/env python3
"""Pillow's figures for "Real-world CPU: processing images".

Runs the notes' pipeline (GaussianBlur(15), then thumbnail((1200, 1200)), JPEG
out) on the book's generated test photos, one photo alone and all of them
sequentially, with a thread pool and with a process pool, and prints one JSON
line per measurement. Run it after `cargo run --release --example
process_images` has generated the photos:

    python3 scripts/pillow_baseline.py [--size 3000x2000] [--workers N]

It needs Python 3 and Pillow (`pip install pillow`); nothing in `cargo test`
or CI runs it.
"""

import argparse
import concurrent.futures
import json
import os
import pathlib
import sys
import tempfile
import time

try:
    from PIL import Image, ImageFilter
except ImportError:
    sys.exit("Pillow is not installed: pip install pillow")

ROOT = pathlib.Path(__file__).resolve().parent.parent


def process(path, out_dir):
    with Image.open(path) as image:
        image = image.convert("RGB").filter(ImageFilter.GaussianBlur(15))
        image.thumbnail((1200, 1200))
        image.save(os.path.join(out_dir, os.path.basename(path)), quality=85)


def timed(label, run, photos, workers):
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    print(json.dumps({"example": "pillow_baseline", "mode": label, "tasks": photos,
                      "workers": workers, "elapsed_s": round(elapsed, 3)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="3000x2000")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    folder = ROOT / "target" / "test-images" / args.size
    photos = sorted(str(p) for p in folder.glob("photo-*.jpg"))
    if not photos:
        sys.exit(f"no test photos in {folder}: run the process_images example first")
    with tempfile.TemporaryDirectory() as out:
        process(photos[0], out)  # warm up
        timed("one-photo", lambda: process(photos[0], out), 1, 1)
        timed("seq", lambda: [process(p, out) for p in photos], len(photos), 1)
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            timed("threads", lambda: list(pool.map(process, photos, [out] * len(photos))),
                  len(photos), args.workers)
        with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
            timed("processes", lambda: list(pool.map(process, photos, [out] * len(photos))),
                  len(photos), args.workers)


if __name__ == "__main__":
    main()
