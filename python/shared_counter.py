#!/usr/bin/env python3
"""A multiprocessing.Value counter, incremented by several processes: with
`v.value += 1` (a lock to read, another to write: updates get lost) and
with `with v.get_lock(): v.value += 1` (the documentation's way).

    python3 python/shared_counter.py --workers 4 --tasks 20000 --json

The Rust side: shared_memory (processes, lost-updates).
"""

import multiprocessing
import time

import summary

MODES = ["unlocked", "locked"]


def add_unlocked(counter, times):
    for _ in range(times):
        counter.value += 1  # get, then set: another process can step in between


def add_locked(counter, times):
    for _ in range(times):
        with counter.get_lock():  # one lock around the whole read-add-write
            counter.value += 1


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES)
    parser.add_argument("--workers", type=summary.count, default=4,
                        help="processes (default 4)")
    parser.add_argument("--tasks", type=summary.count, default=20000,
                        help="increments per process (default 20000)")
    args = parser.parse_args()
    expected = args.workers * args.tasks
    summaries = []
    for mode in [args.mode] if args.mode else MODES:
        counter = multiprocessing.Value("q", 0)
        target = add_locked if mode == "locked" else add_unlocked
        workers = [multiprocessing.Process(target=target, args=(counter, args.tasks))
                   for _ in range(args.workers)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - start
        lost = expected - counter.value
        print(f"{mode:>9}: {counter.value} of {expected}, {lost} lost, in {elapsed:.2f} s")
        summaries.append(summary.summary("shared_counter", mode, args.tasks, args.workers,
                                         elapsed, counter=counter.value, lost=lost))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
