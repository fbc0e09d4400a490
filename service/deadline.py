"""One call to a server, waited for no longer than a deadline (the call itself may run on, on a daemon thread)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def call_within(call: Callable[[], T], timeout: float, slots: threading.Semaphore | None = None,
                name: str = "deadline-call") -> T:
    """call() on a daemon thread of its own (never joined at exit), its result or exception handed back; TimeoutError
    after `timeout` seconds, or at once when `slots` is given and every slot is still held by earlier calls."""
    if slots is not None and not slots.acquire(blocking=False):
        raise TimeoutError("every slot is still held by a call waiting on the server")
    result: Future = Future()

    def run():
        try:
            result.set_result(call())
        except BaseException as exc:  # handed to the waiting caller, or dropped when it has gone
            result.set_exception(exc)
        finally:
            if slots is not None:
                slots.release()

    threading.Thread(target=run, name=name, daemon=True).start()
    return result.result(timeout=timeout)
