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

import aiohttp
import httpx

from evals.catalog import load_cases
from evals.stats import percentiles


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


async def _client(http: aiohttp.ClientSession, url: str, questions: list[str], offset: int, stop_at: float,
                  latencies: list[float], errors: list[str], ids: set[str]) -> None:
    i = offset
    while time.perf_counter() < stop_at:
        question = questions[i % len(questions)]
        i += 7
        t0 = time.perf_counter()
        try:
            async with http.post(f"{url}/api/ask", json={"question": question}) as r:
                body = await r.json()
                if r.status != 200 or "answer" not in body:
                    errors.append(f"HTTP {r.status}")
                    continue
        except (TimeoutError, aiohttp.ClientError) as exc:
            errors.append(type(exc).__name__)
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        ids.add(body["id"])


async def run_load(urls: list[str], clients: int, seconds: float, timeout: float = 30
                   ) -> tuple[list[float], list[str], float, set[str]]:
    """(latencies in ms, errors, seconds, reply ids): `clients` readers round-robin over `urls` (as a proxy would)."""
    questions = _questions()
    latencies: list[float] = []
    errors: list[str] = []
    ids: set[str] = set()
    # aiohttp rather than httpx: on two shared cores the load generator's own CPU time counts against the server.
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        for n, q in enumerate(questions[:10]):  # warm-up, not measured
            async with http.post(f"{urls[n % len(urls)]}/api/ask", json={"question": q}) as r:
                await r.read()
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(_client(http, urls[n % len(urls)], questions, n, stop_at, latencies, errors, ids)
                               for n in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--url", default=None)
    parser.add_argument("--workers", type=int, default=1, help="worker processes for the server it starts")
    args = parser.parse_args()
    proc, url = (None, args.url) if args.url else _start_server(args.workers)
    server_cpu0 = _cpu_seconds(proc.pid) if proc else None
    client_cpu0 = time.process_time()
    try:
        latencies, errors, elapsed, _ = asyncio.run(run_load([url], args.clients, args.seconds))
        server_cpu = _cpu_seconds(proc.pid) - server_cpu0 if proc else None
        client_cpu = time.process_time() - client_cpu0
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    p50, p95 = percentiles(latencies)
    print(f"POST /api/ask (grounded, {args.workers} worker(s)), {args.clients} clients, {elapsed:.1f} s: "
          f"{len(latencies)} ok, {len(errors)} errors, "
          f"{len(latencies) / elapsed:.1f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    done = max(len(latencies), 1)
    if server_cpu is not None:
        print(f"CPU per request: server {server_cpu * 1000 / done:.1f} ms, "
              f"load generator {client_cpu * 1000 / done:.1f} ms "
              f"(two cores = {2000 / (len(latencies) / elapsed):.1f} ms of CPU available per request)")
    if errors:
        print("errors:", sorted(set(errors)))


def _cpu_seconds(pid: int) -> float:
    """user + system CPU of the server and its worker processes (Linux /proc), in seconds."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid] + _children(pid)
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


if __name__ == "__main__":
    main()
