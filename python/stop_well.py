#!/usr/bin/env python3
"""Stopping well on Ctrl-C or SIGTERM, beside crates/downloads/examples/stop_well.rs: worker
threads finish the task in hand and the results so far are kept; asyncio
tasks are cancelled, and a cancelled download removes its partial file."""

import asyncio
import concurrent.futures as cf
import os
import signal
import threading
import time

import summary

MODES = ["threads", "async"]
stop = threading.Event()


def work(task, seconds):
    time.sleep(seconds)
    return f"task {task} done"


# ANCHOR: threads
def with_threads(tasks, workers, seconds):
    # Python runs signal handlers in the main thread only, between bytecodes:
    # the handler sets the event, and the main thread must not block for long.
    signal.signal(signal.SIGINT, lambda number, frame: stop.set())
    signal.signal(signal.SIGTERM, lambda number, frame: stop.set())
    kept = []
    with cf.ThreadPoolExecutor(workers) as pool:
        pending = {pool.submit(work, k, seconds) for k in range(tasks)}
        while pending and not stop.is_set():
            done, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            kept += [f.result() for f in done]
        pool.shutdown(wait=True, cancel_futures=True)  # the tasks in hand finish
    kept += [f.result() for f in pending if f.done() and not f.cancelled()]
    return kept
# ANCHOR_END: threads


# ANCHOR: async
async def download(k, seconds, folder):
    path, partial = f"{folder}/photo-{k:02}.jpg", f"{folder}/.photo-{k:02}.jpg.part"
    try:
        with open(partial, "wb") as file:
            for _ in range(10):  # ten slow chunks, as from a slow server
                await asyncio.sleep(seconds / 10)
                file.write(b"\xff" * 1000)
        os.replace(partial, path)
        return path
    finally:  # also on CancelledError: no partial file is kept
        if os.path.exists(partial):
            os.remove(partial)


async def with_asyncio(tasks, workers, seconds, folder):
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(workers)

    async def limited(k):
        async with limit:
            return await download(k, seconds, folder)

    jobs = [asyncio.create_task(limited(k)) for k in range(tasks)]
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, lambda: [job.cancel() for job in jobs])
    await asyncio.wait(jobs, timeout=600)
    return [job.result() for job in jobs if not job.cancelled()]
# ANCHOR_END: async


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=8, workers=2, seconds=0.3)
    parser.add_argument("--out", default="target/stop-well-py")
    parser.add_argument("--interrupt-after", type=summary.seconds)
    args = parser.parse_args()
    if args.interrupt_after:
        threading.Timer(args.interrupt_after, os.kill, (os.getpid(), signal.SIGINT)).start()
    os.makedirs(f"{args.out}/async", exist_ok=True)
    summaries = []
    for mode, start in summary.each_mode(args, MODES):
        if mode == "threads":
            kept = with_threads(args.tasks, args.workers, args.seconds)
        else:
            kept = asyncio.run(with_asyncio(args.tasks, args.workers, args.seconds,
                                            f"{args.out}/async"))
        print("\n".join(kept))
        print(f"kept {len(kept)} of {args.tasks}\n")
        summaries.append(summary.summary("stop_well.py", mode, args.tasks, args.workers,
                                         time.perf_counter() - start, kept=len(kept)))
        if len(kept) < args.tasks:
            summary.finish(summaries, args.json)
            raise SystemExit(130)
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
