"""Native threads for a search engine's calls: two passes of one search side by side.

tantivy releases the interpreter lock while it searches, so a pass started in another native
thread runs on another core while the request's thread runs the next one: a search whose passes
are independent takes as long as the longest of them, not their sum.

Under gevent (``rse serve``'s default worker) the standard library's threads are greenlets, which
would run the passes one after the other while blocking the event loop. There, every engine call
goes to the hub's pool of native threads instead, so the event loop also goes on serving other
requests and sockets while the engine works.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from rse.serve import patched_by_gevent

T = TypeVar("T")

# Passes started beside a request's own thread at once, per process (a search starts one).
SIDE_THREADS = 4

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None


def _pool() -> ThreadPoolExecutor:
    """This process's pool, made again in a forked child (a parent's threads do not follow it)."""
    global _executor, _executor_pid
    with _lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=SIDE_THREADS, thread_name_prefix="search-pass")
            _executor_pid = os.getpid()
        return _executor


def start(call: Callable[..., T], *args) -> Callable[[], T]:
    """Start ``call(*args)`` in another native thread; returns what waits for its result.

    The result is the call's return value, or its exception raised again in the waiting thread.
    """
    if patched_by_gevent():
        import gevent

        return gevent.get_hub().threadpool.spawn(call, *args).get
    return _pool().submit(call, *args).result


def run(call: Callable[..., T], *args) -> T:
    """``call(*args)`` now: in this thread, or under gevent in a native one while the loop goes on."""
    if patched_by_gevent():
        import gevent

        return gevent.get_hub().threadpool.apply(call, args)
    return call(*args)
