"""The lines around an answer: a check-in while risk is urgent, who can help with what the coach can't, the
English-answer note and the support note under it."""
from __future__ import annotations

from pathlib import Path

from ..guardrails.risk import RiskAssessment
from ..prompts import TEMPLATE_LANGUAGES, render
from .stages import Prepared


def opening(prompts_dir: Path, prepared: Prepared) -> tuple[str, ...]:
    """Lines before the answer (`opening_lines` without their languages)."""
    return tuple(line for line, _ in opening_lines(prompts_dir, prepared))


def opening_lines(prompts_dir: Path, prepared: Prepared, *,
                  gap_told: bool = False) -> tuple[tuple[str, str], ...]:
    """Lines before the answer, each with the language it is written in: who can help with a part the coach can't
    (a message kept in scope because of risk), a note that the answer is in English, and a check-in while the
    conversation carries urgent risk (both in the reader's language when a template has it). `gap_told`: the
    answer itself tells the gap (a grounded answer not "covered": its gap line names who can help; one the composer
    recomposed from a nearby card is "covered" and has no such line), so the decline's pointer may be redundant."""
    lines = []
    if prepared.scope.kind != "in" and not (gap_told and gap_names_who_helps(prepared)):
        # kept in scope because of risk: still say who can help with that part
        lines.append((render(prompts_dir, "decline.j2", kind=prepared.scope.kind), "en"))
    if prepared.language != "en":
        lines.append((render(prompts_dir, "language_note.j2", lang=prepared.language), written_language(prepared)))
    if prepared.risk.level == "urgent":
        lines.append(check_in_line(prompts_dir, prepared))
    return tuple(lines)


def gap_names_who_helps(prepared: Prepared) -> bool:
    """The answer will tell a known gap and who can answer it ("a sexual-health clinic"): the decline's
    own pointer would say the same thing twice, in other words."""
    plan = prepared.context.plan if prepared.context is not None else None
    coverage = plan.coverage if plan is not None else None
    return bool(coverage is not None and coverage.told and coverage.gap is not None and coverage.gap.ask)


def written_language(prepared: Prepared) -> str:
    """The language the reader-facing templates write to this reader in."""
    return prepared.language if prepared.language in TEMPLATE_LANGUAGES else "en"


def not_in_english(lines) -> dict[str, str]:
    """{line: language} for the (line, language) pairs not written in English (the reply's paragraph_languages)."""
    return {line: language for line, language in lines if language != "en"}


def check_in_line(prompts_dir: Path, prepared: Prepared) -> tuple[str, str]:
    """The check-in with the language it is written in."""
    return check_in(prompts_dir, prepared), written_language(prepared)


def check_in(prompts_dir: Path, prepared: Prepared) -> str:
    """Care and the lines first while the conversation carries urgent risk, in the reader's language."""
    return render(prompts_dir, "check_in.j2", lang=prepared.language, ongoing=prepared.risk.ongoing)


def support_lines(prompts_dir: Path, risk: RiskAssessment) -> tuple[str, ...]:
    if risk.level != "support":
        return ()
    return (render(prompts_dir, "support_note.j2", categories=risk.categories),)


def with_support(prompts_dir: Path, text: str, risk: RiskAssessment) -> str:
    """The text, with the support note under it when the reader may need more than the articles."""
    lines = support_lines(prompts_dir, risk)
    return f"{text}\n\n{lines[0]}" if lines else text
