#!/usr/bin/env python3
"""The notes' photo job with Pillow: GaussianBlur(15), thumbnail((1200, 1200)),
JPEG out; one photo after another, on a ThreadPoolExecutor and on a
ProcessPoolExecutor. --quality fast does the Rust fast pipeline's work with
Pillow: decode at a reduced DCT scale (Image.draft), blur the smaller image.

    cargo run --example process_images -- --size 3000x2000   # makes the photos
    python3 python/process_images.py --size 3000x2000 --json
    python3 python/process_images.py --quality fast --json

The Rust side: process_images (seq, rayon, processes; --quality exact|fast).
"""

import concurrent.futures
import math
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
SIGMA, FIT = 15, 1200


def exact(image):
    """The notes' pipeline: every pixel decoded and blurred, then shrunk."""
    image = image.convert("RGB").filter(ImageFilter.GaussianBlur(SIGMA))
    image.thumbnail((FIT, FIT))
    return image


def fit_within(width, height):
    scale = min(FIT / width, FIT / height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def dct_eighths(width, height, target):
    """The Rust pipeline's rule (dct_scale in crates/images/src/pipeline.rs)."""
    for eighths in (1, 2, 4):
        covers = (math.ceil(width * eighths / 8) >= target[0]
                  and math.ceil(height * eighths / 8) >= target[1])
        if covers or 8 / eighths <= SIGMA:
            return eighths
    return 8


def fast(image):
    """The Rust fast pipeline's work: decode at a reduced DCT scale, blur the
    smaller of the decoded and the output image, resize the other way."""
    width, height = image.size
    target = fit_within(width, height)
    eighths = dct_eighths(width, height, target)
    # draft picks the smallest scale whose image is at least this size.
    image.draft("RGB", (math.ceil(width * eighths / 8), math.ceil(height * eighths / 8)))
    image = image.convert("RGB")
    blur = lambda im: im.filter(ImageFilter.GaussianBlur(SIGMA * im.width / width))
    if image.width <= target[0]:
        return blur(image).resize(target, Image.Resampling.BILINEAR)
    return blur(image.resize(target, Image.Resampling.BILINEAR))


def process(path, out_dir, quality):
    with Image.open(path) as image:
        image = {"exact": exact, "fast": fast}[quality](image)
        partial = out_dir / f".{path.name}.part"
        image.save(partial, format="JPEG", quality=85)
        partial.replace(out_dir / path.name)  # never a half-written photo under its name


def run(mode, photos, out, workers, quality):
    if mode == "seq":
        for photo in photos:
            process(photo, out, quality)
        return 1
    kind = {"threads": concurrent.futures.ThreadPoolExecutor,
            "processes": concurrent.futures.ProcessPoolExecutor}[mode]
    with kind(max_workers=workers) as executor:
        list(executor.map(process, photos, [out] * len(photos), [quality] * len(photos)))
    return workers


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES)
    parser.add_argument("--input", type=pathlib.Path,
                        help="the photos' folder (default: the book's generated photos of --size)")
    parser.add_argument("--size", default="3000x2000", help="generated photos' size (default 3000x2000)")
    parser.add_argument("--quality", choices=["exact", "fast"], default="exact",
                        help="exact: the notes' pipeline (default); fast: DCT-scaled decode")
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
                            lambda mode, out: (len(photos), run(mode, photos, out, args.workers, args.quality),
                                                      {"quality": args.quality}))


if __name__ == "__main__":
    main()
