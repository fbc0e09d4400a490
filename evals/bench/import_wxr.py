"""A blog of N comments imported through the running service, then the coach's queue page timed.

Run: python -m evals.bench.import_wxr [--comments 5000] [--page-requests 100]
Builds a WordPress export from the labelled reader messages (questions, thanks, risky ones, a few spam and
pingbacks, a third answered by the coach in threads), starts `coach serve` on a fresh data folder, imports it with
the API (a background job, polled), and prints the ingest rate (comments a minute, drafts included), a reader's
`/api/ask` latency before and during the import (distinct questions, one every half second, an urgent one among
them: the import must not block readers), then p50/p95 of the queue page (`/coach`, signed in) and of
`/api/coach/queue` afterwards."""
from __future__ import annotations

import argparse
import html
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from evals.catalog import load_cases
from evals.stats import percentiles

TOKEN = "bench-token"
READER_QUESTIONS = ("my ex texted me happy birthday, should i reply?", "how long should no contact last?",
                    "i don't want to be alive anymore since she left", "is liking his posts breaking no contact?")
READER_PACE = 0.5  # seconds between a reader's questions during the import: steady traffic, not a flood
OPENERS = ("sorry for the long post", "first time commenting", "thanks for reading", "any advice welcome",
           "posting from my phone", "long-time reader")


def messages() -> list[str]:
    out = [c["question"] for name in ("retrieval", "answers", "answers_blind2", "answers_blind3")
           for c in load_cases(name)]
    out += [c["text"] for name in ("risk_train_d", "risk_train_e") for c in load_cases(name)]
    return out


def build_export(n: int, seed: int = 7) -> bytes:
    """A WXR 1.2 export with n comments spread over 20 posts."""
    rng = random.Random(seed)
    pool = messages()
    posts, cid = [], 1
    per_post = max(1, n // 20)
    for p in range(20):
        comments = []
        for _ in range(per_post):
            if cid > n:
                break
            roll = rng.random()
            if roll < 0.02:
                comments.append(_comment(cid, "Some Blog", "[&#8230;] linked to this post [&#8230;]", "1",
                                         "pingback"))
            elif roll < 0.05:
                comments.append(_comment(cid, "cheap seo", "Buy backlinks at www.example-seo.biz now", "spam"))
            else:
                # every text distinct (a real blog's are), so no encoder cache flatters the rate
                text = f"{rng.choice(pool)} ({rng.choice(OPENERS)} #{cid})"
                comments.append(_comment(cid, rng.choice(["Mel", "Greg", "Ana", "P.", "Sam", "Jo"]), text,
                                         rng.choice(["1", "1", "0"])))
                if rng.random() < 0.3 and cid < n:  # the coach already answered this one
                    comments.append(_comment(cid + 1, "Zan", "Hi. Keep going with no contact. Kind regards,", "1",
                                             parent=cid, user=2))
                    cid += 1
            cid += 1
        posts.append(f"""<item><title>Post {p}</title><link>https://bench.example.com/post-{p}/</link>
<dc:creator><![CDATA[zan]]></dc:creator><content:encoded><![CDATA[<p>Post {p}</p>]]></content:encoded>
<wp:post_id>{p + 1}</wp:post_id><wp:post_name><![CDATA[post-{p}]]></wp:post_name>
<wp:post_type><![CDATA[post]]></wp:post_type>{''.join(comments)}</item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench blog</title><link>https://bench.example.com</link>
<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[zan]]></wp:author_login>
<wp:author_display_name><![CDATA[Zan]]></wp:author_display_name></wp:author>
{''.join(posts)}</channel></rss>""".encode()


def _comment(cid: int, author: str, text: str, approved: str, ctype: str = "", parent: int = 0,
             user: int = 0) -> str:
    day = 1 + cid % 28
    return (f"<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author><![CDATA[{author}]]>"
            f"</wp:comment_author><wp:comment_date_gmt>2025-02-{day:02d} 10:{cid % 60:02d}:00</wp:comment_date_gmt>"
            f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content><wp:comment_approved>{approved}"
            f"</wp:comment_approved><wp:comment_type>{ctype}</wp:comment_type><wp:comment_parent>{parent}"
            f"</wp:comment_parent><wp:comment_user_id>{user}</wp:comment_user_id></wp:comment>")


def _ask(client: httpx.Client, question: str) -> float:
    """One reader's question through /api/ask: its latency in ms (a failure would be a bug: asserted)."""
    t = time.perf_counter()
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code in (200, 201), r.status_code
    return (time.perf_counter() - t) * 1000


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--page-requests", type=int, default=100)
    args = parser.parse_args()
    from service.tokens import hash_token

    data = build_export(args.comments)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COACH_DATA_DIR": tmp, "COACH_RATE_LIMIT": "off",
               "COACH_ADMIN_TOKEN_HASH": hash_token(TOKEN), "COACH_CHROMA_PATH": str(Path("var/chroma").resolve())}
        server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            with httpx.Client(base_url=base, timeout=120) as client:
                for _ in range(240):
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.5)
                # every question distinct (a number added), so no cache flatters a reader's latency
                quiet = [_ask(client, f"{READER_QUESTIONS[i % 4]} ({i})") for i in range(20)]
                t0 = time.perf_counter()
                job = client.post("/api/coach/import?format=wxr", content=data, headers=auth).json()
                busy, polled = [], time.perf_counter()
                while job["status"] == "running":
                    busy.append(_ask(client, f"{READER_QUESTIONS[len(busy) % 4]} ({len(busy) + 20})"))
                    time.sleep(READER_PACE)
                    if time.perf_counter() - polled >= 1:
                        job = client.get(f"/api/coach/imports/{job['job_id']}", headers=auth).json()
                        polled = time.perf_counter()
                took = time.perf_counter() - t0
                result = job["result"] or {}
                print(f"import: {job['total']} comments in {took:.1f} s = {job['total'] / took * 60:.0f} comments/min"
                      f" ({result.get('queued')} queued with drafts, {result.get('answered')} answered, "
                      f"{result.get('pings')} pings, {result.get('spam')} spam; status {job['status']})")
                for name, samples in (("reader /api/ask, quiet", quiet), ("reader /api/ask, importing", busy)):
                    p50, p95 = percentiles(samples)
                    print(f"{name:27s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({len(samples)} requests)")
                form = client.get("/coach/login")
                token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
                client.post("/coach/login", data={"password": TOKEN, "_csrf_token": html.unescape(token)})
                for name, url, headers in (("queue page /coach", "/coach", {}),
                                           ("API /api/coach/queue", "/api/coach/queue", auth)):
                    samples = []
                    for _ in range(args.page_requests):
                        t = time.perf_counter()
                        r = client.get(url, headers=headers)
                        samples.append((time.perf_counter() - t) * 1000)
                        assert r.status_code == 200, r.status_code
                    p50, p95 = percentiles(samples)
                    print(f"{name:22s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({len(r.content) / 1024:.0f} KB)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
