"""The HTTP API (FastAPI): the agent as a service other programs call.

``voice-agent serve`` runs it with uvicorn; the OpenAPI docs are at ``/docs``. Every
request goes through one :class:`~voice_agent.service.AgentService`, which serialises use
of the models and gives every request its own output folder. Errors are always JSON:
``{"error": {"kind": "...", "message": "..."}}`` with a message that says what to do.

=====================  ==========================================================
``GET  /api/health``   alive, models loaded, requests waiting
``GET  /api/models``   each stage's model, and stages that cannot run (and why)
``POST /api/audio/generate``  ``{"prompt": ...}`` -> ``{"audio_id", "improved_prompt",
                       "audio_base64", ...}``: the responder rewrites the prompt into a
                       grounded plan, optional overrides apply, the clip is rendered
``POST /api/turn``     multipart ``file`` (a spoken request), optional ``speaker_id``,
                       ``language``, ``session``: the whole turn record, with the URLs
                       of the audio it produced
``GET  /api/audio/{id}``  a produced WAV (``?format=midi`` for a clip's MIDI score)
``GET/POST /api/speakers``  list / enrol speaker recordings for the cloned voice
=====================  ==========================================================
"""

from __future__ import annotations

import base64
import logging
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from voice_agent import __version__
from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.plan import plan_to_dict
from voice_agent.music.styles import RECIPES
from voice_agent.service import AgentService, ComposeOptions, TurnResult

log = logging.getLogger(__name__)

#: Errors that describe the request rather than the server: answered 400, not 500.
INPUT_ERROR_KINDS = {"bad_audio", "bad_speaker_clip", "bad_plan", "empty_request", "no_speech",
                     "unclear",
                     "bad_request"}
Genre = Literal[tuple(sorted(RECIPES))]  # type: ignore[valid-type]


class GenerateRequest(BaseModel):
    """A typed music request, with optional overrides of the plan the responder makes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"prompt": "relaxing jazz with piano", "duration_s": 10}]})

    prompt: str = Field(..., min_length=1, max_length=2000,
                        description="what music you want, in English or Spanish")
    language: Literal["auto", "en", "es"] = "auto"
    duration_s: float | None = Field(None, ge=1.0, le=60.0, description="clip length")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="for repeatable variations")
    genre: Genre | None = None
    bpm: int | None = Field(None, ge=40, le=220)
    key: str | None = Field(None, pattern=r"^[A-G][#b]?$", description="e.g. C, F#, Bb")
    mode: Literal["major", "minor"] | None = None

    def options(self) -> ComposeOptions:
        """The overrides as the service takes them."""
        return ComposeOptions(duration_s=self.duration_s, seed=self.seed, genre=self.genre,
                              bpm=self.bpm, key=self.key, mode=self.mode)


class GenerateResponse(BaseModel):
    """A rendered clip: its id, the improved prompt, and the audio itself."""

    audio_id: str
    improved_prompt: str = Field(..., description="the prompt as the responder rewrote it "
                                                   "from the grounded plan (overrides applied)")
    audio_base64: str = Field(..., description="the clip as a 16-bit WAV file, base64")
    audio_url: str
    midi_url: str | None
    request_id: str
    say: str
    plan: dict[str, Any]
    duration_s: float
    timings: dict[str, float]


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one shape every error answer has."""
    return {"error": {"kind": kind, "message": message}, **extra}


def _error_status(exc: VoiceAgentError) -> int:
    status = getattr(exc, "status", None)
    if status:
        return status
    return 400 if exc.kind in INPUT_ERROR_KINDS else 500


def _validation_message(exc: RequestValidationError) -> str:
    """One readable line per problem, e.g. "body.prompt: Field required"."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "Invalid request - " + "; ".join(parts) + ". See /docs for the expected fields."


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(VoiceAgentError)
    async def agent_error(_request: Request, exc: VoiceAgentError) -> JSONResponse:
        status = _error_status(exc)
        headers = {"Retry-After": "30"} if status == 503 else None
        return JSONResponse(error_body(exc.kind, str(exc)), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", _validation_message(exc)),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body("http", str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return JSONResponse(error_body("internal", f"{type(exc).__name__}: {exc} (see the "
                                                   "server log)"), status_code=500)


class BodySizeLimit:
    """Refuses request bodies over ``limit`` bytes under ``prefix`` with a JSON 413.

    The body is read ahead (it is small by then) so the limit holds for chunked uploads
    with no Content-Length too; an oversized body is read to its end (up to ``drain``
    bytes) before answering, so the client sees the answer rather than a reset.
    """

    def __init__(self, app: Any, limit: int, prefix: str = "/api/",
                 drain: int = 256 * 1024 * 1024) -> None:
        self.app, self.limit, self.prefix, self.drain = app, limit, prefix, drain

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix) \
                or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or {}).get(b"content-length")
        too_big = declared is not None and declared.isdigit() and int(declared) > self.limit
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            too_big = too_big or size > self.limit
            if not too_big:
                chunks.append(message.get("body", b""))
            more = message.get("more_body", False) and size <= self.drain
        if too_big:
            await self._refuse(send, int(declared) if declared and declared.isdigit() else size)
            return
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, send: Any, size: int) -> None:
        body = JSONResponse(error_body(
            "too_large", f"The request body is {size / 1e6:.1f} MB; the limit is "
                         f"{self.limit / 1e6:.0f} MB. Send a shorter recording."),
            status_code=413)
        await body({"type": "http"}, None, send)


def _replay(body: bytes, receive: Any) -> Any:
    """An ASGI ``receive`` that gives ``body`` once, then waits on the real one."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _audio_url(request: Request, audio_id: str, midi: bool = False) -> str:
    url = str(request.url_for("get_audio", audio_id=audio_id))
    return url + "?format=midi" if midi else url


