#!/usr/bin/env python3
"""How many at once: N coroutines that each wait, as asyncio tasks and as
threads. Time to start them all, time until all have finished, and the
resident memory each one adds while all are waiting (Linux: VmRSS).

    python3 python/task_costs.py --tasks 10000

The Rust side: the task_costs example. Python 3.11.
"""

import argparse
import asyncio
import threading
import time


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    for name, run in (
        ("asyncio", lambda: asyncio.run(asyncio_tasks(args.tasks, args.seconds))),
        ("threads", lambda: threads(args.tasks, args.seconds)),
    ):
        started, finished, kib = run()
        print(f"{name:<8} {args.tasks} tasks: started in {started:.3f} s "
              f"({started / args.tasks * 1e6:.1f} us each), all done after {finished:.3f} s, "
              f"{kib:.2f} KiB each")


if __name__ == "__main__":
    main()
