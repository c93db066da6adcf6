#!/usr/bin/env python3
"""Rust and Pillow on the same photos, in one run: the 15-photo table of
"Real-world CPU: processing images".

Builds `process_images` (release), then runs, round after round and in
turn so that a slow moment of the machine hits every contender alike:

- Rust, `--quality exact` and `--quality fast`, in the modes seq, rayon and
  processes (one process per run, `--json`);
- Pillow (the notes' pipeline, from pillow_baseline.py) sequentially, with a
  ThreadPoolExecutor and with a ProcessPoolExecutor.

It prints one JSON line per run and a Markdown table of medians, and with
`--write FILE` writes the table and the machine it ran on there (the chapter
includes measured/photos-vs-pillow.md):

    python3 scripts/photos_side_by_side.py [--rounds 3] [--write measured/photos-vs-pillow.md]

Needs Python 3, Pillow (`pip install -r python/requirements.txt`) and cargo.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from pillow_baseline import process

import PIL

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "target" / "release" / "examples" / "process_images"
RUST_MODES = ["seq", "rayon", "processes"]
PILLOW_MODES = ["seq", "threads", "processes"]


def run_rust(quality, mode, args, out):
    command = [str(EXAMPLE), "--quality", quality, "--mode", mode, "--json",
               "--tasks", str(args.tasks), "--size", args.size, "--out", out]
    if args.workers:
        command += ["--workers", str(args.workers)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"process_images {quality} {mode} failed:\n{done.stderr}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return summary["elapsed_s"], summary["workers"]


def run_pillow(mode, photos, workers, out):
    outs = [out] * len(photos)
    started = time.perf_counter()
    if mode == "seq":
        for photo in photos:
            process(photo, out)
        workers = 1
    else:
        kind = {"threads": concurrent.futures.ThreadPoolExecutor,
                "processes": concurrent.futures.ProcessPoolExecutor}[mode]
        with kind(workers) as pool:
            list(pool.map(process, photos, outs))
    return time.perf_counter() - started, workers


def machine():
    model = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
            f"{rustc}, Python {platform.python_version()}, Pillow {PIL.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each contender (default 3)")
    parser.add_argument("--tasks", type=int, default=15, help="photos (default 15)")
    parser.add_argument("--size", default="3000x2000", help="photo size (default 3000x2000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="threads or processes (default: one per core)")
    parser.add_argument("--write", metavar="FILE", help="write the Markdown table here")
    args = parser.parse_args()
    if args.rounds < 1 or args.tasks < 1 or args.workers < 1:
        sys.exit("--rounds, --tasks and --workers must be at least 1")

    print("building process_images (release)...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "process_images"],
                   cwd=ROOT, check=True)
    contenders = ([("Rust exact", q, m) for q in ["exact"] for m in RUST_MODES]
                  + [("Rust fast", q, m) for q in ["fast"] for m in RUST_MODES]
                  + [("Pillow", None, m) for m in PILLOW_MODES])
    times = {(name, mode): [] for name, _, mode in contenders}
    workers_of = {}
    with tempfile.TemporaryDirectory() as out:
        # Generates (or finds) the photos, and warms the disk cache.
        run_rust("fast", "seq", args, out)
        folder = ROOT / "target" / "test-images" / args.size
        photos = sorted(str(p) for p in folder.glob("photo-*.jpg"))[:args.tasks]
        process(photos[0], out)  # warms Pillow up
        for round_number in range(1, args.rounds + 1):
            for name, quality, mode in contenders:
                print(f"round {round_number}/{args.rounds}: {name} {mode}...",
                      file=sys.stderr, flush=True)
                if quality:
                    elapsed, workers = run_rust(quality, mode, args, out)
                else:
                    elapsed, workers = run_pillow(mode, photos, args.workers, out)
                times[(name, mode)].append(elapsed)
                workers_of[(name, mode)] = workers
                print(json.dumps({"example": "photos_side_by_side", "mode": f"{name} {mode}",
                                  "tasks": len(photos), "workers": workers,
                                  "elapsed_s": round(elapsed, 3), "round": round_number}))

    median = {key: statistics.median(values) for key, values in times.items()}
    pillow_best = min(median[("Pillow", m)] for m in PILLOW_MODES)
    rows = ["| pipeline | mode | workers | median | min | max | photos per second "
            "| speed vs Pillow's best |",
            "|---|---|---|---|---|---|---|---|"]
    for name, _, mode in contenders:
        values = times[(name, mode)]
        rows.append(f"| {name} | `{mode}` | {workers_of[(name, mode)]} "
                    f"| {median[(name, mode)]:.2f} s | {min(values):.2f} s | {max(values):.2f} s "
                    f"| {len(photos) / median[(name, mode)]:.1f} "
                    f"| {pillow_best / median[(name, mode)]:.2f}x |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        today = datetime.date.today().isoformat()
        text = (f"{table}\n\n<small>{len(photos)} photos of {args.size}, median of "
                f"{args.rounds} interleaved rounds, measured on {today} by "
                f"`python3 scripts/photos_side_by_side.py`: {machine()}.</small>\n")
        path = pathlib.Path(args.write)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text)
        temporary.replace(path)  # never a half-written table
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
