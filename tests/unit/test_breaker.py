"""The model endpoint's circuit breaker: opens after failures in a row, one trial after the pause, never
serialises calls."""
from __future__ import annotations

import threading
import time

import pytest

from service.breaker import EndpointBreaker
from service.errors import GenerationError


def _fail():
    raise GenerationError("HTTP 500 from the model endpoint")


def test_opens_after_failures_in_a_row_then_one_trial_decides():
    breaker = EndpointBreaker(failures=2, pause=0.2)
    calls = []
    with pytest.raises(GenerationError, match="HTTP 500"):
        breaker.call(_fail)
    assert breaker.call(lambda: calls.append(1) or "ok") == "ok"  # a success resets the run
    for _ in range(2):
        with pytest.raises(GenerationError, match="HTTP 500"):
            breaker.call(_fail)
    assert breaker.state == "open"
    with pytest.raises(GenerationError, match="paused after 2 failures"):
        breaker.call(lambda: calls.append(2))
    assert calls == [1]  # refused without calling
    time.sleep(0.25)
    assert breaker.state == "half-open"
    with pytest.raises(GenerationError, match="HTTP 500"):
        breaker.call(_fail)  # the trial failed: open again at once, for a whole pause
    assert breaker.state == "open"
    time.sleep(0.25)
    assert breaker.call(lambda: "back") == "back" and breaker.state == "closed"


def test_calls_run_side_by_side():
    breaker = EndpointBreaker(failures=3, pause=30)
    inside, most = [0], [0]
    lock = threading.Lock()

    def slow():
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)
        with lock:
            inside[0] -= 1

    threads = [threading.Thread(target=breaker.call, args=(slow,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 4


def test_a_refused_request_is_no_verdict_but_a_refused_trial_closes_it():
    from service.errors import ModelRefusedRequest

    def _refuse():
        raise ModelRefusedRequest("HTTP 400 from the model endpoint (this request refused)")

    breaker = EndpointBreaker(failures=2, pause=0.2)
    with pytest.raises(GenerationError):
        breaker.call(_fail)
    with pytest.raises(ModelRefusedRequest):
        breaker.call(_refuse)  # neither a failure nor a success: the run of failures goes on
    with pytest.raises(GenerationError):
        breaker.call(_fail)
    assert breaker.state == "open"
    time.sleep(0.25)
    with pytest.raises(ModelRefusedRequest):
        breaker.call(_refuse)  # the trial was answered: the endpoint is up
    assert breaker.state == "closed"
