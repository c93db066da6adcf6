"""What every script under python/ shares with the book's Rust examples: the
flags (--tasks, --workers, --seconds, --mode, --json) and the JSON summary
line, one per mode, printed last."""

import argparse
import json
import sys
import time


def parser(description, modes, **defaults):
    """An argparse parser with --mode (all modes in turn by default) and
    --json, and --tasks, --workers and --seconds for each one given a default
    (tasks=5, say), as the Rust examples have them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--mode", choices=modes, help="run only this mode (default: all)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary line per mode, after everything else")
    standard = (("tasks", count, "how many tasks"),
                ("workers", count, "worker threads or processes"),
                ("seconds", seconds, "how long each task works, in seconds"))
    for flag, kind, what in standard:
        if flag in defaults:
            default = defaults.pop(flag)
            parser.add_argument(f"--{flag}", type=kind, default=default,
                                help=f"{what} (default {default})")
    if defaults:
        raise TypeError(f"no such standard flag: {sorted(defaults)}")
    return parser


def each_mode(args, modes):
    """The modes to run, --mode or all in turn: each one announced with
    `== mode ==`, and given with its start time."""
    for mode in [args.mode] if args.mode else modes:
        print(f"== {mode} ==")
        yield mode, time.perf_counter()


def count(text):
    """A positive whole number; accepts 1e6."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"must be a whole number, at least 1: {text!r}")
    return int(value)


def seconds(text):
    """A duration in seconds, zero or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or more seconds: {text!r}")
    return value


def summary(example, mode, tasks, workers, elapsed_s, **extra):
    """One run of one mode, with the keys the Rust examples print."""
    return {"example": example, "mode": mode, "tasks": tasks, "workers": workers,
            "elapsed_s": round(elapsed_s, 4), **extra}


def finish(summaries, json_lines):
    """Prints the summaries as JSON lines, if asked; call it last."""
    if json_lines:
        for line in summaries:
            print(json.dumps(line))
    sys.stdout.flush()


def run_photo_modes(example, args, modes, errors, run_one):
    """Runs --mode, or every mode in turn, each in its own folder under --out:
    run_one(mode, folder) does the work and returns (photos, workers, extra),
    extra being a dict of counts for the summary. A failure of the kinds in
    errors ends the script with the mode's name. Prints the summaries last."""
    summaries = []
    for mode in [args.mode] if args.mode else modes:
        out = args.out / mode
        out.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        try:
            photos, workers, extra = run_one(mode, out)
        except errors as error:
            sys.exit(f"error: {mode}: {error}")
        elapsed = time.perf_counter() - start
        counts = "".join(f", {value} {key}" for key, value in extra.items())
        print(f"{mode}: {photos} photos{counts} in {elapsed:.2f} second(s)")
        summaries.append(summary(example, mode, photos, workers, elapsed, **extra))
    finish(summaries, args.json)
