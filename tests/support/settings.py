"""Settings helpers for tests."""
from __future__ import annotations

from service.settings import Settings


def llm_settings(settings: Settings, endpoint_url: str, **overrides) -> Settings:
    """Settings that send generation to a model endpoint (in tests, the wire-protocol test server). The breaker
    stays closed unless a test asks for it: tests that script failures in a row must still reach the server."""
    return settings.with_overrides(**{"llm_base_url": endpoint_url, "llm_model": "fake-model", "llm_api_key": "k",
                                      "llm_timeout": 2.0, "generator": "auto", "llm_failures_to_pause": 10_000,
                                      **overrides})
