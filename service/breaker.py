"""A circuit breaker for a dependency (the model endpoint, the Chroma server): after a run of failures it is left
alone for a while, and callers are refused at once instead of each waiting out a deadline.

Written here rather than taken from pybreaker: pybreaker holds its lock for the whole call, so concurrent model
calls went one at a time (four readers waited 2, 4, 6 and 8 s on a hanging endpoint with a 2 s deadline)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .errors import CoachError, GenerationError

T = TypeVar("T")


class EndpointBreaker:
    """Closed: calls go through. After `failures` failed calls in a row: open for `pause` seconds, every call
    refused at once (for the model: the reader gets the grounded answer without waiting). Then half-open: one trial
    call goes through; its success closes the breaker, its failure opens it for another pause. A call fails by
    raising `failure` (GenerationError for the model); a refusal raises `refused(reason)`."""

    def __init__(self, failures: int, pause: float, what: str = "model endpoint",
                 failure: type[CoachError] = GenerationError,
                 refused: Callable[[str], CoachError] = GenerationError):
        self.failures_to_open = max(1, failures)
        self.pause = pause
        self.what = what
        self.failure = failure
        self.refused = refused
        self._lock = threading.Lock()  # guards the counters only, never held during a call
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    def call(self, func: Callable[[], T]) -> T:
        """func() through the breaker: a `failure` it raises counts as one."""
        trial = self._admit()
        try:
            result = func()
        except self.failure as exc:
            if getattr(exc, "endpoint_failed", True):
                self._record(ok=False, trial=trial)
            elif trial:  # refused one request (ModelRefusedRequest): the endpoint answered, so it is up again
                self._record(ok=True, trial=True)
            # else no verdict: a refusal neither counts as a failure nor resets the run of failures before it
            raise
        except BaseException:
            self._release(trial)  # not the dependency's fault (a bug of ours, a cancellation): no verdict
            raise
        self._record(ok=True, trial=trial)
        return result

    def refuse_if_open(self) -> None:
        """For calls that must not count (the risk screen's short budget): skip them while the endpoint rests."""
        if self.state != "closed":
            raise self.refused(self.refusal())

    def _admit(self) -> bool:
        """Let a call through (True when it is the half-open trial) or refuse it."""
        with self._lock:
            if self._opened_at is None:
                return False
            if self._trial or time.monotonic() - self._opened_at < self.pause:
                raise self.refused(self.refusal())
            self._trial = True
            return True

    def _record(self, *, ok: bool, trial: bool) -> None:
        with self._lock:
            if ok:
                self._failures, self._opened_at = 0, None
            else:
                self._failures += 1
                if trial or self._failures >= self.failures_to_open:
                    self._opened_at = time.monotonic()
            if trial:  # only the trial itself ends the trial (a slow call from before the pause doesn't)
                self._trial = False

    def _release(self, trial: bool) -> None:
        if trial:
            with self._lock:
                self._trial = False

    def refusal(self) -> str:
        return (f"{self.what} paused after {self.failures_to_open} failures in a row; "
                f"next try in {self.retry_in():.0f} s")

    @property
    def state(self) -> str:
        """closed | open | half-open (the pause is over: the next call is the trial)."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self._trial or time.monotonic() - self._opened_at < self.pause else "half-open"

    def retry_in(self) -> float:
        opened_at = self._opened_at
        return 0.0 if opened_at is None else max(0.0, opened_at + self.pause - time.monotonic())

    def status(self) -> dict:
        """What /healthz shows."""
        return {"state": self.state, "failures_in_a_row": self._failures, "retry_in_s": round(self.retry_in(), 1)}
