"""Python's full garbage collections paused for bulk work (an import's conversion and
planning), as bulk loaders do; young collections go on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's full garbage collections paused, as bulk loaders do; young ones go on.

    What an import builds (a few objects per entry) lives until the import ends and holds
    no reference cycles, yet every 25% of growth makes a full collection walk the whole
    heap again (0.05-0.15 s each time, once or twice in a 10,000-entry import) to free
    nothing. Decoding LaTeX does make short-lived cycles (pylatexenc's node trees), and
    with the collector off entirely they piled up: a 3 MB file of titles with TeX math
    took 790 MB instead of 110 MB. Young collections free them while they are young, at a
    cost that grows with what was allocated since the last one, not with the heap. The
    thresholds are restored afterwards (a caller that disabled the collector keeps it so)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)  # no full collections
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
