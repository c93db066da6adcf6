#!/usr/bin/env python3
"""multiprocessing.Pool(maxtasksperchild=N), beside process_pool
--max-tasks-per-worker N: each worker process is replaced after N tasks."""

import multiprocessing
import os
import time

import summary


def task(i):
    return i, os.getpid()


# ANCHOR: max_tasks
def run(tasks, workers, max_tasks):
    with multiprocessing.Pool(workers, maxtasksperchild=max_tasks) as pool:
        # chunksize=1: the limit counts chunks of work, not items
        return pool.map(task, range(tasks), chunksize=1)
# ANCHOR_END: max_tasks


def main():
    parser = summary.parser(__doc__.splitlines()[0], ["map"], tasks=6, workers=1)
    parser.add_argument("--max-tasks-per-worker", type=summary.count, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    results = run(args.tasks, args.workers, args.max_tasks_per_worker)
    for i, pid in results:
        print(f"task {i} done by pid {pid}")
    pids = len({pid for _, pid in results})
    print(f"{pids} worker processes ran {args.tasks} tasks")
    summary.finish([summary.summary("max_tasks.py", "map", args.tasks, args.workers,
                                    time.perf_counter() - start, pids=pids)], args.json)


if __name__ == "__main__":
    main()