def turn_response(request: Request, result: TurnResult) -> dict[str, Any]:
    """The turn record plus where each produced audio can be fetched."""
    audio = {name: {"audio_id": audio_id, "url": _audio_url(request, audio_id)}
             for name, audio_id in result.audio_ids.items()}
    has_midi = bool((result.record.get("music") or {}).get("midi_file"))
    midi_url = _audio_url(request, result.audio_ids["music"], midi=True) if has_midi else None
    return {**result.record, "ok": result.turn.ok, "audio": audio, "midi_url": midi_url}


def _add_routes(app: FastAPI, service: AgentService) -> None:
    @app.get("/api/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Is the agent up, are its models loaded, how many requests are waiting."""
        return {"status": "ok", "version": __version__, "loaded": service.loaded is not None,
                "fake": service.fake, "waiting": service.waiting}

    @app.get("/api/models", tags=["service"])
    def models() -> dict[str, Any]:
        """Each stage's model, and the stages that cannot run here (with the reason)."""
        return service.models()

    @app.post("/api/audio/generate", response_model=GenerateResponse, tags=["music"])
    def generate(body: GenerateRequest, request: Request) -> dict[str, Any]:
        """Music from a typed prompt; the responder rewrites the prompt first."""
        language = None if body.language == "auto" else body.language
        result = service.compose(body.prompt, body.options(), language)
        return {"audio_id": result.audio_id, "improved_prompt": result.improved_prompt,
                "audio_base64": base64.b64encode(result.wav_path.read_bytes()).decode("ascii"),
                "audio_url": _audio_url(request, result.audio_id),
                "midi_url": (_audio_url(request, result.audio_id, midi=True)
                             if result.midi_path else None),
                "request_id": result.request_id, "say": result.reply.say if result.reply else "",
                "plan": plan_to_dict(result.plan),
                "duration_s": round(result.clip.audio.duration_s, 3),
                "timings": {k: round(v, 4) for k, v in result.timings.items()}}

    @app.post("/api/turn", tags=["turn"])
    def turn(request: Request,
             file: UploadFile = File(..., description="the spoken request (WAV, FLAC, OGG, "
                                                      "MP3, M4A, WebM...)"),
             speaker_id: str | None = Form(None, max_length=64,
                                           description="enrolled speaker for the cloned voice"),
             language: Literal["auto", "en", "es"] = Form("auto"),
             session: str | None = Form(None, max_length=64,
                                        description="a conversation kept on disk with the "
                                                    "clip library: its turns, plans and "
                                                    "versions ('faster', 'undo', 'play "
                                                    "version 2')")
             ) -> JSONResponse:
        """One spoken request through the whole agent; the turn record with audio URLs."""
        audio = service.decode_request(file.file.read(), file.filename or "upload")
        result = service.turn(audio, request=file.filename or "upload",
                              language=None if language == "auto" else language,
                              speaker_id=speaker_id or None, session=session or None)
        body = turn_response(request, result)
        if result.turn.transcript is None:  # nothing was understood: the request's fault
            first = result.turn.errors[0] if result.turn.errors else None
            message = first.message if first else "The request could not be understood."
            return JSONResponse(error_body(first.kind if first else "failed", message, turn=body),
                                status_code=422)
        return JSONResponse(body)

    @app.get("/api/audio/{audio_id}", name="get_audio", tags=["music", "turn"],
             response_class=FileResponse)
    def get_audio(audio_id: str, format: Literal["wav", "midi"] = Query("wav")) -> FileResponse:
        """A produced clip or spoken reply as WAV, or a music clip's MIDI score."""
        path = service.audio_path(audio_id, midi=format == "midi")
        media = "audio/midi" if format == "midi" else "audio/wav"
        return FileResponse(path, media_type=media, filename=f"{audio_id}{path.suffix}")

    @app.get("/api/speakers", tags=["speakers"])
    def speakers() -> dict[str, Any]:
        """The enrolled speakers ("default" is the configured one)."""
        return {"speakers": ["default", *service.voices.speaker_ids()]}

    @app.post("/api/speakers", tags=["speakers"])
    def enrol(file: UploadFile = File(..., description="10-15 s of one person speaking")
              ) -> dict[str, Any]:
        """Check a speaker recording and build its cloned voice (minutes the first time)."""
        with tempfile.TemporaryDirectory(dir=service.store.root) as folder:
            upload = Path(folder) / Path(file.filename or "speaker.wav").name
            upload.write_bytes(file.file.read())
            return service.enrol(upload, file.filename or upload.name).as_dict()


def create_app(service: AgentService, docs_at_root: bool = True) -> FastAPI:
    """The FastAPI application around ``service`` (models loaded by the caller)."""
    app = FastAPI(title="voice_agent", version=__version__,
                  description="Say or type what music you want; get a reply, a clip and "
                              "the reply spoken in a cloned and a base voice. "
                              + ("FAKE MODE: no models run. " if service.fake else ""))
    app.state.service = service
    app.add_middleware(BodySizeLimit, limit=service.limits.max_upload_bytes + 64 * 1024)
    _install_error_handlers(app)
    _add_routes(app, service)
    if docs_at_root:
        app.add_api_route("/", lambda: RedirectResponse("/docs"), include_in_schema=False)
    return app
