"""One cached Settings object read from COACH_* environment variables."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .tokens import hash_token

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _path(name: str, default: Path) -> Path:
    value = _env(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults that run offline on the embedded stack."""

    root: Path = PROJECT_ROOT
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    data_dir: Path = PROJECT_ROOT / "var"
    chroma_path: Path = PROJECT_ROOT / "var" / "chroma"
    chroma_url: str | None = None
    collection_prefix: str = "coach"
    generator: str = "auto"  # auto | grounded | llm
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 20.0  # seconds for a whole model answer, streamed or not (then: the grounded answer)
    llm_failures_to_pause: int = 3  # model endpoint failures in a row before it is left alone for a while...
    llm_pause: float = 30.0  # ...this many seconds (answers are grounded meanwhile; /healthz shows it)
    llm_max_tokens: int = 700  # tokens one answer or draft may take (the endpoint stops there)
    llm_concurrency: int = 32  # model calls at once in this process; beyond it readers get the grounded answer
    chroma_timeout: float = 5.0  # seconds for one query to a Chroma server (ingest allows CHROMA_INGEST_TIMEOUT)
    # The model's second opinion on risk (when a model is configured): it runs beside retrieval and is waited for
    # at most this long from the start of the request; "0" turns it off.
    llm_risk_budget: float = 2.5
    retrieval_k: int = 5
    max_question_chars: int = 4000
    max_history_turns: int = 6
    torch_threads: int = 1
    compute_slots: int = field(default_factory=lambda: os.cpu_count() or 2)  # answers computed at once per worker
    # How queries are embedded: onnx-int8 (default: ~2.5x faster than onnx, query vectors at cosine >= 0.99,
    # the same retrieval and risk results on the eval sets) | onnx (exact vectors, ~2x faster than torch) | torch
    embedding_backend: str = "onnx-int8"
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    # Names the coach comments under on the blog, besides the export's own authors list (its replies are then
    # style examples, and the comments they answer are not queued again).
    coach_author_names: tuple[str, ...] = field(default_factory=tuple)
    rate_limit: str = "minute:30"  # per client on the public POSTs: "UNIT:N" (second..day) or "off"
    database_url: str | None = None  # any SQLAlchemy URL; unset: SQLite at data_dir / "coach.db"
    coach_token_hash: str | None = None  # the coach API's bearer token, hashed (service/tokens.py); unset: no access
    # Signs the coach UI's CSRF tokens. Random per process by default: set it when several workers serve the UI.
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    session_cookie_secure: bool = False  # True behind HTTPS: the UI's cookies are then never sent over plain HTTP
    session_secret_set: bool = False  # COACH_SESSION_SECRET was given (several workers or replicas need one)
    # Addresses of the reverse proxies whose X-Forwarded-For is believed (comma-separated); unset: none, so a client
    # can't pick its own address to dodge the rate limit.
    trusted_proxies: str = ""
    # Readers' questions, answers and comments are erased after this many days (the anonymous counts stay).
    retention_days: int = 30
    redis_url: str | None = None  # Redis or Valkey shared by replicas: the rate limit and the coach UI's sessions

    @property
    def articles_dir(self) -> Path:
        return self.knowledge_dir / "articles"

    @property
    def onnx_path(self) -> Path:
        """Where the ONNX export of the embedding model is cached (made on first use, offline)."""
        suffix = ".int8.onnx" if self.embedding_backend == "onnx-int8" else ".onnx"
        return self.data_dir / "models" / ("all-MiniLM-L6-v2" + suffix)

    @property
    def generator_name(self) -> str:
        """The generator actually used: llm only when an endpoint and model are configured."""
        if self.generator in ("grounded", "llm"):
            return self.generator
        return "llm" if self.llm_base_url and self.llm_model else "grounded"

    @property
    def rate_limit_rule(self) -> tuple[str, int] | None:
        """("minute", 30) from "minute:30"; None when rate limiting is off."""
        return parse_rate_limit(self.rate_limit)

    @property
    def db_url(self) -> str:
        """Where replies and feedback are stored."""
        return self.database_url or f"sqlite:///{self.data_dir / 'coach.db'}"

    def with_overrides(self, **overrides) -> Settings:
        return replace(self, **overrides)

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("COACH_DATA_DIR", PROJECT_ROOT / "var")
        knowledge_dir = _path("COACH_KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge")
        origins = _env("COACH_CORS_ORIGINS", "") or ""
        return cls(
            knowledge_dir=knowledge_dir,
            prompts_dir=_path("COACH_PROMPTS_DIR", PROJECT_ROOT / "prompts"),
            data_dir=data_dir,
            chroma_path=_path("COACH_CHROMA_PATH", data_dir / "chroma"),
            chroma_url=_env("COACH_CHROMA_URL"),
            collection_prefix=_env("COACH_COLLECTION", "coach"),
            generator=_env("COACH_GENERATOR", "auto"),
            llm_base_url=_env("COACH_LLM_BASE_URL"),
            llm_model=_env("COACH_LLM_MODEL"),
            llm_api_key=_env("COACH_LLM_API_KEY"),
            llm_timeout=float(_env("COACH_LLM_TIMEOUT", "20")),
            llm_failures_to_pause=max(1, int(_env("COACH_LLM_FAILURES_TO_PAUSE", "3"))),
            llm_pause=max(0.0, float(_env("COACH_LLM_PAUSE", "30"))),
            llm_max_tokens=max(16, int(_env("COACH_LLM_MAX_TOKENS", "700"))),
            llm_concurrency=max(1, int(_env("COACH_LLM_CONCURRENCY", "32"))),
            chroma_timeout=max(0.1, float(_env("COACH_CHROMA_TIMEOUT", "5"))),
            llm_risk_budget=max(0.0, float(_env("COACH_LLM_RISK_BUDGET", "2.5"))),
            retrieval_k=int(_env("COACH_RETRIEVAL_K", "5")),
            max_question_chars=int(_env("COACH_MAX_QUESTION_CHARS", "4000")),
            torch_threads=int(_env("COACH_TORCH_THREADS", "1")),
            compute_slots=max(1, int(_env("COACH_COMPUTE_SLOTS", str(os.cpu_count() or 2)))),
            embedding_backend=_embedding_backend(),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            coach_author_names=tuple(n.strip() for n in (_env("COACH_AUTHOR_NAMES", "") or "").split(",")
                                     if n.strip()),
            rate_limit=_env("COACH_RATE_LIMIT", "minute:30"),
            database_url=_env("COACH_DATABASE_URL"),
            coach_token_hash=_coach_token_hash(),
            session_secret=_env("COACH_SESSION_SECRET") or secrets.token_urlsafe(32),
            session_cookie_secure=(_env("COACH_SESSION_COOKIE_SECURE", "") or "").lower() in ("1", "true", "yes"),
            session_secret_set=bool(_env("COACH_SESSION_SECRET")),
            trusted_proxies=_env("COACH_TRUSTED_PROXIES", "") or "",
            retention_days=_retention_days(),
            redis_url=_env("COACH_REDIS_URL"),
        )


