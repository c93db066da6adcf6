#!/usr/bin/env python3
"""Three limits on async work: asyncio.Semaphore (at most 2 of 6 at once),
asyncio.timeout (3.11; it cancels what it interrupts), and
asyncio.Queue(maxsize=2) (a fast producer waits for a slow consumer).

    python3 python/limits.py

The Rust side: crates/downloads/listings/limits_timeouts.rs. Python 3.11.
"""

import asyncio


# ANCHOR: semaphore
async def at_most_two():
    permits = asyncio.Semaphore(2)
    inside = most = 0

    async def task():
        nonlocal inside, most
        async with permits:
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*(task() for _ in range(6)))
    return most
# ANCHOR_END: semaphore


# ANCHOR: timeout
async def too_slow():
    finished = False

    async def wait():
        nonlocal finished
        await asyncio.sleep(0.2)
        finished = True

    try:
        async with asyncio.timeout(0.05):
            await wait()
        timed_out = False
    except TimeoutError:
        timed_out = True
    await asyncio.sleep(0.25)
    return timed_out, finished  # (True, False): the wait was cancelled
# ANCHOR_END: timeout


# ANCHOR: queue
async def bounded_queue():
    queue = asyncio.Queue(maxsize=2)
    sent = received = most_ahead = 0

    async def producer():
        nonlocal sent
        for item in range(20):
            await queue.put(item)  # waits while the queue is full
            sent += 1
        await queue.put(None)

    producing = asyncio.create_task(producer())
    while await queue.get() is not None:
        received += 1
        await asyncio.sleep(0.005)
        most_ahead = max(most_ahead, sent - received)
    await producing
    return most_ahead
# ANCHOR_END: queue


async def main():
    print("semaphore of 2: at most", await at_most_two(), "inside at once")
    print("timeout (timed out, finished anyway):", await too_slow())
    print("queue of 2: the producer was at most", await bounded_queue(), "ahead")


if __name__ == "__main__":
    asyncio.run(main())
