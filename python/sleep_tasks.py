#!/usr/bin/env python3
"""The notes' sleeping tasks: one after another, one thread each, and on a pool.

    python3 python/sleep_tasks.py --tasks 10 --seconds 0.3 --workers 4 --json

seq and threads sleep --seconds each. pool is the notes' executor.map example:
its sleeps shrink from --seconds (the notes' secs = [5, 4, 3, 2, 1]).
The Rust side: sync_script (seq), loop_join --mode two-loops (threads) and
pool_map --mode pool (pool).
"""

import concurrent.futures
import threading
import time

import summary

MODES = ["seq", "threads", "pool"]


def do_something(seconds):
    print(f"Sleeping {round(seconds, 3)} second(s)...")
    time.sleep(seconds)
    return "Done sleeping."


def run(mode, tasks, seconds, workers):
    if mode == "seq":
        for _ in range(tasks):
            do_something(seconds)
        return 1
    if mode == "threads":
        threads = [threading.Thread(target=do_something, args=[seconds]) for _ in range(tasks)]
        for thread in threads:
            thread.start()
        for thread in threads:  # join in a second loop, so that they overlap
            thread.join()
        return tasks
    secs = [seconds * (tasks - i) / tasks for i in range(tasks)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        for result in executor.map(do_something, secs):
            print(result)
    return workers


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=10, seconds=0.3)
    parser.add_argument("--workers", type=summary.count, default=4, help="pool threads (default 4)")
    args = parser.parse_args()
    summaries = []
    for mode in [args.mode] if args.mode else MODES:
        start = time.perf_counter()
        workers = run(mode, args.tasks, args.seconds, args.workers)
        elapsed = time.perf_counter() - start
        print(f"{mode}: finished in {elapsed:.2f} second(s)")
        summaries.append(summary.summary("sleep_tasks", mode, args.tasks, workers, elapsed))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
