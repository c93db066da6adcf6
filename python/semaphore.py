#!/usr/bin/env python3
"""Python's threading.BoundedSemaphore, beside crates/downloads/examples/semaphore.rs: one
thread per download, at most --permits downloading at once, from a slow
local server (127.0.0.1, standard library only, stopped at the end)."""

import http.server
import threading
import time
import urllib.request

import summary


def slow_server(seconds):
    """A server on 127.0.0.1 that answers every GET with 1 KB after `seconds`."""
    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(seconds)
            self.send_response(200)
            self.send_header("Content-Length", "1024")
            self.end_headers()
            self.wfile.write(b"x" * 1024)

        def log_message(self, *args):
            pass  # quiet

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ANCHOR: semaphore
def download_all(urls, permits):
    semaphore = threading.BoundedSemaphore(permits)
    now, most, counting = 0, 0, threading.Lock()
    sizes = [None] * len(urls)

    def download(i, url):
        nonlocal now, most
        with semaphore:  # waits while all permits are out
            with counting:
                now += 1
                most = max(most, now)
            with urllib.request.urlopen(url, timeout=30) as response:
                sizes[i] = len(response.read())
            with counting:
                now -= 1

    threads = [threading.Thread(target=download, args=(i, url)) for i, url in enumerate(urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sizes, most
# ANCHOR_END: semaphore


def main():
    parser = summary.parser(__doc__.splitlines()[0], ["threads"], tasks=10)
    parser.add_argument("--permits", type=summary.count, default=3)
    parser.add_argument("--seconds", type=summary.seconds, default=0.2)
    args = parser.parse_args()
    server = slow_server(args.seconds)
    try:
        host, port = server.server_address[:2]
        urls = [f"http://{host}:{port}/file-{i}.bin" for i in range(args.tasks)]
        print(f"== threads: {args.tasks} downloads, {args.permits} at once ==")
        start = time.perf_counter()
        sizes, most = download_all(urls, args.permits)
        elapsed = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    failed = sum(1 for size in sizes if size is None)
    print(f"{args.tasks - failed} downloads, {sum(s or 0 for s in sizes)} bytes, "
          f"at most {most} at once, in {elapsed:.2f} s")
    summary.finish([summary.summary("semaphore.py", "threads", args.tasks, args.tasks, elapsed,
                                    permits=args.permits, max_overlap=most, failed=failed)],
                   args.json)
    if failed:
        raise SystemExit(f"error: {failed} download(s) failed")


if __name__ == "__main__":
    main()
