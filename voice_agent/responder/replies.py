"""What every responder shares: the prompt, the JSON schema, and turning answers into Replies.

A language-model responder asks for JSON matching :data:`REPLY_SCHEMA`, then hands the
raw text to :func:`reply_from_model_output`, which validates it, grounds the plan in the
person's own words, and falls back to :func:`rule_reply` (recording ``source="fallback"``
and why) when the answer is not usable.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from voice_agent.responder.grounding import ground_plan, transcript_plan_seed
from voice_agent.responder.commands import (
    DEFAULT_PLAYLIST,
    LAST_ITEM,
    Command,
    canonical_playlist,
    normalise_command_text,
)
from voice_agent.core.language import PHRASE_WORDS, base_language, looks_like, split_sentences
from voice_agent.core.plan import normalize_key
from voice_agent.core.types import (LIBRARY_INTENTS, VERSION_INTENTS, Intent, MusicPlan, Reply,
                                    Transcript, Turn)
from voice_agent.core.vocabulary import (canonical_instrument, find_genre, find_instruments,
                                         genre_name, instrument_name)
from voice_agent.responder.reading import RequestReading, read_request, says_thanks
from voice_agent.responder.truth import check_say, facts_in, has_instrument

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
MAX_SAY_CHARS = 320

#: The openings the model writes most (talk and intent benches): worth synthesising before
#: a session's first turn, so its first words come from the phrase cache.
COMMON_OPENERS = {"en": ("Sure!",), "es": ("¡Claro!", "Claro!")}
#: Said at once when the model's first sentence comes out in the wrong language: its reply
#: will be replaced by a template only when it has finished (seconds later), and a person
#: should not wait that long in silence. The first common opener, so it is pre-synthesised.
STAND_IN_OPENERS = {language: openers[0] for language, openers in COMMON_OPENERS.items()}

#: What the model writes: the intent and the musical choices that need judgement first, so
#: the music can render while it writes its words (``say``, last, put to the plan it has
#: just chosen; "Sure!" has been said meanwhile, see SayStream). Tempo, key, mode and length
#: come from the style and the person's own words (see ground_plan): the 0.5B model
#: answered 100-120 bpm in C major for almost everything, and every token it writes costs
#: 55-100 ms on two cores, which the person waits for the music.
REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": [i.value for i in Intent
                                                   if i not in VERSION_INTENTS]},
        "genre": {"type": "string"},
        "instruments": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "mood": {"type": "string"},
        "say": {"type": "string"},
        "playlist": {"type": "string"},
        "item": {"type": "integer"},
    },
    "required": ["intent", "genre", "instruments", "mood", "say"],
}
#: The plan fields the model may also give (older answers nest them under "plan").
PLAN_FIELDS = ("genre", "bpm", "key", "mode", "instruments", "mood", "duration_s")

SYSTEM_PROMPT = (
    "You are a friendly music assistant. The user asks for music by voice. Answer ONLY with "
    "JSON: intent = make_music, "
    "refine (change the previous clip), replay (play the previous clip again), chat, or a "
    "library command: save (save this clip to a playlist), list (list a playlist), play "
    "(play item number N), remove (remove item N), clear (empty a playlist), confirm (yes), "
    "cancel (no), another_like (another clip like item N), lyrics (write song lyrics); "
    "genre, instruments and mood of the music; "
    "say = 1-2 short friendly sentences in the user's language about that music; "
    "playlist = the playlist named, item = the number named (-1 = the last one)."
)

FEW_SHOT: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Language: English\nRequest: play some chill lo-fi hip hop for studying",
     {"intent": "make_music", "genre": "lofi", "instruments": ["electric piano", "bass", "drums"],
      "mood": "relaxed", "say": "Sure! Here's a mellow lo-fi beat to help you focus."}),
    ("Language: Spanish\nRequest: quiero un tango dramático con bandoneón",
     {"intent": "make_music", "genre": "tango", "instruments": ["bandoneon", "violin", "piano"],
      "mood": "dramatic", "say": "¡Claro! Aquí tienes un tango dramático con bandoneón."}),
)

_SAY_TEMPLATES = {
    ("en", Intent.MAKE_MUSIC): "Here's some {mood} {genre} at {bpm} BPM with {instruments}. Enjoy!",
    ("es", Intent.MAKE_MUSIC): "¡Aquí tienes {genre} a {bpm} BPM con {instruments}! Que lo disfrutes.",
    ("en", Intent.REFINE): "Done! I changed it: {genre} at {bpm} BPM with {instruments}.",
    ("es", Intent.REFINE): "¡Hecho! Lo he cambiado: {genre} a {bpm} BPM con {instruments}.",
    ("en", Intent.REPLAY): "Sure, here it is again.",
    ("es", Intent.REPLAY): "Claro, aquí la tienes otra vez.",
    ("en", Intent.CHAT): "I make music from what you ask. Tell me a style, a mood or "
                         "instruments, like relaxing jazz with piano.",
    ("es", Intent.CHAT): "Hago música a partir de lo que me pidas. Dime un estilo, un ánimo o "
                         "instrumentos, por ejemplo jazz relajado con piano.",
    # library commands: the library session (voice_agent.library) rewrites these with
    # what it actually did; they stand when no library is configured
    ("en", "library"): "I can't do that: the clip library is switched off.",
    ("es", "library"): "No puedo hacerlo: la biblioteca de clips está desactivada.",
    ("en", Intent.ANOTHER_LIKE): "Here's another one in the same style: {genre} at {bpm} BPM.",
    ("es", Intent.ANOTHER_LIKE): "Aquí tienes otra del mismo estilo: {genre} a {bpm} BPM.",
    ("en", Intent.LYRICS): "Here are some {genre} lyrics for you.",
    ("es", Intent.LYRICS): "Aquí tienes una letra de {genre}.",
}



#: how an edit reply names each change ("Done: faster, now 140 BPM, and without the saxophone.")
_CHANGE_WORDS = {
    "en": {"done": "Done: {changes}.", "and": "and", "genre": "now {genre}",
           "faster": "faster, now {bpm} BPM", "slower": "slower, now {bpm} BPM",
           "key": "now in {key} {mode}", "mood": "now {mood}",
           "length": "now {seconds:g} seconds long", "added": "with {names}",
           "removed": "without the {names}", "seed": "a new version of the same piece",
           "same": "It already sounds like that: {genre} at {bpm} BPM with {instruments}."},
    "es": {"done": "Hecho: {changes}.", "and": "y", "genre": "ahora es {genre}",
           "faster": "más rápido, ahora a {bpm} BPM", "slower": "más lento, ahora a {bpm} BPM",
           "key": "ahora en {key} {mode}", "mood": "ahora {mood}",
           "length": "ahora dura {seconds:g} segundos", "added": "con {names}",
           "removed": "sin {names}", "seed": "una versión nueva de la misma pieza",
           "same": "Ya suena así: {genre} a {bpm} BPM con {instruments}."},
}
_SPANISH_MOODS = {"happy": "alegre", "sad": "triste", "calm": "tranquila", "dark": "oscura",
                  "energetic": "enérgica", "romantic": "romántica", "epic": "épica",
                  "dramatic": "dramática", "relaxed": "relajada"}
_SOLFEGE_NAMES = {"C": "do", "D": "re", "E": "mi", "F": "fa", "G": "sol", "A": "la", "B": "si"}


def key_words(key: str, mode: str, language: str) -> str:
    """"D", "minor" -> "D minor" / "re menor"."""
    if language != "es":
        return f"{key} {mode}"
    note = _SOLFEGE_NAMES.get(key[:1], key[:1]) + {"#": " sostenido", "b": " bemol"}.get(key[1:], "")
    return f"{note} {'menor' if mode == 'minor' else 'mayor'}"


def change_say(before: MusicPlan, after: MusicPlan, language: str) -> str:
    """What an edit changed, stated from the two plans."""
    words = _CHANGE_WORDS.get(base_language(language), _CHANGE_WORDS["en"])
    parts = _change_parts(before, after, words, language)
    if not parts:  # asked for what it already had ("add a bass" to a clip with a bass)
        return words["same"].format(genre=genre_name(after.genre, language), bpm=after.bpm,
                                    instruments=_named_list(after.instruments, language))
    changes = parts[0] if len(parts) == 1 else (
        ", ".join(parts[:-1]) + f", {words['and']} " + parts[-1])
    return words["done"].format(changes=changes)


def _change_parts(before: MusicPlan, after: MusicPlan, words: dict[str, str],
                  language: str) -> list[str]:
    parts = []
    if after.genre != before.genre:
        parts.append(words["genre"].format(genre=genre_name(after.genre, language)))
    if after.bpm != before.bpm:
        parts.append(words["faster" if after.bpm > before.bpm else "slower"].format(bpm=after.bpm))
    if (after.key, after.mode) != (before.key, before.mode):
        key, mode = key_words(after.key, after.mode, language).rsplit(" ", 1)
        parts.append(words["key"].format(key=key, mode=mode))
    if after.mood != before.mood and after.genre == before.genre:
        mood = _SPANISH_MOODS.get(after.mood, after.mood) if language == "es" else after.mood
        parts.append(words["mood"].format(mood=mood))
    if after.duration_s != before.duration_s:
        parts.append(words["length"].format(seconds=after.duration_s))
    if after.genre == before.genre:  # a new style brings its own band: not "added"
        added = [i for i in after.instruments if i not in before.instruments]
        removed = [i for i in before.instruments if i not in after.instruments]
        if added:
            parts.append(words["added"].format(names=_names(added, language)))
        if removed:
            parts.append(words["removed"].format(names=_names(removed, language)))
    if not parts and after.seed != before.seed:
        parts.append(words["seed"])
    return parts


def _names(instruments: Sequence[str], language: str) -> str:
    joiner = " y " if language == "es" else " and "
    names = [instrument_name(i, language) for i in instruments[:3]]
    return joiner.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


#: the answer to "what's playing?": the current clip as made
_CLIP_SAY = {"en": "Playing now: {genre} at {bpm} BPM in {key}, with {instruments}, {seconds:g} seconds.",
             "es": "Ahora suena {genre} a {bpm} BPM en {key}, con {instruments}, {seconds:g} segundos."}


def clip_say(plan: MusicPlan, language: str) -> str:
    """What the clip playing is, every fact from its plan ("Playing now: tango at 120 BPM
    in A minor, with bandoneon, violin, piano and bass, 15 seconds.")."""
    language = "es" if language == "es" else "en"
    return _CLIP_SAY[language].format(genre=genre_name(plan.genre, language), bpm=plan.bpm,
                                      key=key_words(plan.key, plan.mode, language),
                                      instruments=_named_list(plan.instruments, language),
                                      seconds=plan.duration_s)


def _named_list(instruments: Sequence[str], language: str) -> str:
    """"piano, bass and drums" / "piano, bajo y batería"."""
    names = [instrument_name(i, language) for i in instruments]
    joiner = " y " if language == "es" else " and "
    return joiner.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else (
        names[0] if names else "")


def stated_say(intent: Intent, plan: MusicPlan | None, language: str,
               previous: MusicPlan | None = None) -> str:
    """The template reply for ``plan``: what changed for an edit, else what was made."""
    if intent is Intent.REFINE and previous is not None and plan is not None:
        return change_say(previous, plan, language)
    return template_say(intent, plan, language)


def truthful_say(say: str, plan: MusicPlan | None, intent: Intent, language: str,
                 previous: MusicPlan | None = None) -> tuple[str, str]:
    """``say`` with every untrue sentence replaced by one stated from ``plan`` (see
    :func:`voice_agent.responder.truth.check_say`), and a note saying what was untrue.

    True sentences stay (they may already have been spoken); the first untrue one
    becomes the template sentence and later untrue ones are dropped.
    """
    change = previous if intent is Intent.REFINE else None
    kept: list[str] = []
    untrue: list[str] = []
    for sentence in split_sentences(say, language) or [say]:
        claims = check_say(sentence, plan, language, change)
        if not claims:
            kept.append(sentence)
            continue
        if not untrue:
            kept.append(stated_say(intent, plan, language, previous))
        untrue += claims
    if not untrue:
        return say, ""
    return tidy_say(" ".join(kept)), "untrue reply replaced: " + "; ".join(untrue)


def safe_to_speak(sentence: str, reading: RequestReading) -> bool:
    """Whether a sentence may be spoken before the plan is settled: it states no fact the
    person's own words do not fix (ground_plan trusts those words, so they will be true)."""
    facts = facts_in(sentence)
    if not facts:
        return True
    if reading.edited is not None:
        return not check_say(sentence, reading.edited, reading.language, reading.previous)
    words = reading.instruments
    return (all(g == reading.genre for g in facts.genres)
            and all(has_instrument(words, i) for i in facts.instruments)
            and not facts.absent and not facts.durations and not facts.modes
            and all(b == reading.bpm for b in facts.bpms)
            and all((normalize_key(k), m) == (reading.key, reading.mode) for k, m in facts.keys)
            and facts.tempo_change is None)


def language_name(code: str) -> str:
    """"es" -> "Spanish" (unknown codes are returned as they are)."""
    return LANGUAGE_NAMES.get(code, code)


def user_message(transcript: Transcript, history: Sequence[Turn]) -> str:
    """The per-turn message: language, the previous clip if any, and the request."""
    lines = [f"Language: {language_name(transcript.language)}"]
    previous = last_plan(history)
    if previous is not None:  # a short description: every prompt token costs ~15 ms
        lines.append("Previous music: " + compose_music_prompt(previous))
    lines.append(f"Request: {transcript.text}")
    return "\n".join(lines)


def chat_messages(transcript: Transcript, history: Sequence[Turn]) -> list[dict[str, str]]:
    """System prompt and few-shot pairs (a fixed, cacheable prefix), then this turn."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for request, answer in FEW_SHOT:
        messages.append({"role": "user", "content": request})
        messages.append({"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)})
    messages.append({"role": "user", "content": user_message(transcript, history)})
    return messages


def last_plan(history: Sequence[Turn]) -> MusicPlan | None:
    """The plan of the most recent turn that had one."""
    for turn in reversed(history):
        if turn.reply is not None and turn.reply.plan is not None:
            return turn.reply.plan
    return None


def compose_music_prompt(plan: MusicPlan) -> str:
    """A MusicGen-style English description of ``plan``."""
    genre = plan.genre.replace("_", " ")
    instruments = ", ".join(plan.instruments) if plan.instruments else "full band"
    return f"{plan.mood} {genre}, {instruments}, {plan.bpm} bpm, {plan.key} {plan.mode}"


def template_say(intent: Intent, plan: MusicPlan | None, language: str) -> str:
    """A short reply from templates, in ``language`` (English when unsupported)."""
    key: Intent | str = "library" if intent in LIBRARY_INTENTS else intent
    template = _SAY_TEMPLATES.get((language, key)) or _SAY_TEMPLATES[("en", key)]
    if plan is None:
        return template.format(genre="music", bpm="", instruments="", mood="")
    return template.format(genre=genre_name(plan.genre, language), bpm=plan.bpm,
                           instruments=_named_list(plan.instruments[:3], language),
                           mood=plan.mood)




def tidy_say(text: str) -> str:
    """At most three sentences and MAX_SAY_CHARS characters."""
    text = " ".join(text.split())
    sentences = re.split(r"(?<=[.!?])\s+", text)
    text = " ".join(sentences[:3])
    return text if len(text) <= MAX_SAY_CHARS else text[: MAX_SAY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def reading_for(transcript: Transcript, history: Sequence[Turn],
                reading: RequestReading | None = None) -> RequestReading:
    """The turn's reading: the one the pipeline made, else read now (once)."""
    if reading is not None and reading.text == transcript.text:
        return reading
    return read_request(transcript.text, transcript.language, last_plan(history))


def plan_for(intent: Intent, transcript: Transcript, history: Sequence[Turn],
             raw_plan: dict[str, Any], default_duration_s: float,
             reading: RequestReading | None = None) -> MusicPlan | None:
    """The plan this turn should render: new, refined from the last one, or the last one."""
    previous = last_plan(history)
    if intent is Intent.CHAT or intent in LIBRARY_INTENTS:
        return None  # library commands act on stored clips (voice_agent.library)
    if intent is Intent.REPLAY:
        return previous
    if intent is Intent.ANOTHER_LIKE:
        return previous.replace(seed=next_seed(previous.seed)) if previous else None
    if intent is Intent.REFINE and previous is not None:
        if reading is not None and reading.edited is not None:
            return reading.edited
        from voice_agent.responder.refine import apply_refinement

        return apply_refinement(previous, transcript.text)
    return ground_plan(without_few_shot(raw_plan, transcript.text), transcript.text,
                       default_duration_s, transcript_plan_seed(transcript))


def without_few_shot(raw_plan: dict[str, Any], text: str) -> dict[str, Any]:
    """The model's plan without what it copied from :data:`FEW_SHOT` and the request did
    not say: a 0.5B model asked "más rápido y con más piano" answered the example's
    "tango with bandoneon" (issue 12). Instruments of the example that belong to the
    genre finally chosen are left to ground_plan (it adds the style's band anyway)."""
    examples = [answer for _, answer in FEW_SHOT]
    said_genre = find_genre(text)
    said = set(find_instruments(text))
    cleaned = dict(raw_plan)
    genre = find_genre(str(raw_plan.get("genre") or "").replace("_", " "))
    if genre is not None and genre != said_genre and genre in {e["genre"] for e in examples}:
        cleaned.pop("genre", None)
    copied = {canonical_instrument(i) for e in examples for i in e["instruments"]}
    common = {"piano", "bass", "drums"}  # in most bands: copying them names nothing odd
    if isinstance(raw_plan.get("instruments"), list):
        cleaned["instruments"] = [i for i in raw_plan["instruments"]
                                  if canonical_instrument(str(i)) not in copied - common - said]
    if str(raw_plan.get("mood") or "").lower() in {e["mood"] for e in examples} \
            and "genre" not in cleaned:
        cleaned.pop("mood", None)
    return cleaned


def rule_reply(transcript: Transcript, history: Sequence[Turn], default_duration_s: float,
               source: str = "rules", note: str = "",
               reading: RequestReading | None = None) -> Reply:
    """The deterministic responder: intent, plan and words from the transcript alone."""
    reading = reading_for(transcript, history, reading)
    intent = reading.intent or reading.guess
    if intent in (Intent.REFINE, Intent.REPLAY) and last_plan(history) is None:
        intent = Intent.MAKE_MUSIC
    plan = plan_for(intent, transcript, history, {}, default_duration_s, reading)
    command = reading.command
    playing = last_plan(history)
    return Reply(
        say=_rule_say(intent, plan, transcript, reading, playing),
        music_prompt=compose_music_prompt(plan) if plan else "",
        intent=intent,
        plan=plan,
        language=transcript.language,
        source=source,
        note=note,
        playlist=command.playlist if command else None,
        item=command.item if command else None,
    )


#: the answer to thanks or praise, when the words ask for nothing
_WELCOME = {"en": "You're welcome! Ask me for a change or something new whenever you like.",
            "es": "¡De nada! Pídeme un cambio o algo nuevo cuando quieras."}


def _rule_say(intent: Intent, plan: MusicPlan | None, transcript: Transcript,
              reading: RequestReading, playing: MusicPlan | None) -> str:
    """The rule responder's words: what the clip is when asked, a welcome for thanks,
    else the template stated from the plan."""
    language = transcript.language
    if intent is Intent.CHAT and reading.about_clip and playing is not None:
        return clip_say(playing, language)
    # thanks, unless it ends asking something ("Sweet as. So what else can you do?")
    if intent is Intent.CHAT and says_thanks(transcript.text) and not transcript.text.rstrip().endswith("?"):
        return _WELCOME["es" if base_language(language) == "es" else "en"]
    return stated_say(intent, plan, language, playing)


def next_seed(seed: int) -> int:
    """A different, repeatable seed for "another one like it" (a 31-bit LCG step)."""
    return (seed * 1103515245 + 12345) & 0x7FFFFFFF


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text`` (models sometimes wrap it in prose or fences)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in the answer")
    value, _ = json.JSONDecoder().raw_decode(text[start:])
    if not isinstance(value, dict):
        raise ValueError("the answer is JSON but not an object")
    return value


def _intent(data: dict[str, Any], reading: RequestReading, history: Sequence[Turn]) -> Intent:
    """The model's intent, overruled by a clear command in the person's words, and where it
    needs an earlier clip that does not exist."""
    worded = reading.guess
    if reading.command is not None:
        return worded  # "play number 2", "guárdala": the words are unambiguous
    try:
        intent = Intent(str(data.get("intent", "")).strip().lower())
    except ValueError:
        return worded
    if intent in LIBRARY_INTENTS or intent in (Intent.ANOTHER_LIKE, Intent.LYRICS):
        # no command phrasing was found: trust the model only when the words name no music
        return intent if worded is Intent.CHAT else worded
    if intent in (Intent.REFINE, Intent.REPLAY) and last_plan(history) is None:
        return Intent.MAKE_MUSIC
    if worded in (Intent.REFINE, Intent.REPLAY):
        return worded  # "make it faster", "otra vez" about the last clip (no new genre named)
    if intent is Intent.CHAT and worded is not Intent.CHAT:
        return worded  # a 0.5B model calls too much "chat"; the request named music
    return intent


def _command_arguments(data: dict[str, Any], text: str, intent: Intent,
                       command: Command | None) -> tuple[str | None, int | None]:
    """Playlist and item: the person's words first, then (for a command) the model's fields."""
    playlist = command.playlist if command else None
    item = command.item if command else None
    if intent not in LIBRARY_INTENTS and intent is not Intent.ANOTHER_LIKE:
        return playlist, item
    if playlist is None and isinstance(data.get("playlist"), str):
        playlist = _named_in(canonical_playlist(data["playlist"]), text)
    if item is None and isinstance(data.get("item"), int) and not isinstance(data["item"], bool):
        item = data["item"] if data["item"] > 0 or data["item"] == LAST_ITEM else None
    return playlist, item


def _named_in(playlist: str | None, text: str) -> str | None:
    """``playlist`` if the person's words contain it, else None (the default playlist).

    Measured: asked "Pon la número dos" after a jazz clip, the 0.5B model filled in the
    playlist "calm jazz" from the previous music prompt, which would have played from a
    playlist nobody named (benchmarks/intent_bench.py).
    """
    if playlist is None or playlist == DEFAULT_PLAYLIST:
        return playlist
    words = f" {normalise_command_text(text)} "
    return playlist if f" {playlist} " in words else None


def reply_from_model_output(raw: str, transcript: Transcript, history: Sequence[Turn],
                            default_duration_s: float,
                            reading: RequestReading | None = None,
                            settled_plan: MusicPlan | None = None) -> Reply:
    """Validate a model's JSON answer into a Reply, or fall back to :func:`rule_reply`.

    Every fact the model's ``say`` states must be true of the final plan; an untrue
    sentence is replaced by one stated from the plan (:func:`truthful_say`).
    ``settled_plan``: the person's words settled the music before the model wrote
    (:func:`words_plan`); the answer is the model's words about it.
    """
    reading = reading_for(transcript, history, reading)
    try:
        data = parse_json_object(raw)
        say = tidy_say(str(data.get("say") or ""))
        if not say:
            raise ValueError("the answer has no 'say' text")
    except ValueError as exc:
        log.warning("Model answer unusable (%s); using the rule-based reply", exc)
        return rule_reply(transcript, history, default_duration_s, source="fallback",
                          note=f"model answer unusable: {exc}", reading=reading)
    if settled_plan is not None:
        intent, plan = Intent.MAKE_MUSIC, settled_plan
    else:
        intent = _intent(data, reading, history)
        raw_plan = data.get("plan") if isinstance(data.get("plan"), dict) else {
            name: data[name] for name in PLAN_FIELDS if name in data}
        plan = plan_for(intent, transcript, history, raw_plan, default_duration_s, reading)
    previous = last_plan(history)
    note = ""
    if not looks_like(say, transcript.language):
        say = stated_say(intent, plan, transcript.language, previous)
        note = f"model replied in the wrong language; used a {language_name(transcript.language)} template"
    elif intent not in LIBRARY_INTENTS and intent is not Intent.LYRICS:
        say, note = truthful_say(say, plan, intent, transcript.language, previous)
    playlist, item = _command_arguments(data, transcript.text, intent, reading.command)
    return Reply(say=say, music_prompt=compose_music_prompt(plan) if plan else "",
                 intent=intent, plan=plan,
                 language=transcript.language, source="llm", note=note,
                 playlist=playlist, item=item)


_SAY_VALUE = re.compile(r'"say"\s*:\s*"')


def words_plan(reading: RequestReading, transcript: Transcript,
               default_duration_s: float) -> MusicPlan | None:
    """The plan of a new piece whose genre the person names, read from their words alone.

    Such a request leaves the model nothing to decide about the music: the intent is
    make_music whatever it answers (:func:`_intent` overrules "chat" when music is named,
    and there is no earlier clip to edit), the named genre, instruments, mood, tempo, key
    and length win over its guesses (:func:`ground_plan`), and tempo, key and the rest of
    the band come from the style. All it could add were extra instruments before the
    style's own and a mood when none was said, and each of its plan tokens costs the
    person 55-100 ms of waiting for the music on two cores. So the plan is settled here,
    the clip renders at once, and the model only writes its sentence about this plan
    (:func:`answer_head`). None when the model's judgement is needed: no genre named, an
    earlier clip the words may be about, or a command.
    """
    if (reading.guess is not Intent.MAKE_MUSIC or reading.genre is None
            or reading.previous is not None or reading.command is not None):
        return None
    return ground_plan({}, transcript.text, default_duration_s, transcript_plan_seed(transcript))


def answer_head(plan: MusicPlan, language: str) -> str:
    """The start of the model's answer for ``plan``, as its few-shot answers begin, up to
    the opening quote of ``say``: given as the start of its answer, it writes only ``say``
    (:data:`SAY_GRAMMAR`), about this plan."""
    head = {"intent": Intent.MAKE_MUSIC.value, "genre": genre_name(plan.genre, language),
            "instruments": list(plan.instruments[:3]), "mood": plan.mood}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "say": "'


#: The rest of an answer begun by :func:`answer_head`: the ``say`` string and the closing
#: brace (llama.cpp GBNF; the string characters as its JSON-schema grammars write them).
SAY_GRAMMAR = r"""root ::= char* "\"" space "}" space
char ::= [^"\\] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])
space ::= " "?
"""


#: the intents whose music may render as soon as the plan is settled, before ``say`` is
#: written: a new piece or an edit (a replay, a library command, lyrics make none of their own)
EARLY_MUSIC_INTENTS = (Intent.MAKE_MUSIC, Intent.REFINE)


def _answer_head(raw: str) -> dict[str, Any] | None:
    """The fields written before ``say`` (the plan), once the model has begun ``say``."""
    match = _SAY_VALUE.search(raw)
    if match is None:
        return None
    try:
        return parse_json_object(raw[:match.start()].rstrip().rstrip(",") + "}")
    except ValueError:
        return None


def settled_reply(raw: str, transcript: Transcript, history: Sequence[Turn],
                  default_duration_s: float, reading: RequestReading) -> Reply | None:
    """The music an answer has settled on once its model begins ``say`` (the schema puts
    the plan first): a Reply without words, or None when there is no new music to make.

    :func:`complete_answer` keeps the final reply's plan equal to this one: the music can
    be rendered, and played, before the words are finished.
    """
    head = _answer_head(raw)
    if head is None or "intent" not in head:  # words first (an older answer): not settled
        return None
    intent = _intent(head, reading, history)
    if intent not in EARLY_MUSIC_INTENTS:
        return None
    plan = plan_for(intent, transcript, history, {name: head[name] for name in PLAN_FIELDS
                                                  if name in head}, default_duration_s, reading)
    if plan is None:
        return None
    return Reply(say="", music_prompt=compose_music_prompt(plan), intent=intent, plan=plan,
                 language=transcript.language, source="llm")


def complete_answer(raw: str) -> str:
    """``raw`` as JSON that :func:`reply_from_model_output` accepts whenever its plan was
    settled: an answer cut off inside ``say`` (``max_tokens``) keeps its plan and the words
    written so far, so the music already made from that plan stays the turn's music."""
    try:
        parse_json_object(raw)
        return raw
    except ValueError:
        pass
    head = _answer_head(raw)
    say, _ = _partial_string(raw)
    if head is None or not (say or "").strip():
        return raw
    return json.dumps({**head, "say": say}, ensure_ascii=False)


class PlanWatch:
    """Watches a streaming answer and calls ``on_plan`` once with :func:`settled_reply`."""

    def __init__(self, on_plan: Callable[[Reply], None], transcript: Transcript,
                 history: Sequence[Turn], default_duration_s: float,
                 reading: RequestReading) -> None:
        self.on_plan = on_plan
        self._context = (transcript, history, default_duration_s, reading)
        self.text = ""
        self._done = False

    def feed(self, piece: str) -> None:
        """Add the next piece of the model's answer."""
        if self._done:
            return
        self.text += piece
        if _SAY_VALUE.search(self.text) is None:
            return
        self._done = True
        settled = settled_reply(self.text, *self._context)
        if settled is not None:
            self.on_plan(settled)


class SayStream:
    """Hands out whole sentences of the ``say`` value while a JSON answer is still streaming.

    The grammar puts ``say`` first, so its sentences are complete long before the plan
    is; speaking them at once hides most of the model's time. A sentence is handed out
    only when the next one has begun (or the string has closed), only in the person's
    language, and never past :func:`tidy_say`'s limits, so what was spoken is always a
    prefix of the final ``say`` (see :func:`keep_spoken`). With ``vet``, a sentence naming
    a fact the person's words do not fix stops the stream (a stand-in "Sure!" is said
    instead when nothing was spoken yet), so nothing spoken turns out false.
    """

    def __init__(self, language: str, on_sentence: Callable[[str], None],
                 max_sentences: int = 3, vet: Callable[[str], bool] | None = None,
                 acknowledge: bool = False) -> None:
        self.language = language
        self.on_sentence = on_sentence
        #: a sentence is spoken only if ``vet`` passes it: it must not state a fact the
        #: final plan may contradict (see :func:`safe_to_speak`); spoken words stay spoken
        self.vet = vet
        self.max_sentences = max_sentences
        self.text = ""
        self.spoken: list[str] = []
        self._stopped = False
        #: the model's sentences dealt with so far (spoken, or skipped as a second opener)
        self._taken = 0
        #: the model's own opening ("Great!") left unsaid because ours was said first
        self.skipped_opener: str | None = None
        #: the acknowledgement said before the model wrote anything (``acknowledge``)
        self.acknowledgement: str | None = None
        if acknowledge:
            self._acknowledge()

    def _acknowledge(self) -> None:
        """Say "Sure!" / "¡Claro!" at once: the person hears the request was taken while
        the model starts (the phrase is pre-synthesised, so it costs no waiting). It states
        nothing a plan could contradict."""
        self.acknowledgement = self._say_opener()

    def feed(self, piece: str) -> None:
        """Add the next piece of the model's answer."""
        self.text += piece
        if not self._stopped:
            self._hand_out(closed=False)

    def finish(self) -> None:
        """The answer is complete: hand out the last sentence of ``say``."""
        if not self._stopped:
            self._hand_out(closed=True)
        self._stopped = True

    def _hand_out(self, closed: bool) -> None:
        value, complete = _partial_string(self.text)
        if value is None:
            return

        sentences = split_sentences(value, self.language)
        ready = sentences if (complete or closed) else sentences[:-1]
        for sentence in ready[self._taken:]:
            self._taken += 1
            if self._taken == 1 and self._repeats_acknowledgement(sentence):
                self.skipped_opener = sentence
                continue
            if not looks_like(sentence, self.language) or (
                    self.vet is not None and not self.vet(sentence)):
                self._stopped = True
                if not self.spoken:
                    self._stand_in()
                return
            if (len(self.spoken) >= self.max_sentences
                    or len(" ".join([*self.spoken, sentence])) > MAX_SAY_CHARS):
                self._stopped = True
                return
            self.spoken.append(sentence)
            self.on_sentence(sentence)
        if complete:
            self._stopped = True

    def _repeats_acknowledgement(self, sentence: str) -> bool:
        """The model's first sentence is an opener of its own ("Sure!", "¡Perfecto!") after
        ours was said: a second one would sound like a stutter."""
        return (self.acknowledgement is not None and sentence.rstrip().endswith("!")
                and len(sentence.split()) <= 2)

    def settle(self, reply: Reply) -> Reply:
        """``reply`` as it was heard: our acknowledgement in place of the model's own
        opener, and always beginning with the sentences spoken (:func:`keep_spoken`)."""
        if self.skipped_opener is not None and self.acknowledgement is not None \
                and reply.say.startswith(self.skipped_opener):
            rest = reply.say[len(self.skipped_opener):].lstrip()
            reply = dataclasses.replace(reply, say=f"{self.acknowledgement} {rest}".strip())
        return keep_spoken(reply, self.spoken)

    def _stand_in(self) -> None:
        """Acknowledge the request in the person's language while the reply is redone."""
        self._say_opener()

    def _say_opener(self) -> str | None:
        """Speak the stand-in opener of the person's language; returns it (None: none)."""
        opener = STAND_IN_OPENERS.get(base_language(self.language))
        if opener is not None:
            self.spoken.append(opener)
            self.on_sentence(opener)
        return opener


#: what the words guess a turn is when an acknowledgement may be said before the model
#: writes: music is coming (a chat line or a library command has its own first words)
_ACKNOWLEDGED = (Intent.MAKE_MUSIC, Intent.REFINE, Intent.ANOTHER_LIKE)


def acknowledgement(reading: RequestReading, language: str) -> str | None:
    """The "Sure!" / "¡Claro!" said before the model writes, when the words ask for
    music (a chat line or a library command has its own first words); else None."""
    if reading.guess not in _ACKNOWLEDGED:
        return None
    return STAND_IN_OPENERS.get(base_language(language))


def say_stream(transcript: Transcript, reading: RequestReading,
               on_sentence: Callable[[str], None], acknowledge: bool = True) -> SayStream:
    """The :class:`SayStream` a streaming responder feeds: sentences vetted against the
    person's words, and (``acknowledge``) "Sure!" said at once when music is asked for."""
    return SayStream(transcript.language, on_sentence,
                     vet=lambda sentence: safe_to_speak(sentence, reading),
                     acknowledge=acknowledge and reading.guess in _ACKNOWLEDGED)


def _partial_string(text: str) -> tuple[str | None, bool]:
    """The ``say`` string decoded so far, and whether its closing quote has arrived."""
    match = _SAY_VALUE.search(text)
    if match is None:
        return None, False
    chars: list[str] = []
    i = match.end()
    while i < len(text):
        char = text[i]
        if char == '"':
            return _decode("".join(chars)), True
        if char == "\\":
            escape_len = 6 if text[i + 1:i + 2] == "u" else 2
            if i + escape_len > len(text):
                break  # the escape is split across pieces: wait for the rest
            chars.append(text[i:i + escape_len])
            i += escape_len
            continue
        chars.append(char)
        i += 1
    return _decode("".join(chars)), False


def _decode(raw: str) -> str:
    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw


def keep_spoken(reply: Reply, spoken: Sequence[str]) -> Reply:
    """``reply`` with a ``say`` that begins with the sentences already spoken aloud.

    Validation can still replace a streamed ``say`` (the answer broke off, say); words a
    person has already heard cannot be taken back, so they stay the reply's opening. When
    they were only an acknowledgement, the new reply follows them; otherwise they are the
    whole reply (saying the same thing twice in other words would be worse).
    """
    if not spoken:
        return reply
    heard = " ".join(spoken)
    if reply.say.startswith(heard):
        return reply
    if all(len(sentence.split()) <= PHRASE_WORDS for sentence in spoken):
        # only an acknowledgement was heard ("¡Claro!"): the new reply proper follows it
        rest = _without_opener(reply.say, spoken[-1], reply.language)
        note = "; ".join(n for n in (reply.note, "followed the opener already spoken") if n)
        return dataclasses.replace(reply, say=tidy_say(f"{heard} {rest}"), note=note)
    note = "; ".join(n for n in (reply.note, "kept the sentences already spoken") if n)
    return dataclasses.replace(reply, say=heard, note=note)


def _without_opener(say: str, opener: str, language: str) -> str:
    """``say`` without a first sentence that repeats ``opener`` ("Claro!" after "¡Claro!")."""
    from voice_agent.core.language import normalise

    first, *rest = split_sentences(say, language) or [""]
    return " ".join(rest) if rest and normalise(first) == normalise(opener) else say
