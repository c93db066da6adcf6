#!/usr/bin/env python3
"""Future.add_done_callback, beside examples/done_callbacks.rs: a callback
per task that reports progress, the thread each callback runs on, and the
callback of a task cancelled before it started."""

import concurrent.futures as cf
import queue
import threading
import time

import summary

MODES = ["callback", "channel"]


def task(k, tasks, seconds):
    time.sleep(seconds * (tasks - k) / tasks)  # later tasks finish sooner
    return f"task {k} slept"


# ANCHOR: callback
def with_callbacks(tasks, workers, seconds, cancel):
    finished = []
    lock = threading.Lock()  # callbacks run on several threads at once

    def report(k):
        def done(future):
            outcome = "cancelled" if future.cancelled() else future.result()
            with lock:
                finished.append(k)
                print(f"[{threading.current_thread().name}] "
                      f"{len(finished)}/{tasks}: {outcome}")
        return done

    with cf.ThreadPoolExecutor(workers, thread_name_prefix="pool") as pool:
        futures = [pool.submit(task, k, tasks, seconds) for k in range(tasks)]
        for k, future in enumerate(futures):
            future.add_done_callback(report(k))
        cancelled = sum(f.cancel() for f in futures[tasks - cancel:])
    return finished, cancelled
# ANCHOR_END: callback


# ANCHOR: channel
def with_a_queue(tasks, workers, seconds, cancel):
    done = queue.Queue()  # the callback only hands the future over
    with cf.ThreadPoolExecutor(workers, thread_name_prefix="pool") as pool:
        futures = [pool.submit(task, k, tasks, seconds) for k in range(tasks)]
        for k, future in enumerate(futures):
            future.add_done_callback(lambda f, k=k: done.put((k, f)))
        cancelled = sum(f.cancel() for f in futures[tasks - cancel:])
        finished = []
        for _ in range(tasks):  # the work on the results happens here, on one thread
            k, future = done.get(timeout=60)
            outcome = "cancelled" if future.cancelled() else future.result()
            finished.append(k)
            print(f"[{threading.current_thread().name}] {len(finished)}/{tasks}: {outcome}")
    return finished, cancelled
# ANCHOR_END: channel


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=5, workers=2, seconds=0.3)
    parser.add_argument("--cancel", type=int, default=1)
    args = parser.parse_args()
    summaries = []
    for mode, start in summary.each_mode(args, MODES):
        run = with_callbacks if mode == "callback" else with_a_queue
        finished, cancelled = run(args.tasks, args.workers, args.seconds, args.cancel)
        print(f"{len(finished)} callbacks, {cancelled} cancelled\n")
        summaries.append(summary.summary("done_callbacks.py", mode, args.tasks, args.workers,
                                         time.perf_counter() - start, callbacks=len(finished),
                                         cancelled=cancelled, order=finished))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
