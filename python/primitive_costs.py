#!/usr/bin/env python3
"""What one operation of each of Python's coordinating tools costs, beside
examples/primitive_costs.rs: a Lock taken alone and by two threads, a
Condition hand-off, a queue.Queue put + get, a threading.local access.
Python has no atomics and no reader-writer lock; those rows stay empty."""

import queue
import threading
import time

import summary


def on_two_threads(ops, work):
    other = threading.Thread(target=work, args=(ops // 2,))
    other.start()
    work(ops - ops // 2)
    other.join()


def lock_alone(ops):
    lock, count = threading.Lock(), [0]
    for _ in range(ops):
        with lock:
            count[0] += 1


def lock_two_threads(ops):
    lock, count = threading.Lock(), [0]

    def work(n):
        for _ in range(n):
            with lock:
                count[0] += 1
    on_two_threads(ops, work)


def condition_hand_off(ops):
    changed, turn = threading.Condition(), [False]

    def pass_turn(mine, n):
        for _ in range(n):
            with changed:
                changed.wait_for(lambda: turn[0] == mine)
                turn[0] = not mine
                changed.notify()
    other = threading.Thread(target=pass_turn, args=(True, ops // 2))
    other.start()
    pass_turn(False, ops // 2)
    other.join()


def queue_put_get(ops):
    q = queue.Queue(maxsize=1024)

    def produce():
        for i in range(ops):
            q.put(i)
    producer = threading.Thread(target=produce)
    producer.start()
    for _ in range(ops):
        q.get()
    producer.join()


def thread_local_add(ops):
    local = threading.local()
    local.count = 0
    for _ in range(ops):
        local.count += 1


# The same names as the Rust example's rows.
PRIMITIVES = [
    ("lock, alone", lock_alone),
    ("lock, two threads", lock_two_threads),
    ("condvar hand-off", condition_hand_off),
    ("channel send + receive", queue_put_get),
    ("thread-local add", thread_local_add),
]


def per_op_ns(work, ops):
    fastest = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work(ops)
        fastest = min(fastest, time.perf_counter() - start)
    return fastest * 1e9 / ops


def main():
    parser = summary.parser(__doc__.splitlines()[0], ["all"])
    parser.add_argument("--tasks", type=summary.count, default=100_000,
                        help="operations per measurement")
    args = parser.parse_args()
    start = time.perf_counter()
    costs = {}
    print(f"{args.tasks} operations each, the fastest of 3 runs\n")
    for name, work in PRIMITIVES:
        ns = per_op_ns(work, args.tasks)
        print(f"{name:<26} {ns:>9.1f} ns")
        costs[name] = round(ns, 1)
    summary.finish([summary.summary("primitive_costs.py", "all", args.tasks, 2,
                                    time.perf_counter() - start, per_op_ns=costs)], args.json)


if __name__ == "__main__":
    main()
