"""The collector pause around batches (shopflow.core.gcpause)."""

import gc
import threading

import pytest

from shopflow.core.gcpause import gc_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_running_again_after():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outermost():
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner batch ending does not start it under the outer one
    assert gc.isenabled()


def test_an_exception_ends_the_pause():
    @gc_paused()
    def batch():
        assert not gc.isenabled()
        raise ValueError("refused")

    with pytest.raises(ValueError):
        batch()
    assert gc.isenabled()
    batch_again = gc_paused()(lambda: gc.isenabled())
    assert batch_again() is False  # the decorator pauses on every call, not only the first
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_batches_in_threads_leave_it_running_once_all_ended():
    first_in, second_done = threading.Event(), threading.Event()
    seen = {}

    def first():
        with gc_paused():
            first_in.set()
            second_done.wait(5)
            seen["first, after the second ended"] = gc.isenabled()

    def second():
        first_in.wait(5)
        with gc_paused():
            pass
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"first, after the second ended": False}
    assert gc.isenabled()
