"""Python's cyclic garbage collector paused for the length of a batch.

A batch (an import, an allocation, a wave shipped) makes and keeps hundreds of thousands of
objects; each time enough of them survive, the collector walks every live object in the
process — 90–300 ms a time with a 100k data set loaded, up to a fifth of an allocation's time
(measured 2026-11-23, docs/decisions/0015). What a batch makes is freed by reference counting;
the cycles it leaves are few (82 objects after importing 100,000 orders), collected as usual once
the pause ends. The pause is process-wide: nested and concurrent batches (threads of one server)
are counted, and the collector runs again when the last one ends — unless it was off before the
first began."""

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused():
    """`with gc_paused():` or `@gc_paused()` around a batch."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
