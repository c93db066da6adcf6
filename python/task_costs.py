#!/usr/bin/env python3
"""How many at once: N coroutines that each wait, as asyncio tasks and as
threads. Time until all have started waiting, time until all have
finished, and the resident memory each one adds while all are waiting
(Linux: VmRSS).

    python3 python/task_costs.py --tasks 10000

The Rust side: the task_costs example. Python 3.11.
"""

import asyncio
import threading
import time

import summary


def resident_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ANCHOR: spawn
async def asyncio_tasks(tasks, wait):
    before = resident_kib()
    start = time.perf_counter()
    handles = [asyncio.create_task(asyncio.sleep(wait)) for _ in range(tasks)]
    await asyncio.sleep(0)  # every task runs its first step: all wait on their timers
    started = time.perf_counter() - start
    during = resident_kib()
    await asyncio.gather(*handles)
    return started, time.perf_counter() - start, (during - before) / tasks


def threads(tasks, wait):
    before = resident_kib()
    start = time.perf_counter()
    handles = [threading.Thread(target=time.sleep, args=(wait,)) for _ in range(tasks)]
    for handle in handles:
        handle.start()
    started = time.perf_counter() - start
    during = resident_kib()
    for handle in handles:
        handle.join()
    return started, time.perf_counter() - start, (during - before) / tasks
# ANCHOR_END: spawn


MODES = ["asyncio-tasks", "threads"]


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=10000, seconds=0.5)
    args = parser.parse_args()
    runs = {
        "asyncio-tasks": lambda: asyncio.run(asyncio_tasks(args.tasks, args.seconds)),
        "threads": lambda: threads(args.tasks, args.seconds),
    }
    summaries = []
    for mode in [args.mode] if args.mode else MODES:
        started, finished, kib = runs[mode]()
        per_task_us = started / args.tasks * 1e6
        print(f"{mode:<13} {args.tasks} tasks: started in {started:.3f} s "
              f"({per_task_us:.1f} us each), all done after {finished:.3f} s, "
              f"{kib:.2f} KiB each")
        summaries.append(summary.summary(
            "task_costs.py", mode, args.tasks, args.tasks, finished, start_s=round(started, 6),
            start_us_per_task=round(per_task_us, 2), kib_per_task=round(kib, 2)))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
