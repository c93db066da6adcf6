#!/usr/bin/env python3
"""The notes' photo job with Pillow: GaussianBlur(15), thumbnail((1200, 1200)),
JPEG out; one photo after another, on a ThreadPoolExecutor and on a
ProcessPoolExecutor.

    cargo run --example process_images -- --size 3000x2000   # makes the photos
    python3 python/process_images.py --size 3000x2000 --json

The Rust side: process_images (seq, rayon, processes).
"""

import concurrent.futures
import os
import pathlib
import sys

import summary

try:
    from PIL import Image, ImageFilter
except ImportError:
    sys.exit("Pillow is not installed: pip install -r python/requirements.txt")

MODES = ["seq", "threads", "processes"]
ROOT = pathlib.Path(__file__).resolve().parent.parent


def process(path, out_dir):
    with Image.open(path) as image:
        image = image.convert("RGB").filter(ImageFilter.GaussianBlur(15))
        image.thumbnail((1200, 1200))
        partial = out_dir / f".{path.name}.part"
        image.save(partial, format="JPEG", quality=85)
        partial.replace(out_dir / path.name)  # never a half-written photo under its name


def run(mode, photos, out, workers):
    if mode == "seq":
        for photo in photos:
            process(photo, out)
        return 1
    kind = {"threads": concurrent.futures.ThreadPoolExecutor,
            "processes": concurrent.futures.ProcessPoolExecutor}[mode]
    with kind(max_workers=workers) as executor:
        list(executor.map(process, photos, [out] * len(photos)))
    return workers


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES)
    parser.add_argument("--input", type=pathlib.Path,
                        help="the photos' folder (default: the book's generated photos of --size)")
    parser.add_argument("--size", default="3000x2000", help="generated photos' size (default 3000x2000)")
    parser.add_argument("--tasks", type=summary.count, help="process only the first N photos")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("target/python-processed"),
                        help="write here, in a folder per mode (default target/python-processed)")
    parser.add_argument("--workers", type=summary.count, default=os.cpu_count(),
                        help="threads or processes (default: one per core)")
    args = parser.parse_args()
    folder = args.input or ROOT / "target" / "test-images" / args.size
    photos = sorted(folder.glob("*.jpg"))[:args.tasks]
    if not photos:
        hint = "" if args.input else (
            f": make them with cargo run --example process_images -- --size {args.size}")
        sys.exit(f"error: no .jpg photos in {folder}{hint}")
    # OSError covers Pillow's UnidentifiedImageError.
    summary.run_photo_modes("process_images", args, MODES, OSError,
                            lambda mode, out: (len(photos), run(mode, photos, out, args.workers), {}))


if __name__ == "__main__":
    main()
