#!/usr/bin/env python3
"""Python's threading.Barrier, threading.Condition and Queue.join, beside
examples/barrier.rs and examples/condvar.rs."""

import queue
import threading
import time

import summary

MODES = ["barrier", "wait-for", "task-done"]


# ANCHOR: barrier
def two_phases(workers, longest):
    barrier = threading.Barrier(workers)
    ends, starts = [], []

    def work(w):
        time.sleep(longest * (w + 1) / workers)  # phase one: uneven
        ends.append(time.perf_counter())
        barrier.wait()  # (a timeout= here would raise BrokenBarrierError)
        starts.append(time.perf_counter())
        time.sleep(longest / 4)  # phase two

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return min(starts) >= max(ends)
# ANCHOR_END: barrier


# ANCHOR: wait_for
def wait_for_all(items, step):
    made, changed = [], threading.Condition()
    checks = 0

    def produce():
        for item in range(items):
            time.sleep(step)  # making it
            with changed:
                made.append(item)
                changed.notify_all()

    def enough():
        nonlocal checks
        checks += 1
        return len(made) == items

    producer = threading.Thread(target=produce)
    producer.start()
    with changed:
        changed.wait_for(enough)  # checks again after every wake-up
    producer.join()
    return checks
# ANCHOR_END: wait_for


# ANCHOR: task_done
def two_batches(jobs, workers, each):
    q, finished = queue.Queue(), []

    def work():
        while (job := q.get()) is not None:
            time.sleep(each)
            finished.append(job)
            q.task_done()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    seen = []
    for batch in (range(jobs // 2), range(jobs // 2, jobs)):
        for job in batch:
            q.put(job)
        q.join()  # until task_done() was called once per put()
        seen.append(len(finished))
    for _ in threads:
        q.put(None)  # one stop sign per worker
    for t in threads:
        t.join()
    return seen
# ANCHOR_END: task_done


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=6, workers=2, seconds=0.1)
    args = parser.parse_args()
    summaries = []
    for mode, start in summary.each_mode(args, MODES):
        if mode == "barrier":
            ok = two_phases(args.tasks, args.seconds * 4)
            print(f"every phase two started after the last phase one: {ok}")
            tasks, workers, extra = 2 * args.tasks, args.tasks, {"waited_for_all": ok}
        elif mode == "wait-for":
            checks = wait_for_all(args.tasks, args.seconds)
            print(f"the consumer checked its condition {checks} times for {args.tasks} items")
            tasks, workers, extra = args.tasks, 1, {"checks": checks}
        else:
            seen = two_batches(args.tasks, args.workers, args.seconds)
            print(f"jobs finished when each join returned: {seen}")
            tasks, workers, extra = args.tasks, args.workers, {"finished_at_each_wait": seen}
        summaries.append(summary.summary("condition.py", mode, tasks, workers,
                                         time.perf_counter() - start, **extra))
        print()
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
