"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server): the only module importing openai."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path

import httpx

from ...breaker import EndpointBreaker
from ...errors import GenerationError, ModelRefusedRequest
from ...knowledge.store import StoredPassage
from ...prompts import render
from ...settings import Settings
from .base import Context, ModelText, Usage, must_tell_gap

# Statuses that refuse one request (its prompt, its parameters) rather than say the endpoint is failing.
REFUSED_REQUEST = frozenset({400, 413, 422})
CONNECT_TIMEOUT = 3.0  # a server that doesn't accept the connection by then is down, whatever the total
PieceSink = Callable[[str], None]


class StreamStopped(Exception):
    """We stopped reading on purpose (a sentence failed its check, the reader left): not the endpoint's fault."""


class ModelClient:
    """Asks the endpoint for an answer (or a draft) from the numbered passages; model.py checks what it writes.

    Every call has one deadline for the whole answer (`COACH_LLM_TIMEOUT`): the caller stops waiting then, however
    the endpoint behaves (silent, dripping a byte at a time, stalled mid-stream), and the call's thread stops at
    its next read. Failures in a row pause the endpoint (breaker.py)."""

    def __init__(self, settings: Settings):
        import openai

        self._openai = openai
        self.prompts_dir: Path = settings.prompts_dir
        self.model = settings.llm_model
        self.timeout = settings.llm_timeout
        self.max_tokens = settings.llm_max_tokens
        self._slots = threading.BoundedSemaphore(settings.llm_concurrency)
        self.concurrency = settings.llm_concurrency
        # No retries: on failure the reader gets the grounded answer at once instead of waiting.
        self.client = openai.OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",
                                    timeout=settings.llm_timeout, max_retries=0)
        self.breaker = EndpointBreaker(settings.llm_failures_to_pause, settings.llm_pause)
        # The calls wait on the network, not the CPU: their own threads, never a compute slot.
        # More threads than callers (the API's 64 endpoint waits, the risk screens, drafts): a call never queues here
        # while its deadline runs.
        self._pool = ThreadPoolExecutor(max_workers=96, thread_name_prefix="model-endpoint")

    def system_prompt(self) -> str:
        return render(self.prompts_dir, "answer.system.j2")

    def messages(self, context: Context) -> list[dict]:
        numbered = _numbered(context.passages)
        plan = context.plan
        told = must_tell_gap(context)
        user = render(self.prompts_dir, "answer.user.j2", question=context.question,
                      history=list(context.conversation.history),
                      passages=numbered, differences=[{"summary": d.summary} for d in context.differences],
                      kind=plan.kind if plan is not None else "other",
                      verdict=plan.card.verdict_for(plan.kind) if plan is not None and plan.card else None,
                      gap=(plan.coverage.gap.label if plan.coverage.gap else "that") if told else None)
        return [{"role": "system", "content": self.system_prompt()}, {"role": "user", "content": user}]

    @contextmanager
    def _endpoint_errors(self, timeout: float):
        """Every way the endpoint can fail, as one GenerationError with a reason a log can show."""
        try:
            yield
        except GenerationError:
            raise
        except (self._openai.APITimeoutError, httpx.TimeoutException) as exc:
            raise GenerationError(f"timeout after {timeout:g} s (the whole answer)") from exc
        except self._openai.APIStatusError as exc:
            if exc.status_code in REFUSED_REQUEST:
                raise ModelRefusedRequest(f"HTTP {exc.status_code} from the model endpoint (this request refused)") \
                    from exc
            raise GenerationError(f"HTTP {exc.status_code} from the model endpoint") from exc
        except (self._openai.APIError, httpx.HTTPError) as exc:
            raise GenerationError(f"model endpoint error: {type(exc).__name__}") from exc
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
            raise GenerationError("malformed response from the model endpoint") from exc

    def draft_system_prompt(self) -> str:
        return render(self.prompts_dir, "draft.system.j2")

    def write_draft(self, comment: str, passages: list[StoredPassage], examples: list[dict], *,
                    verdict: str | None = None, gap: str | None = None, kind: str = "other") -> str:
        """The advice part of a reply to a reader's comment, in the coach's voice, from the numbered passages;
        `examples` are the coach's own published replies (comment, reply), shown as the voice to follow; `verdict`
        and `gap` are the coach's answer card to open with or what the articles don't cover (as for answers)."""
        user = render(self.prompts_dir, "draft.user.j2", comment=comment, passages=_numbered(passages),
                      examples=examples, verdict=verdict, gap=gap, kind=kind)
        return self._answer([{"role": "system", "content": self.draft_system_prompt()},
                             {"role": "user", "content": user}], stream=False).text

    def screen_risk(self, message: str, earlier_turns: Sequence[str], timeout: float) -> str:
        """The model's one-line JSON rating of a reader's message (guardrails/second_opinion.py reads it).
        Skipped while the endpoint is paused; its own short budget running out doesn't count as a failure."""
        self.breaker.refuse_if_open()
        with self._slot():
            return self._screen(message, earlier_turns, timeout)

    def _screen(self, message: str, earlier_turns: Sequence[str], timeout: float) -> str:
        messages = [{"role": "system", "content": render(self.prompts_dir, "risk_screen.system.j2")},
                    {"role": "user", "content": render(self.prompts_dir, "risk_screen.user.j2", message=message,
                                                       earlier=list(earlier_turns))}]
        return self._bounded(lambda deadline: self._read(messages, deadline, timeout, stream=False,
                                                         temperature=0, max_tokens=40), timeout).text

    def complete(self, context: Context) -> ModelText:
        return self._answer(self.messages(context), stream=False)

    def stream(self, context: Context) -> ModelText:
        """The whole answer, asked for as a stream and collected."""
        return self._answer(self.messages(context), stream=True)

    def stream_to(self, context: Context, on_piece: PieceSink, stop: threading.Event) -> ModelText:
        """The answer as a stream, each piece handed to `on_piece` as it arrives (in this thread, which the caller
        provides; the caller keeps the deadline too, this thread stops at its next read after it). Setting `stop`
        ends the read with StreamStopped, which the breaker doesn't count."""
        timeout, messages = self.timeout, self.messages(context)

        def sink(piece: str) -> None:
            if stop.is_set():
                raise StreamStopped
            on_piece(piece)

        deadline = time.monotonic() + timeout
        with self._slot():
            return self.breaker.call(lambda: self._read(messages, deadline, timeout, stream=True, temperature=0.2,
                                                        max_tokens=self.max_tokens, on_piece=sink))

    def submit(self, work: Callable[[], None]) -> Future[None]:
        """work() on one of this client's network threads (a streamed answer's reader: live_events.py)."""
        return self._pool.submit(work)

    @contextmanager
    def _slot(self):
        """One of COACH_LLM_CONCURRENCY calls at once, or GenerationError at once (not the endpoint's failure: the
        breaker never sees it): past the cap a reader gets the grounded answer instead of waiting in a queue."""
        if not self._slots.acquire(blocking=False):
            raise GenerationError(f"{self.concurrency} model calls already under way (COACH_LLM_CONCURRENCY)")
        try:
            yield
        finally:
            self._slots.release()

    def _answer(self, messages: list[dict], *, stream: bool) -> ModelText:
        timeout = self.timeout
        with self._slot():
            return self.breaker.call(lambda: self._bounded(
                lambda deadline: self._read(messages, deadline, timeout, stream=stream, temperature=0.2,
                                            max_tokens=self.max_tokens), timeout))

    def _bounded(self, read: Callable[[float], ModelText], timeout: float) -> ModelText:
        """read(deadline) in a pool thread; the caller waits `timeout` seconds at most, whatever happens there."""
        deadline = time.monotonic() + timeout
        future = self._pool.submit(read, deadline)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            raise GenerationError(f"timeout after {timeout:g} s (the whole answer)") from None

    def _read(self, messages: list[dict], deadline: float, timeout: float, *, stream: bool, temperature: float,
              max_tokens: int, on_piece: PieceSink | None = None) -> ModelText:
        """One request, read piece by piece so that it stops at the deadline even when bytes keep trickling in."""
        started = time.monotonic()
        remaining = max(0.05, deadline - started)
        client = self.client.with_options(timeout=httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT, remaining)))
        with self._endpoint_errors(timeout):
            if stream:
                text, usage = self._read_stream(client, messages, deadline, timeout, temperature, max_tokens,
                                                on_piece, started)
            else:
                text, usage = self._read_whole(client, messages, deadline, timeout, temperature, max_tokens, started)
        if not isinstance(text, str) or not text.strip():
            raise GenerationError("empty response from the model endpoint")
        return ModelText(text.strip(), usage)

    def _read_whole(self, client, messages, deadline, timeout, temperature, max_tokens, started):
        with client.chat.completions.with_streaming_response.create(
                model=self.model, messages=messages, temperature=temperature, max_tokens=max_tokens) as response:
            body = bytearray()
            for part in response.iter_bytes():
                _check(deadline, timeout)
                body += part
        payload = json.loads(bytes(body))
        elapsed = _ms(started)
        return payload["choices"][0]["message"]["content"], _usage(payload.get("usage"), elapsed, elapsed)

    def _read_stream(self, client, messages, deadline, timeout, temperature, max_tokens, on_piece, started):
        # include_usage: OpenAI, vLLM, Ollama and llama.cpp's server send the token counts in a last chunk.
        chunks = client.chat.completions.create(model=self.model, messages=messages, temperature=temperature,
                                                max_tokens=max_tokens, stream=True,
                                                stream_options={"include_usage": True})
        pieces, events, first, reported = [], 0, None, None
        # Keep-alive comments and a byte drip never yield a chunk (and each read restarts httpx's timeout): closing
        # the response at the deadline ends the read, so this thread (and its concurrency slot) is never held past it.
        closer = threading.Timer(max(0.0, deadline - time.monotonic()), chunks.close)
        closer.daemon = True
        closer.start()
        try:
            for chunk in chunks:
                _check(deadline, timeout)
                events += 1
                reported = getattr(chunk, "usage", None) or reported
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    piece = chunk.choices[0].delta.content
                    first = first if first is not None else _ms(started)
                    pieces.append(piece)
                    if on_piece is not None:
                        on_piece(piece)
        finally:
            closer.cancel()
            chunks.close()
        _check(deadline, timeout)  # closed by the timer: the deadline passed
        if not events:
            raise GenerationError("malformed response from the model endpoint (no stream events)")
        usage = reported.model_dump() if reported is not None and hasattr(reported, "model_dump") else None
        return "".join(pieces), _usage(usage, first, _ms(started))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _numbered(passages: list[StoredPassage]) -> list[dict]:
    """The passages as the prompts show them: numbered from 1, a coach's reply to one reader marked as such."""
    return [{"n": i, "author": p.author, "title": p.title, "text": p.text, "reply": p.kind == "reader_qa"}
            for i, p in enumerate(passages, 1)]


def _ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 1)


def _usage(reported: dict | None, first_ms: float | None, total_ms: float) -> Usage:
    """What the endpoint says the call cost (None where it doesn't say) and how long it took."""
    reported = reported if isinstance(reported, dict) else {}
    tokens = {k: v if isinstance(v, int) and v >= 0 else None
              for k, v in ((k, reported.get(k)) for k in ("prompt_tokens", "completion_tokens"))}
    return Usage(tokens["prompt_tokens"], tokens["completion_tokens"], first_ms, total_ms)


def _check(deadline: float, timeout: float) -> None:
    if time.monotonic() > deadline:
        raise GenerationError(f"timeout after {timeout:g} s (the whole answer)")