EMBEDDING_BACKENDS = ("onnx-int8", "onnx", "torch")


def _retention_days() -> int:
    days = int(_env("COACH_RETENTION_DAYS", "30"))
    if days < 1:
        raise ValueError(f"COACH_RETENTION_DAYS must be a whole number of days >= 1, not {days}")
    return days


def _embedding_backend() -> str:
    backend = _env("COACH_EMBEDDING_BACKEND", "onnx-int8") or "onnx-int8"
    if backend not in EMBEDDING_BACKENDS:
        raise ValueError(f"COACH_EMBEDDING_BACKEND must be one of {', '.join(EMBEDDING_BACKENDS)}, not {backend!r}")
    return backend


def _coach_token_hash() -> str | None:
    """COACH_ADMIN_TOKEN_HASH, else COACH_ADMIN_TOKEN (plain, for local use) hashed here at startup."""
    stored = _env("COACH_ADMIN_TOKEN_HASH")
    if stored:
        return stored
    plain = _env("COACH_ADMIN_TOKEN")
    if plain:
        return hash_token(plain)
    return None


RATE_UNITS = ("second", "minute", "hour", "day")


def parse_rate_limit(value: str | None) -> tuple[str, int] | None:
    """Parse COACH_RATE_LIMIT: "minute:30" -> ("minute", 30); "off", "0" or empty -> None."""
    text = (value or "").strip().lower()
    if text in ("", "off", "none", "0"):
        return None
    unit, _, count = text.partition(":")
    unit = unit.strip().removesuffix("s")
    if unit not in RATE_UNITS or not count.strip().isdigit() or int(count) < 1:
        raise ValueError(f"COACH_RATE_LIMIT must look like 'minute:30' (units: {', '.join(RATE_UNITS)}) "
                         f"or 'off', not {value!r}")
    return unit, int(count)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own with Settings(...) or with_overrides)."""
    return Settings.from_env()
