"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server): the only module importing openai."""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ...errors import GenerationError
from ...knowledge.store import StoredPassage
from ...prompts import render
from ...settings import Settings
from .base import Context


class ModelClient:
    """Asks the endpoint for an answer (or a draft) from the numbered passages; model.py checks what it writes."""

    def __init__(self, settings: Settings):
        import openai

        self._openai = openai
        self.prompts_dir: Path = settings.prompts_dir
        self.model = settings.llm_model
        self.timeout = settings.llm_timeout
        # No retries: on failure the reader gets the grounded answer at once instead of waiting.
        self.client = openai.OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",
                                    timeout=settings.llm_timeout, max_retries=0)

    def system_prompt(self) -> str:
        return render(self.prompts_dir, "answer.system.j2")

    def messages(self, context: Context) -> list[dict]:
        numbered = [{"n": i, "author": p.author, "title": p.title, "text": p.text}
                    for i, p in enumerate(context.passages, 1)]
        plan = context.plan
        told = plan is not None and plan.coverage.told and plan.card is None
        user = render(self.prompts_dir, "answer.user.j2", question=context.question,
                      history=list(context.conversation.history),
                      passages=numbered, differences=[{"summary": d.summary} for d in context.differences],
                      kind=plan.kind if plan is not None else "other",
                      verdict=plan.card.verdict_for(plan.kind) if plan is not None and plan.card else None,
                      gap=(plan.coverage.gap.label if plan.coverage.gap else "that") if told else None)
        return [{"role": "system", "content": self.system_prompt()}, {"role": "user", "content": user}]

    @contextmanager
    def _endpoint_errors(self):
        """Every way the endpoint can fail, as one GenerationError with a reason a log can show."""
        try:
            yield
        except GenerationError:
            raise
        except self._openai.APITimeoutError as exc:
            raise GenerationError(f"timeout after {self.timeout:g} s") from exc
        except self._openai.APIStatusError as exc:
            raise GenerationError(f"HTTP {exc.status_code} from the model endpoint") from exc
        except self._openai.APIError as exc:
            raise GenerationError(f"model endpoint error: {type(exc).__name__}") from exc
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise GenerationError("malformed response from the model endpoint") from exc

    def draft_system_prompt(self) -> str:
        return render(self.prompts_dir, "draft.system.j2")

    def write_draft(self, comment: str, passages: list[StoredPassage], examples: list[dict]) -> str:
        """The advice part of a reply to a reader's comment, in the coach's voice, from the numbered passages;
        `examples` are the coach's own published replies (comment, reply), shown as the voice to follow."""
        numbered = [{"n": i, "author": p.author, "title": p.title, "text": p.text} for i, p in enumerate(passages, 1)]
        user = render(self.prompts_dir, "draft.user.j2", comment=comment, passages=numbered, examples=examples)
        return self._complete([{"role": "system", "content": self.draft_system_prompt()},
                               {"role": "user", "content": user}])

    def screen_risk(self, message: str, earlier_turns: Sequence[str], timeout: float) -> str:
        """The model's one-line JSON rating of a reader's message (guardrails/second_opinion.py reads it)."""
        messages = [{"role": "system", "content": render(self.prompts_dir, "risk_screen.system.j2")},
                    {"role": "user", "content": render(self.prompts_dir, "risk_screen.user.j2", message=message,
                                                       earlier=list(earlier_turns))}]
        with self._endpoint_errors():
            response = self.client.with_options(timeout=timeout).chat.completions.create(
                model=self.model, messages=messages, temperature=0, max_tokens=40)
            text = response.choices[0].message.content
        if not isinstance(text, str) or not text.strip():
            raise GenerationError("empty response from the model endpoint")
        return text.strip()

    def complete(self, context: Context) -> str:
        return self._complete(self.messages(context))

    def _complete(self, messages: list[dict]) -> str:
        with self._endpoint_errors():
            response = self.client.chat.completions.create(model=self.model, messages=messages,
                                                           temperature=0.2, max_tokens=700)
            text = response.choices[0].message.content
        if not isinstance(text, str) or not text.strip():
            raise GenerationError("empty response from the model endpoint")
        return text.strip()

    def stream(self, context: Context) -> Iterator[str]:
        """Pieces of text as the endpoint streams them; the whole call is bounded by the timeout."""
        deadline = time.monotonic() + self.timeout
        with self._endpoint_errors():
            chunks = self.client.chat.completions.create(model=self.model, messages=self.messages(context),
                                                         temperature=0.2, max_tokens=700, stream=True)
            for chunk in chunks:
                if time.monotonic() > deadline:
                    raise GenerationError(f"timeout after {self.timeout:g} s")
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
