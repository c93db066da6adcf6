#!/usr/bin/env python3
"""Cancellation safety in asyncio, beside crates/downloads/examples/cancel_safety.rs: reading
a length-prefixed message awaits twice, and asyncio.wait_for cancels the read
when its timeout passes, losing the length already read; asyncio.wait with a
timeout does not cancel, and the same read goes on next time round."""

import asyncio
import struct
import time

import summary

MODES = ["lossy", "kept"]


async def read_message(reader):
    (length,) = struct.unpack(">I", await reader.readexactly(4))
    if length > 1 << 16:
        raise ValueError(f"a length of {length}: the stream is out of step")
    return await reader.readexactly(length)


async def write_messages(reader, count, pause):
    for i in range(count):
        body = f"message {i}".encode()
        reader.feed_data(struct.pack(">I", len(body)))
        await asyncio.sleep(pause)  # the reader is now between its two awaits
        reader.feed_data(body)
    reader.feed_eof()


# ANCHOR: lossy
async def lossy(reader):
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(read_message(reader), timeout=0.005))
        except asyncio.TimeoutError:
            continue  # a progress tick; the read was cancelled, its length lost
        except (asyncio.IncompleteReadError, ValueError) as e:
            return messages, None if isinstance(e, asyncio.IncompleteReadError) else str(e)
# ANCHOR_END: lossy


# ANCHOR: kept
async def kept(reader):
    messages, read = [], asyncio.ensure_future(read_message(reader))
    while True:
        done, _ = await asyncio.wait({read}, timeout=0.005)  # does not cancel
        if not done:
            continue  # a progress tick; the same read goes on
        try:
            messages.append(read.result())
        except (asyncio.IncompleteReadError, ValueError) as e:
            return messages, None if isinstance(e, asyncio.IncompleteReadError) else str(e)
        read = asyncio.ensure_future(read_message(reader))
# ANCHOR_END: kept


async def run(mode, count, pause):
    reader = asyncio.StreamReader()
    writing = asyncio.ensure_future(write_messages(reader, count, pause))
    messages, error = await asyncio.wait_for((lossy if mode == "lossy" else kept)(reader), 60)
    writing.cancel()
    return messages, error


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=5, seconds=0.02)
    args = parser.parse_args()
    summaries = []
    for mode, start in summary.each_mode(args, MODES):
        messages, error = asyncio.run(run(mode, args.tasks, args.seconds))
        print(f"{len(messages)} of {args.tasks} messages arrived: {[m.decode() for m in messages]}")
        if error:
            print(f"then: {error}")
        print()
        summaries.append(summary.summary("cancel_safety.py", mode, args.tasks, 1,
                                         time.perf_counter() - start, received=len(messages),
                                         error=error))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
