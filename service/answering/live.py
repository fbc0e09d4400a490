"""A model's answer sent to the reader as it is written, each sentence only after it has passed its checks."""
from __future__ import annotations

from ..errors import GenerationError
from ..guardrails.gap_statements import tells_gap
from ..guardrails.stream_gate import StreamGate
from ..prompts import render
from . import framing
from .generators.base import ModelText, must_tell_gap
from .generators.model import ModelGenerator, cited_in_order, renumbered
from .stages import AnswerResult, Prepared, Written

REPLACED_NOTE = "replaced_note.j2"


def streams(pipeline, prepared: Prepared) -> bool:
    """True when the answer is the model's, written while the reader watches (the grounded one is whole at once)."""
    return isinstance(pipeline.generator, ModelGenerator) and prepared.context is not None


class VerifiedStream:
    """One reader's streamed answer. The caller feeds it the model's pieces (`add`), sends what `release` lets
    through, and at the end sends `ending`'s event: the rest of the checked reply, or a `replace` with the grounded
    answer when a sentence failed, the whole-answer check failed or the model failed. Never sends unchecked text.

    Thread use: `add` is cheap (string work, any thread); `release` and `ending` embed sentences (a compute slot)."""

    def __init__(self, pipeline, prepared: Prepared):
        assert isinstance(pipeline.generator, ModelGenerator) and prepared.context is not None
        self.pipeline = pipeline
        self.prepared = prepared
        self.model: ModelGenerator = pipeline.generator
        context = prepared.context
        self.gate = StreamGate(context.passages, pipeline.embedder, self.model.client.system_prompt())
        self._order: list[int] = []
        opening = framing.opening(pipeline.settings.prompts_dir, prepared)
        self.head = "\n\n".join(opening) + "\n\n" if opening else ""  # our own lines: no claims to wait for
        self.sent = ""
        self._gap_unconfirmed = must_tell_gap(context)  # the first sentences must say the articles don't cover it
        self._model_text = ""

    def start(self) -> str:
        """The lines that go before the model's words (a check-in while risk is urgent, a language note)."""
        self.sent = self.head
        return self.head

    def add(self, piece: str) -> None:
        self.gate.add(piece)

    def ready(self) -> bool:
        return self.gate.ready()

    def release(self, *, final: bool = False) -> str:
        """The next checked sentences, numbered as the reader will see them; GenerationError when one fails."""
        raw = self.gate.release(final=final)
        self._model_text += raw
        if self._gap_unconfirmed:
            # Nothing is shown until the answer has said the articles don't address the question (or failed to).
            told = tells_gap(self._model_text)
            if told is False or (told is None and final):
                raise GenerationError("output check failed while streaming: claims coverage the articles don't give "
                                      "(the answer doesn't say first that they don't address the question)")
            if told is None:
                return ""
            self._gap_unconfirmed = False
            raw = self._model_text
        for n in cited_in_order(raw, len(self.gate.passages)):
            if n not in self._order:
                self._order.append(n)
        text = renumbered(raw, self._order)
        self.sent += text
        return text

    def ending(self, written: Written) -> tuple[AnswerResult, tuple[str, dict] | None]:
        """The reply as the non-streamed answer would be (the whole-answer check, or the grounded answer when
        `written` failed) and the event that gets the reader there from what was sent: ("delta", rest), ("replace",
        whole text and a note), or None when nothing is left to send."""
        if written.text is not None and written.failure is None:
            written = Written(self.gate.text.rstrip(), usage=written.usage)
        result = self.pipeline.finish(self.prepared, written)
        answer = result.reply.answer
        if answer.startswith(self.sent):
            rest = answer[len(self.sent):]
            return result, (("delta", {"text": rest}) if rest else None)
        note = render(self.pipeline.settings.prompts_dir, REPLACED_NOTE, lang=self.prepared.language)
        return result, ("replace", {"text": answer, "note": note, "reason": "check"})

    @staticmethod
    def written(model_text: ModelText | None, failure: str | None) -> Written:
        if failure is not None:
            return Written(failure=failure, usage=model_text.usage if model_text else None)
        return Written(model_text.text, usage=model_text.usage)
