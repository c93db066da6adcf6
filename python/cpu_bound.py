#!/usr/bin/env python3
"""The notes' compute(n), run --tasks times: in turn, on threads (the GIL lets
one run at a time), and on processes started by fork and by spawn.

    python3 python/cpu_bound.py --tasks 4 --n 1e6 --workers 2 --json

The Rust side: cpu_bound (seq, rayon, processes).
"""

import concurrent.futures
import multiprocessing
import os
import time

import summary

MODES = ["seq", "threads", "fork", "spawn"]


def compute(n):
    """CPU-intensive calculation"""
    count = 0
    for i in range(n):
        count += i ** 2
    return count


def run(mode, numbers, workers):
    if mode == "seq":
        return [compute(n) for n in numbers], 1
    if mode == "threads":
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
            return list(executor.map(compute, numbers)), workers
    context = multiprocessing.get_context(mode)
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(compute, numbers)), workers


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=4)
    parser.add_argument("--n", type=summary.count, default=1_000_000,
                        help="each task sums i**2 for i below n (default 1e6)")
    parser.add_argument("--workers", type=summary.count, default=os.cpu_count(),
                        help="threads or processes (default: one per core)")
    args = parser.parse_args()
    summaries = []
    for mode in [args.mode] if args.mode else MODES:
        start = time.perf_counter()
        results, workers = run(mode, [args.n] * args.tasks, args.workers)
        elapsed = time.perf_counter() - start
        print(f"{mode}: {len(results)} computations in {elapsed:.2f} second(s)")
        summaries.append(summary.summary("cpu_bound", mode, args.tasks, workers, elapsed,
                                         n=args.n, result=str(results[0])))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
