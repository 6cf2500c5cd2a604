"""Timing helpers shared by the Python peer scripts (run from this folder's
scripts, which put it on sys.path as their own directory)."""

import statistics
import time


def timed(f):
    """(milliseconds, result) of one call of f."""
    t = time.perf_counter()
    out = f()
    return (time.perf_counter() - t) * 1000, out


def median_ms(f, items):
    """(median, total) milliseconds of f over items, one call per item."""
    times = []
    for item in items:
        t = time.perf_counter()
        f(item)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), sum(times)


def best_ms(f, repeat=5):
    """The fastest of `repeat` calls of f, in milliseconds."""
    return min(timed(f)[0] for _ in range(repeat))
