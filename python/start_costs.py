#!/usr/bin/env python3
"""What one start costs: a thread, a process by fork, by spawn and by
forkserver, and a program run with subprocess; each started, then joined or
waited for, --tasks times.

    python3 python/start_costs.py --tasks 20 --json

The Rust side: fork_vs_spawn --mode start-cost.
"""

import multiprocessing
import subprocess
import threading
import time

import summary

MODES = ["thread", "fork", "spawn", "forkserver", "subprocess"]


def nothing():
    pass


def start_and_wait(mode):
    if mode == "thread":
        worker = threading.Thread(target=nothing)
    elif mode == "subprocess":
        subprocess.run(["true"], check=True)
        return
    else:
        worker = multiprocessing.get_context(mode).Process(target=nothing)
    worker.start()
    worker.join()


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES)
    parser.add_argument("--tasks", type=summary.count, default=20,
                        help="starts per kind (default 20)")
    args = parser.parse_args()
    summaries = []
    for mode in [args.mode] if args.mode else MODES:
        start_and_wait(mode)  # the first start of a kind pays one-off costs (forkserver's server)
        start = time.perf_counter()
        for _ in range(args.tasks):
            start_and_wait(mode)
        elapsed = time.perf_counter() - start
        per_start_us = elapsed / args.tasks * 1e6
        print(f"{mode:>10}: {per_start_us:10.1f} µs per start")
        summaries.append(summary.summary("start_costs", mode, args.tasks, 1, elapsed,
                                         per_start_us=round(per_start_us, 1)))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
