"""A small HTTP server speaking the OpenAI chat-completions wire protocol (plain and streaming).

The one test double in this suite: it stands in for the model endpoint we don't own. Each request takes
the next scripted behaviour: an answer text, a delay (for timeouts), an HTTP error or malformed JSON. Risk
ratings (the second opinion's requests, told apart by their system prompt) take theirs from `risk_script`, and
rate everything "none" when it is empty.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that timed out on purpose hung up
        pass


@dataclass
class Behaviour:
    text: str = ""
    status: int = 200
    delay: float = 0.0
    malformed: bool = False
    drip: float = 0.0  # seconds between pieces: a stream word by word, a plain answer a few bytes at a time
    stall_after: int | None = None  # stream this many pieces, then go silent for `delay` seconds
    rate: float = 0.0  # a stream at this many tokens a second (pieces of about four characters, as models send)
    keepalive: bool = False  # while stalled, send an SSE comment (": ping") every 0.2 s, as some proxies do


RATED_NONE = '{"level": "none", "category": null}'


def _is_risk_rating(body: dict) -> bool:
    messages = body.get("messages") or [{}]
    return str(messages[0].get("content", "")).startswith("You screen messages")


def tokens(text: str) -> list[str]:
    """Model-like tokens: a word's leading space with up to four characters, the rest of a long word after it."""
    return re.findall(r"\s*[^\s]{1,4}|\s+$", text)


class FakeOpenAI:
    def __init__(self, port: int = 0):
        self.script: deque[Behaviour] = deque()
        self.risk_script: deque[Behaviour] = deque()
        self.default: Behaviour | None = None  # what every answer request gets once the script is empty
        self.rotation: Iterator[Behaviour] | None = None  # or the next of these, round and round (replay)
        self.requests: list[dict] = []
        self.cut_streams = 0  # streams the client hung up on before the end (a stopped answer)
        self.sent_log: list[tuple[float, str]] = []  # (time.monotonic(), piece) of the latest answer stream
        self.finished_streams = 0
        self.risk_requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                self._body = body
                if _is_risk_rating(body):
                    server.risk_requests.append(body)
                    b = server.risk_script.popleft() if server.risk_script else Behaviour(RATED_NONE)
                else:
                    server.requests.append(body)
                    b = server.script.popleft() if server.script else server.next_default()
                if b.delay and b.stall_after is None:
                    time.sleep(b.delay)
                if b.status != 200:
                    self._send(b.status, {"error": {"message": "boom", "type": "server_error"}})
                elif b.malformed:
                    self._raw(200, b'{"choices": [{"message": ', "application/json")
                elif body.get("stream"):
                    self._stream(b, body.get("model", "fake"))
                else:
                    self._send(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                                     "model": body.get("model", "fake"),
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": b.text}}],
                                     "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}},
                               b.drip)

            def _send(self, status, payload, drip=0.0):
                self._raw(status, json.dumps(payload).encode(), "application/json", drip)

            def _raw(self, status, data, ctype, drip=0.0):
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                step = 8 if drip else len(data) or 1
                for start in range(0, len(data), step):  # a slow server: a few bytes, a pause, a few more
                    self.wfile.write(data[start:start + step])
                    self.wfile.flush()
                    if drip:
                        time.sleep(drip)

            def _stream(self, b, model):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                pieces = tokens(b.text) if b.rate else [w if i == 0 else " " + w
                                                           for i, w in enumerate(b.text.split(" "))]
                pause = 1.0 / b.rate if b.rate else b.drip
                log = server.sent_log = []
                try:
                    for i, piece in enumerate(pieces):
                        if b.stall_after is not None and i == b.stall_after:
                            if b.keepalive:
                                until = time.monotonic() + b.delay
                                while time.monotonic() < until:
                                    self.wfile.write(b": ping\n\n")
                                    self.wfile.flush()
                                    time.sleep(0.2)
                            else:
                                time.sleep(b.delay)
                        chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                        log.append((time.monotonic(), piece))
                        if pause:
                            time.sleep(pause)
                    if (self._body.get("stream_options") or {}).get("include_usage"):
                        prompt = sum(len(str(m.get("content", ""))) for m in self._body.get("messages", []))
                        usage = {"prompt_tokens": prompt // 4, "completion_tokens": len(pieces),
                                 "total_tokens": prompt // 4 + len(pieces)}
                        chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                                 "choices": [], "usage": usage}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    server.finished_streams += 1
                except (BrokenPipeError, ConnectionResetError):
                    server.cut_streams += 1

        self.httpd = _QuietServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_default(self) -> Behaviour:
        """What an answer request gets when the script is empty."""
        if self.rotation is not None:
            return next(self.rotation)
        return self.default or Behaviour("")

    def enqueue(self, *behaviours: Behaviour) -> None:
        self.script.extend(behaviours)

    def enqueue_rating(self, *behaviours: Behaviour) -> None:
        self.risk_script.extend(behaviours)


def replay(answers: list[str], rate: float = 0.0, port: int = 0) -> FakeOpenAI:
    """A server that answers every question with the next of `answers`, round and round (risk ratings: none)."""
    if not answers:
        raise ValueError("nothing to replay: the file has no answers")
    server = FakeOpenAI(port)
    server.rotation = itertools.cycle([Behaviour(answer, rate=rate) for answer in answers])
    return server


def main() -> None:
    """Serve recorded answers over the wire protocol, e.g. the real small model's, for `coach eval --generator llm`."""
    import argparse
    from pathlib import Path

    import yaml

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--replay", type=Path, required=True, help="a YAML file with `answers: [{answer: ...}]`")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--rate", type=float, default=0.0, help="stream at this many tokens a second")
    args = parser.parse_args()
    recorded = [item["answer"].strip() for item in yaml.safe_load(args.replay.read_text(encoding="utf-8"))["answers"]]
    server = replay(recorded, args.rate, args.port)
    print(f"replaying {len(recorded)} answers at http://127.0.0.1:{args.port}/v1", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it quietly
        server.httpd.serve_forever()


if __name__ == "__main__":
    main()
