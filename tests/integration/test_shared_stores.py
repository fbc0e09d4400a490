"""Two replicas of the app on one Redis (COACH_REDIS_URL): the rate limit is one budget across them and a coach
signed in on one is signed in on the other; with Redis gone, readers are still answered."""
from __future__ import annotations

import re

import httpx
import pytest

from service.tokens import hash_token
from tests.support.redis_server import RedisServer
from tests.support.server import serve

PASSWORD = "coach-password-for-replicas"
SECRET = "one-session-secret-for-every-replica"


@pytest.fixture()
def redis():
    server = RedisServer().start()
    yield server
    server.stop()


def _csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page).group(1)


def test_two_replicas_share_the_rate_limit_and_the_coachs_sign_in(pipeline, tmp_path, redis):
    shared = {"redis_url": redis.url, "rate_limit": "minute:4", "session_secret": SECRET,
              "coach_token_hash": hash_token(PASSWORD)}
    with serve(pipeline, tmp_path / "a", **shared) as (a, _), serve(pipeline, tmp_path / "b", **shared) as (b, _):
        with httpx.Client(base_url=a, timeout=60) as on_a:
            form = on_a.get("/coach/login")
            signed = on_a.post("/coach/login", data={"password": PASSWORD, "_csrf_token": _csrf(form.text)})
            assert signed.status_code in (302, 303), signed.text[:300]
            cookies = on_a.cookies
        with httpx.Client(base_url=b, timeout=60, cookies=cookies) as on_b:
            queue = on_b.get("/coach", follow_redirects=False)
            assert queue.status_code == 200 and "Sign in" not in queue.text[:2000]  # the session lives in Redis
        # The sign-in used 1 of the 4 (per client, across both replicas); three more asks, then 429 on either one.
        asks = [httpx.post(f"{url}/api/ask", json={"question": "How long should no contact last?"}, timeout=60)
                for url in (a, b, a, b)]
        assert [r.status_code for r in asks] == [200, 200, 200, 429], [r.status_code for r in asks]
        assert int(asks[-1].headers["retry-after"]) > 0


def test_with_redis_gone_a_reader_in_crisis_is_still_answered(pipeline, tmp_path, redis):
    with serve(pipeline, tmp_path / "c", redis_url=redis.url, rate_limit="minute:30") as (url, _):
        redis.stop()
        r = httpx.post(f"{url}/api/ask", json={"question": "I want to kill myself tonight"}, timeout=60)
        assert r.status_code == 200 and r.json()["safety"]["level"] == "urgent"
        health = httpx.get(f"{url}/healthz", timeout=30).json()
        assert health["checks"]["redis"]["ok"] is False and health["status"] == "degraded"
