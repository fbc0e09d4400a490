"""Schemathesis over the live app (HTTP): every operation of the OpenAPI schema, public and coach, fed what the
schema allows and what it doesn't; not one answer may be a 5xx."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from service.tokens import hash_token
from tests.support.server import serve

TOKEN = "coach-token-for-the-fuzzer"


def test_no_generated_request_gets_a_server_error(pipeline, tmp_path):
    st = str(Path(sys.executable).with_name("st"))
    with serve(pipeline, tmp_path, rate_limit="off", coach_token_hash=hash_token(TOKEN)) as (url, _):
        out = subprocess.run([st, "run", f"{url}/docs/openapi.json", "--checks", "not_a_server_error",
                              "-H", f"Authorization: Bearer {TOKEN}", "--max-examples", "15", "--seed", "1",
                              "--request-timeout", "60", "--phases", "examples,coverage,fuzzing"],
                             capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
