"""The Compose tab's two explanations: how the prompt was improved, and how the clip scored.

"Your prompt → improved prompt" says who produced the improvement: the language model's
plan, the rules standing in for an unusable answer, or nothing (a re-render). The score
line names its scorer: a CLAP score is never shown for an audio-feature adherence score,
and CLAP weights marked random (``RANDOM_WEIGHTS.txt`` beside them) are said to be so.
"""

from __future__ import annotations

from voice_agent.core.types import ClipScore
from voice_agent.modes.ui_text import t
from voice_agent.service import ComposeResult


def prompt_change(result: ComposeResult, responder_model: str, lang: str = "en") -> str:
    """Markdown: the person's prompt, an arrow, the improved prompt, and who improved it."""
    reply = result.reply
    if reply is None:
        by = t("compose.by_none", lang)
    elif reply.source == "llm":
        by = t("compose.by_llm", lang, model=responder_model)
    elif reply.source == "fallback":
        by = t("compose.by_fallback", lang, note=reply.note or reply.source)
    else:
        by = t("compose.by_rules", lang, model=responder_model)
    prompt = result.prompt.strip() or "—"
    return f"**{t('compose.refined', lang)}**\n\n> {prompt}\n\n→ `{result.improved_prompt}`\n\n{by}"


def score_text(score: ClipScore | None, lang: str = "en") -> str:
    """Markdown: the clip's score with its scorer's name, and best-of's candidates."""
    if score is None:
        return t("compose.score_none", lang)
    if score.scorer == "clap":
        text = t("compose.score_clap", lang, value=score.value, model=score.model_id)
        if "random" in score.model_id:
            text += " " + t("compose.score_random", lang)
    else:
        parts = dict(score.details)
        text = t("compose.score_adherence", lang, value=score.value,
                 tempo=parts.get("tempo", 0.0), key=parts.get("key", 0.0),
                 percussion=parts.get("percussion", 0.0))
    if score.candidates:
        shown = ", ".join(f"{c:.3f}" for c in score.candidates)
        text += "\n\n" + t("compose.candidates", lang, n=len(score.candidates), scores=shown,
                           seed=score.seed)
    return text
