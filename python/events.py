"""Python's threading.Event, beside examples/stop_flags.rs: workers take
steps until an Event says stop, and a thread waits until an Event is set."""

import threading
import time

import summary


# ANCHOR: stop_flag
def stop_flag(workers, seconds):
    stop = threading.Event()
    steps = [0] * workers  # one slot per worker: no lock needed to count

    def work(me):
        while not stop.is_set():
            time.sleep(0.001)  # one step of work
            steps[me] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    print(f"{sum(steps)} steps, {steps} per worker")
    return {"steps": sum(steps), "per_worker": steps}
# ANCHOR_END: stop_flag


# ANCHOR: wait
def wait(seconds):
    ready = threading.Event()
    start = time.perf_counter()
    waited = []
    waiter = threading.Thread(target=lambda: (ready.wait(), waited.append(time.perf_counter() - start)))
    waiter.start()
    time.sleep(seconds)
    ready.set()
    waiter.join()
    print(f"the waiter slept {waited[0]:.2f} s")
    return {"waited_s": waited[0]}
# ANCHOR_END: wait


def main():
    parser = summary.parser(__doc__, ["stop-flag", "wait"], workers=2, seconds=0.3)
    args = parser.parse_args()
    summaries = []
    for mode, start in summary.each_mode(args, ["stop-flag", "wait"]):
        if mode == "stop-flag":
            workers, extra = args.workers, stop_flag(args.workers, args.seconds)
        else:
            workers, extra = 1, wait(args.seconds)
        summaries.append(summary.summary("events.py", mode, workers, workers,
                                         time.perf_counter() - start, **extra))
        print()
    summary.finish(summaries, args.json)


if __name__ == "__main__":
    main()
