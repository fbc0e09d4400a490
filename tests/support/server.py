"""The real app served by uvicorn on 127.0.0.1 and a free port, in a background thread: tests talk HTTP to it."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from service.app import create_app
from tests.support.ports import free_port


@contextmanager
def serve(pipeline, data_dir: Path, **overrides):
    """Yields (base URL, settings); the app shares the given pipeline (no second model load)."""
    settings = pipeline.settings.with_overrides(data_dir=data_dir, **overrides)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, pipeline=pipeline), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", settings
    finally:
        server.should_exit = True
        thread.join(15)
