"""GET /healthz: readiness of the index, the model and the generator."""
from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException

from ..coach import Coach


class HealthController(Controller):
    path = "/healthz"
    tags = ["ops"]

    @get("/", sync_to_thread=False, summary="Readiness: index loaded, model warm, generator configured")
    def health(self, coach: NamedDependency[Coach | None]) -> dict:
        if coach is None:
            raise ServiceUnavailableException(detail="the coach is still loading")
        return {
            "status": "ok",
            "index": {"passages": len(coach.kb.passages), "articles": len(coach.kb.article_ids),
                      "mode": "server" if coach.settings.chroma_url else "embedded"},
            "model": {"name": coach.embedder.name, "warm": True},
            "generator": coach.generator_name,
            "llm_model": coach.settings.llm_model if coach.llm is not None else None,
        }
