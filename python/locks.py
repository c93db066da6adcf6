"""Python's Lock and RLock, beside examples/locks.rs: an exception inside
`with lock:` releases the lock and says nothing of the data it left half
changed; an RLock can be taken again by the thread that holds it, a Lock
cannot."""

import threading
import time

import summary


# ANCHOR: poison
def poison():
    accounts = {"checking": 100, "savings": 100}
    lock = threading.Lock()

    def transfer():
        with lock:
            accounts["checking"] -= 10
            raise ConnectionError("the savings ledger is unreachable")

    worker = threading.Thread(target=transfer)
    worker.start()
    worker.join()  # threading.excepthook printed the error; join() says nothing
    with lock:  # taken at once: nothing marks the half-done transfer
        total = accounts["checking"] + accounts["savings"]
    print(f"total {total}")
    return {"total_after_panic": total}
# ANCHOR_END: poison


# ANCHOR: reenter
def reenter():
    rlock = threading.RLock()
    with rlock:
        with rlock:  # the owner may take an RLock again
            pass
    lock = threading.Lock()
    with lock:
        again = lock.acquire(timeout=0.1)  # a Lock: False after 0.1 s
    print(f"the same thread asks a Lock again: {'acquired' if again else 'would block'}")
    return {"second_lock": "acquired" if again else "would block"}
# ANCHOR_END: reenter


def main():
    args = summary.parser(__doc__, ["poison", "reenter"]).parse_args()
    summaries = []
    for mode, start in summary.each_mode(args, ["poison", "reenter"]):
        extra = {"poison": poison, "reenter": reenter}[mode]()
        summaries.append(summary.summary("locks.py", mode, 1, 1,
                                         time.perf_counter() - start, **extra))
        print()
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
