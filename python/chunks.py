#!/usr/bin/env python3
"""Pool.imap, imap_unordered and chunksize, beside examples/chunks.rs: many
tiny tasks on a process pool, handed out one at a time or in chunks, with
results in order or as they come."""

import multiprocessing
import time

import summary

MODES = ["chunk-one", "chunked", "adaptive", "unordered", "bridge"]


def task(x):
    return sum(i * x for i in range(200))  # tens of microseconds in CPython


def generator(n):
    yield from range(n)  # no length: imap takes it lazily


# ANCHOR: chunks
def run(pool, mode, tasks, chunk):
    if mode == "chunk-one":
        return list(pool.imap(task, range(tasks), chunksize=1))  # a pipe trip per task
    if mode == "chunked":
        return list(pool.imap(task, range(tasks), chunksize=chunk))
    if mode == "adaptive":
        return pool.map(task, range(tasks))  # chunksize: about len / (4 * workers)
    if mode == "unordered":
        return list(pool.imap_unordered(task, range(tasks), chunksize=chunk))
    return list(pool.imap(task, generator(tasks), chunksize=chunk))
# ANCHOR_END: chunks


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES, tasks=20_000, workers=2)
    parser.add_argument("--chunk", type=summary.count, default=1000)
    args = parser.parse_args()
    expected = sum(task(x) for x in range(args.tasks))
    summaries = []
    with multiprocessing.Pool(args.workers) as pool:
        for mode in [args.mode] if args.mode else MODES:
            start = time.perf_counter()
            results = run(pool, mode, args.tasks, args.chunk)
            elapsed = time.perf_counter() - start
            in_order = results == [task(x) for x in range(args.tasks)]
            print(f"{mode:<10} {elapsed * 1e3:>8.2f} ms  {len(results)} results"
                  f"{', in order' if in_order else ', not in order'}")
            if len(results) != args.tasks or sum(results) != expected:
                raise SystemExit(f"error: {mode}: wrong results")
            summaries.append(summary.summary("chunks.py", mode, args.tasks, args.workers,
                                             elapsed, in_order=in_order))
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
