"""`coach serve` as an operator runs it: a clear refusal without a shared session secret for several workers, and
a rate limit that X-Forwarded-For can't dodge unless it comes from a configured proxy."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port

COACH = str(Path(sys.executable).with_name("coach"))


def test_several_workers_need_a_shared_session_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COACH_SESSION_SECRET"}
    out = subprocess.run([COACH, "serve", "--workers", "2", "--port", str(free_port())], capture_output=True,
                         text=True, timeout=120, env={**env, "COACH_DATA_DIR": str(tmp_path)})
    assert out.returncode != 0 and "COACH_SESSION_SECRET" in out.stderr and "Traceback" not in out.stderr


def test_forwarded_for_from_an_untrusted_client_does_not_reset_the_sign_in_limit(built_settings, tmp_path):
    port = free_port()
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path), "COACH_CHROMA_PATH": str(built_settings.chroma_path),
           "COACH_RATE_LIMIT": "minute:2", "COACH_ADMIN_TOKEN": "t" * 32}
    proc = subprocess.Popen([COACH, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + "/livez", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "coach serve did not start"
            time.sleep(0.5)
        statuses = []
        for n in range(4):  # a client claiming a new address each time
            r = httpx.post(url + "/coach/login", data={"token": "wrong"}, timeout=30,
                           headers={"X-Forwarded-For": f"203.0.113.{n}"})
            statuses.append(r.status_code)
        assert 429 not in statuses[:2] and statuses[2:] == [429, 429], statuses
        assert int(r.headers["retry-after"]) > 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
