"""Running the same work in several threads at once (each with its own database connection), for
the PostgreSQL concurrency tests: a barrier lets them start together."""

import threading

from django.db import DatabaseError, close_old_connections

from shopflow.core.errors import DomainError


def run_together(count: int, work) -> tuple[list, list]:
    """work(n) in `count` threads at once: (results, errors), errors being the refusals and
    database errors raised."""
    results, errors, barrier = [], [], threading.Barrier(count)

    def worker(n):
        try:
            barrier.wait()
            results.append(work(n))
        except (DomainError, DatabaseError) as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def run_all_succeed(count: int, work) -> list:
    """run_together where every call must succeed: the results (a refusal or error fails the test)."""
    results, errors = run_together(count, work)
    assert errors == [] and len(results) == count
    return results
