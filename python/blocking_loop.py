#!/usr/bin/env python3
"""Blocking the event loop: time.sleep (or CPU work) inside a coroutine
stops every task, timers included. A heartbeat ticks every 10 ms; the ticks
it missed while the work ran show the stall. The fix: asyncio.to_thread.

    python3 python/blocking_loop.py

The Rust side: the blocking_runtime example. Python 3.11.
"""

import asyncio
import time


async def heartbeat(ticks):
    while True:
        await asyncio.sleep(0.01)
        ticks.append(time.monotonic())


# ANCHOR: work
async def work_in_the_coroutine(seconds):
    time.sleep(seconds)  # holds the event loop's thread until it returns


async def work_in_a_thread(seconds):
    await asyncio.to_thread(time.sleep, seconds)  # the loop goes on meanwhile
# ANCHOR_END: work


async def run(work, seconds):
    ticks = []
    beating = asyncio.create_task(heartbeat(ticks))
    await asyncio.sleep(0.03)
    started = time.monotonic()
    await work(seconds)
    ended = time.monotonic()
    beating.cancel()
    return sum(started < tick < ended for tick in ticks)


async def main():
    for work in (work_in_the_coroutine, work_in_a_thread):
        ticks = await run(work, 0.3)
        print(f"{work.__name__}: {ticks} of about 30 heartbeat ticks during the work")


if __name__ == "__main__":
    asyncio.run(main())
