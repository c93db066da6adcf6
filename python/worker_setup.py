#!/usr/bin/env python3
"""An executor's initializer, beside crates/processes/examples/worker_setup.rs: each worker
thread or process sets up a costly resource once, and every task it runs
reuses it; --fail-setup shows what each pool does when the set-up fails."""

import concurrent.futures as cf
import multiprocessing as mp
import os
import threading
import time

import summary

MODES = ["threads", "processes", "mp-pool"]

local = threading.local()  # one `connection` per thread
setups = 0
lock = threading.Lock()


# ANCHOR: initializer
def open_connection(cost, fail):
    global setups
    time.sleep(cost)
    if fail:
        raise ConnectionError("cannot reach the database")
    with lock:
        setups += 1
        local.connection = f"connection {setups} of pid {os.getpid()}"


def query(task, seconds=None):
    if seconds is None:  # Pool.map_async passes one argument: a tuple
        task, seconds = task
    time.sleep(seconds)
    return f"task {task} used {local.connection}"


def run(executor, workers, tasks, seconds, cost, fail):
    with executor(workers, initializer=open_connection, initargs=(cost, fail)) as pool:
        return list(pool.map(query, range(tasks), [seconds] * tasks))
# ANCHOR_END: initializer


# ANCHOR: mp_pool
def count_then_open(starts, cost, fail):
    with starts.get_lock():
        starts.value += 1
    open_connection(cost, fail)


def run_mp_pool(workers, tasks, seconds, cost, fail):
    starts = mp.Value("i", 0)
    with mp.Pool(workers, initializer=count_then_open, initargs=(starts, cost, fail)) as pool:
        pending = pool.map_async(query, [(t, seconds) for t in range(tasks)], chunksize=1)
        try:
            return pending.get(timeout=3 + tasks * seconds)
        except mp.TimeoutError:
            raise SystemExit(f"error: mp-pool: no result after {starts.value} worker starts;"
                             " multiprocessing.Pool replaces a worker whose initializer"
                             " failed, again and again")
# ANCHOR_END: mp_pool


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=6, workers=2, seconds=0.1)
    parser.add_argument("--setup-seconds", type=summary.seconds, default=0.2)
    parser.add_argument("--fail-setup", action="store_true")
    args = parser.parse_args()
    summaries = []
    for mode in [args.mode] if args.mode else MODES:
        print(f"== {mode} ==")
        executor = cf.ThreadPoolExecutor if mode == "threads" else cf.ProcessPoolExecutor
        start = time.perf_counter()
        settings = (args.workers, args.tasks, args.seconds, args.setup_seconds, args.fail_setup)
        try:
            if mode == "mp-pool":
                said = run_mp_pool(*settings)
            else:
                said = run(executor, *settings)
        except cf.BrokenExecutor as error:  # BrokenThreadPool, BrokenProcessPool
            raise SystemExit(f"error: {mode}: {type(error).__name__}: {error}")
        print("\n".join(said) + "\n")
        connections = {line.split(" used ")[1] for line in said}
        summaries.append(summary.summary("worker_setup.py", mode, args.tasks, args.workers,
                                         time.perf_counter() - start,
                                         setups=len(connections)))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    mp.set_start_method("spawn")  # the same start on every OS; see fork-vs-spawn
    main()
