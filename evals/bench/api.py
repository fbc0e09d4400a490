"""Benchmark: POST /api/ask (grounded) under N concurrent clients on 127.0.0.1; prints p50/p95 and req/s.

Run: python -m evals.bench.api [--clients 16] [--seconds 30] [--url http://127.0.0.1:PORT]
Without --url it starts `coach serve` itself (rate limit lifted for the run) and stops it afterwards.
Questions cycle through the labelled eval sets, so the mix has ordinary, risky and out-of-scope messages.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from evals.common import load_cases, percentiles


def _questions() -> list[str]:
    out = [c["question"] for c in load_cases("retrieval")]
    out += [c["text"] for c in load_cases("risk")][:40]
    out += [c["question"] for c in load_cases("scope")][:30]
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "COACH_RATE_LIMIT": "off"}
    exe = Path(sys.executable).with_name("coach")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("the service did not become ready in 120 s")


async def _client(http: httpx.AsyncClient, url: str, questions: list[str], offset: int, stop_at: float,
                  latencies: list[float], errors: list[str]) -> None:
    i = offset
    while time.perf_counter() < stop_at:
        question = questions[i % len(questions)]
        i += 7
        t0 = time.perf_counter()
        try:
            r = await http.post(f"{url}/api/ask", json={"question": question})
            if r.status_code != 200:
                errors.append(f"HTTP {r.status_code}")
                continue
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
            continue
        latencies.append((time.perf_counter() - t0) * 1000)


async def _run(url: str, clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    questions = _questions()
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        for q in questions[:10]:  # warm-up, not measured
            await http.post(f"{url}/api/ask", json={"question": q})
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(_client(http, url, questions, n, stop_at, latencies, errors) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--url", default=None)
    parser.add_argument("--workers", type=int, default=1, help="worker processes for the server it starts")
    args = parser.parse_args()
    proc, url = (None, args.url) if args.url else _start_server(args.workers)
    try:
        latencies, errors, elapsed = asyncio.run(_run(url, args.clients, args.seconds))
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    p50, p95 = percentiles(latencies)
    print(f"POST /api/ask (grounded, {args.workers} worker(s)), {args.clients} clients, {elapsed:.1f} s: {len(latencies)} ok, {len(errors)} errors, "
          f"{len(latencies) / elapsed:.1f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if errors:
        print("errors:", sorted(set(errors)))


if __name__ == "__main__":
    main()
