#!/usr/bin/env python3
"""Waiting for several coroutines at once: gather (in order, and what a
failure does to the others), gather(return_exceptions=True), 3.11's
TaskGroup, and as_completed.

    python3 python/gather.py

The Rust side: crates/downloads/listings/gather_join.rs. Python 3.11.
"""

import asyncio

finished = []


# ANCHOR: fetch
async def fetch(ms):
    await asyncio.sleep(ms / 1000)
    if ms == 0:
        raise RuntimeError("the 0 ms fetch failed")
    finished.append(f"{ms} ms done")
    return ms
# ANCHOR_END: fetch


async def main():
    # ANCHOR: gather
    print("gather:", await asyncio.gather(fetch(300), fetch(100), fetch(200)))
    # ANCHOR_END: gather
    print("finished:", finished)
    finished.clear()

    # ANCHOR: gather_fails
    try:
        await asyncio.gather(fetch(300), fetch(0))
    except RuntimeError as error:
        print("gather raised:", error)
    await asyncio.sleep(0.4)
    print("finished after that:", finished)  # the 300 ms fetch went on
    # ANCHOR_END: gather_fails
    finished.clear()

    # ANCHOR: return_exceptions
    print("return_exceptions:",
          await asyncio.gather(fetch(100), fetch(0), return_exceptions=True))
    # ANCHOR_END: return_exceptions
    finished.clear()

    # ANCHOR: task_group
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fetch(300))
            group.create_task(fetch(0))
    except* RuntimeError as errors:
        print("TaskGroup raised:", errors.exceptions)
    await asyncio.sleep(0.4)
    print("finished after that:", finished)  # the 300 ms fetch was cancelled
    # ANCHOR_END: task_group
    finished.clear()

    # ANCHOR: as_completed
    order = [await done for done in asyncio.as_completed([fetch(300), fetch(100), fetch(200)])]
    print("as_completed:", order)
    # ANCHOR_END: as_completed


if __name__ == "__main__":
    asyncio.run(main())
