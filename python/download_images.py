#!/usr/bin/env python3
"""The notes' image download: one photo after another, then on a
ThreadPoolExecutor, with requests.

    cargo run --example image_server -- --urls-file target/urls.txt &
    python3 python/download_images.py --urls-file target/urls.txt --workers 8 --json

The Rust side: download_images --urls-file (seq, pool).
"""

import concurrent.futures
import pathlib
import sys

import summary

try:
    import requests
except ImportError:
    sys.exit("requests is not installed: pip install -r python/requirements.txt")

MODES = ["seq", "threads"]


def download_image(img_url, out):
    # Unlike the notes, a timeout: without one, a stalled server hangs the script.
    response = requests.get(img_url, timeout=30)
    response.raise_for_status()
    img_bytes = response.content
    img_name = img_url.split("/")[-1]
    partial = out / f".{img_name}.part"
    partial.write_bytes(img_bytes)
    partial.replace(out / img_name)  # never a half-written photo under its name
    return len(img_bytes)


def main():
    parser = summary.parser(__doc__.splitlines()[0], MODES)
    parser.add_argument("--urls-file", type=pathlib.Path, required=True,
                        help="the URLs to download, one per line")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("target/python-downloads"),
                        help="save here, in a folder per mode (default target/python-downloads)")
    parser.add_argument("--workers", type=summary.count, default=8,
                        help="downloads at once with threads (default 8)")
    args = parser.parse_args()
    try:
        urls = [line.strip() for line in args.urls_file.read_text().splitlines() if line.strip()]
    except OSError as error:
        sys.exit(f"error: --urls-file {args.urls_file}: {error.strerror}")
    if not urls:
        sys.exit(f"error: --urls-file {args.urls_file}: no URLs in it")

    def run_one(mode, out):
        if mode == "seq":
            sizes = [download_image(url, out) for url in urls]
            return len(sizes), 1, {"bytes": sum(sizes)}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as executor:
            sizes = list(executor.map(download_image, urls, [out] * len(urls)))
        return len(sizes), args.workers, {"bytes": sum(sizes)}

    summary.run_photo_modes("download_images", args, MODES, requests.RequestException, run_one)


if __name__ == "__main__":
    main()
