"""POST /api/ask/stream read as a reader's browser does: each Server-Sent Event as it arrives."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx


def stream_events(client: httpx.Client, url: str, question: str) -> Iterator[tuple[float, str, dict]]:
    """(seconds since the request, event name, payload) for each event of the answer to `question`."""
    started, name = time.monotonic(), None
    with client.stream("POST", f"{url}/api/ask/stream", json={"question": question}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                yield time.monotonic() - started, name, json.loads(line.split(":", 1)[1])
