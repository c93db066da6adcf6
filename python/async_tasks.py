#!/usr/bin/env python3
"""Coroutines, futures, tasks: a coroutine does nothing until it is awaited;
awaiting one after another runs them in turn; create_task runs them side by
side. Forgetting the await runs nothing, and Python only warns.

    python3 python/async_tasks.py

The Rust side: crates/downloads/listings/lazy_futures.rs and the
async_tasks example. Python 3.11.
"""

import asyncio
import time

START = time.monotonic()


def now():
    return f"{(time.monotonic() - START) * 1000:4.0f} ms"


# ANCHOR: work
async def work(name):
    print(f"{now()}  {name} starts")
    await asyncio.sleep(0.1)
    print(f"{now()}  {name} done")
    return name
# ANCHOR_END: work


# ANCHOR: in_turn
async def awaited_in_turn():
    return [await work("a"), await work("b"), await work("c")]
# ANCHOR_END: in_turn


# ANCHOR: tasks
async def as_tasks():
    tasks = [asyncio.create_task(work(name)) for name in "abc"]
    return [await task for task in tasks]
# ANCHOR_END: tasks


# ANCHOR: forgot
async def forgot_to_await():
    work("forgotten")  # RuntimeWarning: coroutine 'work' was never awaited
# ANCHOR_END: forgot


async def main():
    print("-- awaited in turn")
    print(await awaited_in_turn())
    print("-- as tasks")
    print(await as_tasks())
    print("-- forgot to await")
    await forgot_to_await()


if __name__ == "__main__":
    asyncio.run(main())
