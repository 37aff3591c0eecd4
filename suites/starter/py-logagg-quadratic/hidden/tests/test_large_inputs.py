"""Large inputs must be processed in roughly linear time.

Each test runs under a hard deadline (SIGALRM) that is far above what a
linear implementation needs (well under a second here), so a quadratic
implementation fails instead of hanging the suite.
"""

import signal
import tracemalloc
import unittest
from contextlib import contextmanager

from logtally.aggregate import Aggregator
from logtally.dedup import Deduper, dedup
from logtally.records import parse_lines

DEADLINE = 5  # seconds


@contextmanager
def deadline(seconds=DEADLINE):
    def on_alarm(signum, frame):
        raise TimeoutError("took longer than %d s: not linear" % seconds)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


LETTERS = "ghijklmnopqrstuvwxyz"  # no hex digits, so the normalizer keeps them


def word(i):
    out = []
    while True:
        i, r = divmod(i, len(LETTERS))
        out.append(LETTERS[r])
        if i == 0:
            return "".join(out)


def log_line(i, name):
    return "2024-05-01T12:%02d:%02dZ INFO [svc] cache miss for %s after %dms\n" % (
        i // 60 % 60, i % 60, name, i % 97)


class LargeInputs(unittest.TestCase):
    def test_summarize_many_signatures(self):
        n = 50000
        lines = [log_line(i, word(i)) for i in range(n)]
        lines += [log_line(i, word(i % 3 + 9)) for i in range(6)]  # 3 groups get 3 lines
        with deadline():
            agg = Aggregator().add_all(parse_lines(lines))
            report = agg.report(top=5)
        self.assertEqual(agg.total, n + 6)
        self.assertEqual(len(agg.groups), n)
        self.assertEqual([(g.count, g.signature) for g in report], [
            (3, "cache miss for %s after <num>ms" % word(9)),
            (3, "cache miss for %s after <num>ms" % word(10)),
            (3, "cache miss for %s after <num>ms" % word(11)),
            (1, "cache miss for %s after <num>ms" % word(0)),
            (1, "cache miss for %s after <num>ms" % word(1)),
        ])

    def test_dedup_many_distinct_lines(self):
        n = 50000
        lines = ["request %s served\n" % word(i) for i in range(n)]
        with deadline():
            out = list(dedup(lines + lines[::-1]))
        self.assertEqual(out, lines)

    def test_dedup_large_window(self):
        n, window = 150000, 50000
        lines = ["event %s\n" % word(i) for i in range(n)]
        with deadline():
            out = list(dedup(lines, window=window))
        self.assertEqual(len(out), n)


class WindowSemantics(unittest.TestCase):
    def test_repeats_inside_window(self):
        # A key that occurs twice inside the window must stay "seen" until
        # its *last* occurrence slides out of the window.
        period, window, n = 40000, 50000, 200000
        lines = ["tick %s\n" % word(i % period) for i in range(n)]
        with deadline():
            out = list(dedup(lines, window=window))
        self.assertEqual(out, lines[:period])

        # Compare with the definition on an irregular stream: a line is
        # dropped iff its key occurred among the previous `window` lines.
        keys = [(i * 7919) % 4001 for i in range(60000)]
        keys = [k if k % 3 else k // 3 for k in keys]
        lines = ["job %s\n" % word(k) for k in keys]
        last, expected = {}, []
        for i, k in enumerate(keys):
            if not (k in last and i - last[k] <= 5000):
                expected.append(lines[i])
            last[k] = i
        with deadline():
            out = list(dedup(lines, window=5000))
        self.assertEqual(out, expected)

    def test_window_memory_is_bounded(self):
        # --window is meant for endless streams (tail -f): memory must not
        # grow with the number of distinct lines, only with the window.
        n, window = 200000, 20000

        def stream():
            for i in range(n):
                yield "2024-05-01T00:00:00Z connection %s closed\n" % word(i)

        deduper = Deduper(window=window)
        kept = 0
        tracemalloc.start()
        try:
            with deadline():
                for _ in deduper.filter(stream()):
                    kept += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(kept, n)
        self.assertLess(peak, 12 * 1024 * 1024, "peak memory %d bytes" % peak)


if __name__ == "__main__":
    unittest.main()
