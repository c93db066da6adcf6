#!/usr/bin/env python3
"""Sync and async together: asyncio.run from synchronous code; a plain
thread handing a coroutine to a running loop (run_coroutine_threadsafe);
and the mistake, asyncio.run inside a running loop.

    python3 python/sync_async.py

The Rust side: crates/downloads/listings/sync_and_async.rs. Python 3.11.
"""

import asyncio
import threading


async def fetch(ms):
    await asyncio.sleep(ms / 1000)
    return ms


# ANCHOR: sync_to_async
def from_sync_code():
    return asyncio.run(fetch(50))  # a new event loop, run to the end, closed
# ANCHOR_END: sync_to_async


# ANCHOR: from_a_thread
async def from_a_thread():
    loop = asyncio.get_running_loop()
    answer = []

    def in_the_thread():  # synchronous code on another thread
        future = asyncio.run_coroutine_threadsafe(fetch(30), loop)
        answer.append(future.result())

    thread = threading.Thread(target=in_the_thread)
    thread.start()
    await asyncio.to_thread(thread.join)
    return answer[0]
# ANCHOR_END: from_a_thread


# ANCHOR: nested
async def nested():
    try:
        return asyncio.run(fetch(10))
    except RuntimeError as error:
        return f"RuntimeError: {error}"
# ANCHOR_END: nested


if __name__ == "__main__":
    print("asyncio.run from sync code:", from_sync_code())
    print("from a thread:", asyncio.run(from_a_thread()))
    print("asyncio.run inside a loop:", asyncio.run(nested()))
