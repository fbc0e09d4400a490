"""The fault matrix: how fast a reader in crisis is answered, and how ordinary readers fare, while a dependency
misbehaves. The real app over HTTP (uvicorn), `--readers` ordinary readers asking at once and an urgent message
every half second; the model endpoint is the wire-protocol test server (tests/support/model_server.py), Chroma a
real `chroma run` server on a copy of the built index, frozen (SIGSTOP), killed and restarted.

Run: python -m evals.bench.faults [--readers 16] [--seconds 15] [--llm-timeout 5] [--only NAME]
Goals (issue 16): urgent replies <= 1 s under every fault; ordinary replies within the model deadline + 1 s."""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from evals.stats import percentiles

URGENT = ["I want to kill myself tonight, I have the pills ready", "i don't want to be alive anymore",
          "He said he'll kill me if I leave and he has a gun"]
ORDINARY = "My ex is my coworker and I see him every day. How do I do no contact?"


@dataclass
class Samples:
    urgent_ms: list[float] = field(default_factory=list)
    urgent_levels: Counter = field(default_factory=Counter)
    ordinary_ms: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # "200 llm", "200 grounded", "503", "error ..."


def _load(url: str, readers: int, seconds: float, stream: bool) -> Samples:
    """`readers` threads asking ORDINARY in a loop and one asking an urgent message every 0.5 s, for `seconds`."""
    samples, lock, stop = Samples(), threading.Lock(), time.monotonic() + seconds
    path = "/api/ask/stream" if stream else "/api/ask"

    def reader():
        with httpx.Client(timeout=120) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    r = client.post(url + path, json={"question": ORDINARY, "locale": "en-US"})
                    outcome = str(r.status_code)
                    if r.status_code == 200:
                        body = _done(r)
                        outcome += " " + body["generator"] + (" (fallback)" if body["fallback_reason"] else "")
                except httpx.HTTPError as exc:
                    outcome = f"error {type(exc).__name__}"
                with lock:
                    samples.ordinary_ms.append((time.perf_counter() - t0) * 1000)
                    samples.outcomes[outcome] += 1

    def prober():
        with httpx.Client(timeout=120) as client:
            n = 0
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = client.post(url + "/api/ask", json={"question": URGENT[n % len(URGENT)], "locale": "en-US"})
                elapsed = (time.perf_counter() - t0) * 1000
                level = r.json()["safety"]["level"] if r.status_code == 200 else f"HTTP {r.status_code}"
                with lock:
                    samples.urgent_ms.append(elapsed)
                    samples.urgent_levels[level] += 1
                n += 1
                time.sleep(max(0.0, 0.5 - elapsed / 1000))

    threads = [threading.Thread(target=reader) for _ in range(readers)] + [threading.Thread(target=prober)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def _done(r: httpx.Response) -> dict:
    if r.headers["content-type"].startswith("text/event-stream"):
        block = [b for b in r.text.replace("\r\n", "\n").split("\n\n") if b.startswith("event: done")][0]
        return json.loads(block.split("data: ", 1)[1])
    return r.json()


def _row(name: str, s: Samples, deadline_s: float | None) -> str:
    u50, u95 = percentiles(s.urgent_ms)
    o50, o95 = percentiles(s.ordinary_ms) if s.ordinary_ms else (0.0, 0.0)
    within = "" if deadline_s is None else \
        f"{sum(ms <= (deadline_s + 1) * 1000 for ms in s.ordinary_ms)}/{len(s.ordinary_ms)}"
    urgent = ", ".join(f"{k} {v}" for k, v in s.urgent_levels.most_common())
    outcomes = ", ".join(f"{k}: {v}" for k, v in s.outcomes.most_common())
    return (f"| {name} | {u50:.0f} / {u95:.0f} / {max(s.urgent_ms):.0f} ms ({urgent}) | "
            f"{o50:.0f} / {o95:.0f} / {max(s.ordinary_ms, default=0):.0f} ms | {within} | {outcomes} |")


HEADER = ("| fault | urgent p50 / p95 / max (levels) | ordinary p50 / p95 / max | ordinary within deadline + 1 s "
          "| ordinary outcomes |\n|---|---|---|---|---|")


def model_faults(args, settings, embedder, data_dir: Path) -> None:
    from service.answering.pipeline import AnswerPipeline
    from service.breaker import EndpointBreaker
    from tests.support.answers import GOOD, cited_as_shown, shown_passages
    from tests.support.model_server import Behaviour, FakeOpenAI
    from tests.support.paths import SMALL_MODEL_ANSWERS, load_yaml
    from tests.support.ports import free_port
    from tests.support.server import serve

    with FakeOpenAI() as fake:
        endpoint = settings.with_overrides(llm_base_url=fake.url, llm_model="bench", llm_timeout=args.llm_timeout,
                                           generator="llm")
        pipeline = AnswerPipeline.build(endpoint, embedder)
        good = cited_as_shown(GOOD[0], shown_passages(pipeline, GOOD[0]["question"]))
        swapped = cited_as_shown({**GOOD[0], "sources": {1: GOOD[0]["sources"][2], 2: GOOD[0]["sources"][1]}},
                                 shown_passages(pipeline, GOOD[0]["question"]))
        harmful = load_yaml(SMALL_MODEL_ANSWERS)["answers"][0]["answer"]
        client = pipeline.model.client
        dead = client.with_options(base_url=f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
        scenarios = [
            ("model healthy (a good answer)", Behaviour(good), None, False),
            ("model refuses connections", Behaviour(good), dead, False),
            ("model hangs", Behaviour(good, delay=600), None, False),
            ("model HTTP 500", Behaviour(status=500), None, False),
            ("model malformed JSON", Behaviour(malformed=True), None, False),
            ("model harmful answer", Behaviour(harmful), None, False),
            ("model wrong citations", Behaviour(swapped), None, False),
            ("model slow drip (8 bytes / 3 s)", Behaviour(good, drip=3.0), None, False),
            ("model stalls mid-stream (/api/ask/stream)", Behaviour(good, stall_after=5, delay=600), None, True),
        ]
        print(f"\nModel endpoint faults: COACH_LLM_TIMEOUT={args.llm_timeout:g} s, breaker "
              f"{endpoint.llm_failures_to_pause} failures / {endpoint.llm_pause:g} s pause; {args.readers} readers + "
              f"urgent probe, {args.seconds:g} s each\n")
        print(HEADER)
        (data_dir / "model").mkdir()
        with serve(pipeline, data_dir / "model", rate_limit="off") as (url, _):
            httpx.post(url + "/api/ask", json={"question": ORDINARY}, timeout=60)  # warm
            for name, behaviour, other_client, stream in scenarios:
                if args.only and args.only not in name:
                    continue
                fake.script.clear()
                fake.default = behaviour
                pipeline.model.client = other_client or client
                pipeline.model.breaker = EndpointBreaker(endpoint.llm_failures_to_pause, endpoint.llm_pause)
                print(_row(name, _load(url, args.readers, args.seconds, stream), args.llm_timeout), flush=True)
        pipeline.model.client = client


def chroma_faults(args, settings, embedder, data_dir: Path) -> None:
    from service.answering.pipeline import AnswerPipeline
    from tests.support.chroma_server import ChromaServer
    from tests.support.server import serve

    copy = data_dir / "chroma-server"
    shutil.copytree(settings.chroma_path, copy)
    server = ChromaServer(copy).start()
    try:
        served = settings.with_overrides(chroma_url=server.url, generator="grounded")
        pipeline = AnswerPipeline.build(served, embedder)
        print(f"\nChroma server faults: COACH_CHROMA_TIMEOUT={served.chroma_timeout:g} s, grounded answers; "
              f"{args.readers} readers + urgent probe, {args.seconds:g} s each\n")
        print(HEADER)
        (data_dir / "chroma").mkdir()
        with serve(pipeline, data_dir / "chroma", rate_limit="off") as (url, _):
            httpx.post(url + "/api/ask", json={"question": ORDINARY}, timeout=60)
            print(_row("chroma healthy", _load(url, args.readers, args.seconds, False), None), flush=True)
            server.freeze()
            try:
                print(_row("chroma frozen (SIGSTOP)", _load(url, args.readers, args.seconds, False), None),
                      flush=True)
            finally:
                server.thaw()
            server.kill()
            print(_row("chroma killed", _load(url, args.readers, args.seconds, False), None), flush=True)
            started = time.monotonic()
            server.start()
            up = time.monotonic()
            deadline = time.monotonic() + 120
            while httpx.post(url + "/api/ask", json={"question": ORDINARY}, timeout=60).status_code != 200:
                if time.monotonic() > deadline:
                    raise SystemExit("the coach did not answer again within 120 s of the restart")
                time.sleep(0.1)
            print(f"\nchroma restarted: server up after {up - started:.1f} s; the coach answered again "
                  f"{time.monotonic() - up:.2f} s later; /healthz: "
                  f"{httpx.get(url + '/healthz', timeout=30).json()['status']}")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--llm-timeout", type=float, default=5.0)
    parser.add_argument("--only", help="run the scenarios whose name contains this (e.g. 'chroma', 'hangs')")
    args = parser.parse_args()

    from service.embeddings import serving_embedder
    from service.settings import get_settings

    settings = get_settings()
    embedder = serving_embedder(settings)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        if not args.only or "chroma" not in args.only:
            model_faults(args, settings, embedder, data_dir)
        if not args.only or "chroma" in args.only:
            chroma_faults(args, settings, embedder, data_dir)


if __name__ == "__main__":
    main()
