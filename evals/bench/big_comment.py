"""How long one huge comment takes to import (JSON, triaged and drafted): the goal is under 2 s for 1 MB.

Run: python -m evals.bench.big_comment [--size 1000000] [--runs 3]
The comment is the first article's words shuffled into sentences; a warm-up import comes first."""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from service.answering.pipeline import AnswerPipeline
    from service.db.engine import make_engine
    from service.db.migrate import upgrade_database
    from service.knowledge.articles import load_articles
    from service.settings import get_settings
    from service.workspace.comments import CommentStore
    from service.workspace.drafting import Drafter
    from service.workspace.importers import import_file

    settings = get_settings()
    drafter = Drafter(AnswerPipeline.build(settings))
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade_database(url)
    store = CommentStore(make_engine(url))
    words = load_articles(settings.articles_dir)[0].path.read_text(encoding="utf-8").split()
    rng = random.Random(1)

    def comment(size: int) -> str:
        parts, length = [], 0
        while length < size:
            parts.append(" ".join(rng.sample(words, 50)) + ".")
            length += len(parts[-1]) + 1
        return " ".join(parts)[:size]

    def one(external_id: str, size: int) -> float:
        data = json.dumps([{"author": "Reader", "text": comment(size), "external_id": external_id}]).encode()
        started = time.perf_counter()
        import_file(store, data, "json", drafter=drafter)
        return time.perf_counter() - started

    one("warm-up", 3000)
    times = [one(f"big-{n}", args.size) for n in range(args.runs)]
    print(f"{args.size:,}-character comment imported (triage + draft): runs "
          f"{', '.join(f'{t:.2f}' for t in times)} s; median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
