"""Two replicas sharing PostgreSQL, Redis and a Chroma server, under N concurrent readers: p50/p95, req/s, errors,
and whether every reply was stored once in the shared database.

Run: python -m evals.bench.scale_out [--clients 64] [--seconds 60] [--replicas 2]
It starts a throwaway PostgreSQL cluster, redis-server and `chroma run` (tests/support), ingests the articles into
the Chroma server, starts `coach serve` replicas with COACH_DATABASE_URL, COACH_REDIS_URL and COACH_CHROMA_URL,
and sends the clients round-robin to the replicas (as a proxy would). The rate limit is lifted for the run but
kept in Redis (every request still goes through the shared store)."""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

from evals.bench.api import run_load
from evals.stats import percentiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()

    from service.db.tables import replies
    from tests.support.chroma_server import ChromaServer
    from tests.support.ports import free_port
    from tests.support.postgres import PostgresServer
    from tests.support.redis_server import RedisServer

    work = Path(tempfile.mkdtemp(prefix="coach-scale-"))
    postgres, redis, chroma, procs = PostgresServer(), RedisServer(), ChromaServer(work / "chroma"), []
    try:
        postgres.start()
        redis.start()
        chroma.start()
        db_url = postgres.new_database()
        env = {**os.environ, "COACH_DATABASE_URL": db_url, "COACH_REDIS_URL": redis.url,
               "COACH_CHROMA_URL": chroma.url, "COACH_RATE_LIMIT": "second:100000",
               "COACH_SESSION_SECRET": "scale-out-bench", "COACH_DATA_DIR": str(work / "data")}
        coach = str(Path(sys.executable).with_name("coach"))
        subprocess.run([coach, "ingest"], env=env, check=True, capture_output=True, timeout=600)
        urls = []
        for _ in range(args.replicas):
            port = free_port()
            procs.append(subprocess.Popen([coach, "serve", "--port", str(port)], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_ready(url)
        latencies, errors, elapsed, ids = asyncio.run(run_load(urls, args.clients, args.seconds, timeout=60))
        time.sleep(2)  # the replicas' writer threads flush their last replies
        engine = create_engine(db_url)
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(replies)
                                  .where(replies.c.id.in_(list(ids)))).scalar_one() if ids else 0
        engine.dispose()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        chroma.stop()
        redis.stop()
        postgres.stop()
    p50, p95 = percentiles(latencies)
    print(f"POST /api/ask (grounded), {args.replicas} replicas sharing PostgreSQL, Redis and a Chroma server, "
          f"{args.clients} clients, {elapsed:.1f} s: {len(latencies)} ok, {len(errors)} errors, "
          f"{len(latencies) / elapsed:.1f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"replies stored in the shared database: {stored}/{len(ids)} (each reply id once)")
    if errors:
        print("errors:", sorted(set(errors))[:10])


def _wait_ready(url: str) -> None:
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not become ready in 180 s")


if __name__ == "__main__":
    main()
