#!/usr/bin/env python3
"""Python's threading.local and ThreadPoolExecutor(initializer=...), beside
examples/thread_local.rs: a scratch buffer per thread, reused by every task
that thread runs."""

import concurrent.futures
import threading
import time

import summary

made = 0
made_lock = threading.Lock()


def new_buffer():
    global made
    with made_lock:
        made += 1
    return bytearray(64 * 1024)


# ANCHOR: local
scratch = threading.local()  # each thread sees its own attributes


def task(i):
    if not hasattr(scratch, "buffer"):  # this thread's first task
        scratch.buffer = new_buffer()
    line = f"task {i} on {threading.get_ident()}".encode()
    scratch.buffer[:len(line)] = line
    return len(line)
# ANCHOR_END: local


# ANCHOR: initializer
def make_scratch():  # runs once in each worker thread, as it starts
    scratch.buffer = new_buffer()


def with_initializer(tasks, workers):
    with concurrent.futures.ThreadPoolExecutor(workers, initializer=make_scratch) as pool:
        return sum(pool.map(task, range(tasks)))
# ANCHOR_END: initializer


def main():
    global made
    parser = summary.parser(
        __doc__.splitlines()[0], ["thread-local", "initializer"], tasks=10_000, workers=2)
    args = parser.parse_args()
    summaries = []
    for mode in [args.mode] if args.mode else ["thread-local", "initializer"]:
        print(f"== {mode} ==")
        made, start = 0, time.perf_counter()
        if mode == "thread-local":
            with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
                total = sum(pool.map(task, range(args.tasks)))
        else:
            total = with_initializer(args.tasks, args.workers)
        print(f"{args.tasks} tasks on {args.workers} threads: {made} buffer(s) made, "
              f"{total} bytes written\n")
        summaries.append(summary.summary("thread_local.py", mode, args.tasks, args.workers,
                                         time.perf_counter() - start, buffers_made=made))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
