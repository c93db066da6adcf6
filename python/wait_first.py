#!/usr/bin/env python3
"""concurrent.futures.wait with FIRST_COMPLETED and FIRST_EXCEPTION, beside
examples/wait_first.rs: act on the first result, or stop at the first error,
and cancel what has not started."""

import concurrent.futures as cf
import time

import summary

MODES = ["first-completed", "first-error"]


def task(k, tasks, seconds, fail, started):
    started.append(k)
    if k == fail:
        raise RuntimeError(f"task {k} failed")  # at once
    time.sleep(seconds * (tasks - k) / tasks)  # later tasks finish sooner
    return k


# ANCHOR: wait_first
def run(tasks, workers, seconds, fail, return_when):
    started = []
    with cf.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(task, k, tasks, seconds, fail, started) for k in range(tasks)]
        done, pending = cf.wait(futures, timeout=60, return_when=return_when)
        cancelled = sum(f.cancel() for f in pending)  # only those not yet started
        failed = [f for f in done if f.exception()]
        first = failed[0] if failed else next(iter(done))
    # Leaving the with-block waits for the tasks still running.
    return first, len(started), cancelled
# ANCHOR_END: wait_first


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=9, workers=3, seconds=0.3)
    parser.add_argument("--fail", type=int, default=3)
    args = parser.parse_args()
    summaries = []
    for mode, start in summary.each_mode(args, MODES):
        if mode == "first-completed":
            first, started, cancelled = run(args.tasks, args.workers, args.seconds, None,
                                            cf.FIRST_COMPLETED)
            print(f"first result: task {first.result()}")
        else:
            first, started, cancelled = run(args.tasks, args.workers, args.seconds, args.fail,
                                            cf.FIRST_EXCEPTION)
            print(f"first error: {first.exception()}")
        print(f"{started} tasks started, {cancelled} cancelled before they started\n")
        summaries.append(summary.summary("wait_first.py", mode, args.tasks, args.workers,
                                         time.perf_counter() - start, started=started,
                                         never_started=cancelled))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
