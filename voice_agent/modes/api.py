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
                       (by music ``engine``); as multipart, the same fields and a
                       ``melody`` file (a hummed tune) the clip follows
``POST /api/turn``     multipart ``file`` (a spoken request), optional ``speaker_id``,
                       ``language``, ``session``, ``melody``, ``engine``, ``turn_id``
                       (yours, to cancel it): the whole turn record, with the URLs of the
                       audio it produced
``DELETE /api/turn/{turn_id}``  cancel that turn (waiting or running): it stops at its
                       next check point and its record says ``"cancelled": true``
``GET  /api/sessions``  the stored sessions; ``/api/sessions/{name}`` one with its
                       turns and numbered versions
``GET  /api/audio/{id}``  a produced WAV (``?format=midi`` for a clip's MIDI score)
``GET/POST /api/speakers``  list / enrol speaker recordings for the cloned voice
=====================  ==========================================================

Safe to run as a server (see docs/server.md): :class:`~voice_agent.modes.guard.Guard`
checks the Host header, the bearer token (``--token``) and the origin of browser
writes; :class:`~voice_agent.modes.guard.UploadLimit` caps each upload's bytes and
files while it streams in. Work waits in the service's one queue on its own few worker
threads, so ``/api/health`` and downloads (async, no worker thread) always answer. A POST
with an ``Idempotency-Key`` header is done once: a retry gets the stored answer.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import anyio
from fastapi import FastAPI, File, Form, Query, Request, UploadFile, WebSocket
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from voice_agent import __version__
from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.plan import plan_to_dict
from voice_agent.music.styles import RECIPES
from voice_agent.modes.guard import Access, Guard, UploadLimit
from voice_agent.service import AgentService, ComposeOptions, TurnResult
from voice_agent.service.agent import check_upload_name
from voice_agent.service.compose import MAX_PROMPT_CHARS
from voice_agent.service.errors import ConflictError, ServiceError, scrub_paths
from voice_agent.service.streamed import StreamedRequest

log = logging.getLogger(__name__)

#: Errors that describe the request rather than the server: answered 400, not 500.
INPUT_ERROR_KINDS = {"bad_audio", "too_long", "bad_speaker_clip", "bad_plan", "empty_request",
                     "unclear",
                     "bad_request"}
#: "No speech" is one answer whether the audio was silent (found before the models) or
#: noise (found by the recogniser): 422, the request was readable but held no request.
KIND_STATUS = {"no_speech": 422, "unclear": 422, "no_melody": 422}
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")
Genre = Literal[tuple(sorted(RECIPES))]  # type: ignore[valid-type]


class GenerateRequest(BaseModel):
    """A typed music request, with optional overrides of the plan the responder makes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"prompt": "relaxing jazz with piano", "duration_s": 10}]})

    prompt: str = Field(..., min_length=1, max_length=MAX_PROMPT_CHARS,
                        description="what music you want, in English or Spanish")
    language: Literal["auto", "en", "es"] = "auto"
    duration_s: float | None = Field(None, ge=1.0, le=60.0, description="clip length")
    seed: int | None = Field(None, ge=0, le=2**32 - 1,
                             description="0 to 4294967295; the same seed and plan give the "
                                         "same clip")
    genre: Genre | None = None
    bpm: int | None = Field(None, ge=40, le=220)
    key: str | None = Field(None, pattern=r"^[A-G][#b]?$", description="e.g. C, F#, Bb")
    mode: Literal["major", "minor"] | None = None
    engine: str | None = Field(None, max_length=32,
                               description="music engine, one of GET /api/models' "
                                           "music_engines (default: the first)")
    best_of: int | None = Field(None, ge=1, le=8, description="render N candidates "
                                "(consecutive seeds) and keep the best-scoring one")

    def options(self) -> ComposeOptions:
        """The overrides as the service takes them."""
        return ComposeOptions(duration_s=self.duration_s, seed=self.seed, genre=self.genre,
                              bpm=self.bpm, key=self.key, mode=self.mode,
                              best_of=self.best_of)


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
    engine: str = Field("", description="the music engine that made the clip")
    melody: dict[str, Any] | None = Field(None, description="what was heard in the melody: "
                                                            "notes, key, mode, bpm, seconds")
    clap_score: float | None = Field(None, description="cosine of CLAP's prompt and audio "
                                     "embeddings; null unless a CLAP model scored the clip")
    score: dict[str, Any] | None = Field(None, description="how the clip was scored: "
                                         "clap_score (scorer 'clap') or adherence_score "
                                         "(scorer 'audio-features': tempo, key, percussion "
                                         "measured against the plan), candidate scores "
                                         "with best_of; null when not scored")


MELODY_FIELD = "melody"
MELODY_HELP = ("a hummed, whistled, sung or played tune (WAV, FLAC, OGG, MP3, M4A, WebM...; "
               "1-30 s) the clip follows")


def generate_schemas() -> dict[str, Any]:
    """The two bodies ``POST /api/audio/generate`` takes, as OpenAPI component schemas:
    GenerateRequest (JSON) and GenerateForm (the same fields as multipart, with a
    ``melody`` file). The route reads its body itself to take both."""
    schema = GenerateRequest.model_json_schema()
    form = {**schema, "title": "GenerateForm",
            "properties": {**schema["properties"],
                           MELODY_FIELD: {"type": "string", "format": "binary",
                                          "description": MELODY_HELP}}}
    form.pop("examples", None)
    return {"GenerateRequest": schema, "GenerateForm": form}


GENERATE_BODY = {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/GenerateRequest"}},
    "multipart/form-data": {"schema": {"$ref": "#/components/schemas/GenerateForm"}}}}


def _add_generate_schemas(app: FastAPI) -> None:
    """Put :func:`generate_schemas` into the app's OpenAPI components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            components = build().setdefault("components", {})
            components.setdefault("schemas", {}).update(generate_schemas())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def read_generate(request: Request, max_bytes: int) -> tuple[GenerateRequest,
                                                                    bytes | None, str]:
    """The request's fields (JSON or multipart) and its melody file's bytes and name."""
    from pydantic import ValidationError

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    melody, name = None, "melody"
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form(max_files=1, max_fields=len(GenerateRequest.model_fields))
        fields = {k: v for k, v in form.items() if k != MELODY_FIELD and v != ""}
        upload = form.get(MELODY_FIELD)
        if isinstance(upload, str) and upload:
            raise ServiceError("'melody' must be a file (multipart file part), not text.")
        if upload is not None and not isinstance(upload, str):
            melody = await upload.read(max_bytes + 1)
            if not melody and not upload.filename:
                melody = None  # an HTML form's file input left empty: no melody
            else:
                name = check_upload_name(upload.filename or "melody")
    else:
        try:
            fields = json.loads(await request.body() or b"null")
        except ValueError as exc:
            raise RequestValidationError([{"loc": ("body",), "msg": f"JSON decode error: {exc}",
                                           "type": "json_invalid"}]) from None
    try:
        return GenerateRequest.model_validate(fields), melody, name
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors()]) from None


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one shape every error answer has."""
    return {"error": {"kind": kind, "message": message}, **extra}


def _error_status(exc: VoiceAgentError) -> int:
    status = getattr(exc, "status", None) or KIND_STATUS.get(exc.kind)
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
    async def agent_error(request: Request, exc: VoiceAgentError) -> JSONResponse:
        status = _error_status(exc)
        headers = {"Retry-After": "30"} if status == 503 else None
        # a Spanish client (Accept-Language: es) reads the message in Spanish where it has one
        lang = "es" if request.headers.get("accept-language", "").lower().startswith("es") \
            else "en"
        return JSONResponse(error_body(exc.kind, scrub_paths(exc.localized(lang))),
                            status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", _validation_message(exc)),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body("http", scrub_paths(str(exc.detail))[:300]),
                            status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return JSONResponse(error_body("internal", f"{type(exc).__name__}: "
                                                   f"{scrub_paths(str(exc))[:300]} (see the "
                                                   "server log)"), status_code=500)


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


class Worker:
    """Runs service calls on the API's own few threads, never the shared pool.

    A call waiting for the models holds one of these threads; there are a few more of
    them than the queue lets wait, so the queue's own refusal (503) is what a flood
    meets, and the shared pool (health, downloads, the web app) is never taken.
    """

    def __init__(self, service: AgentService) -> None:
        limits = service.limits
        self.limiter = anyio.CapacityLimiter(limits.max_waiting + limits.max_enrol_waiting + 4)

    async def run(self, work: Callable[[], Any]) -> Any:
        """``work()`` on a worker thread."""
        return await anyio.to_thread.run_sync(work, limiter=self.limiter)


async def idempotent(request: Request, service: AgentService, scope: str,
                     work: Callable[[], Any], worker: Worker) -> Any:
    """Run ``work`` once per ``Idempotency-Key``: a retry gets the stored answer."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return await worker.run(work)
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ServiceError("The Idempotency-Key header must be 1-128 printable ASCII "
                           "characters (e.g. a UUID).")
    store = service.idempotency
    stored = store.get(scope, key)
    if stored is not None:
        return JSONResponse(stored["body"], status_code=stored["status"],
                            headers={"Idempotent-Replayed": "true"})
    if not store.begin(scope, key):
        raise ConflictError("A request with this Idempotency-Key is still being worked on; "
                            "ask again when it has finished.")
    result = None
    try:
        response = await worker.run(work)
        if not isinstance(response, JSONResponse):
            response = JSONResponse(jsonable_encoder(response))
        result = {"status": response.status_code, "body": json.loads(response.body)}
        return response
    finally:
        store.finish(scope, key, result)


def _add_routes(app: FastAPI, service: AgentService) -> None:
    worker = Worker(service)

    @app.get("/api/health", tags=["service"])
    async def health() -> dict[str, Any]:
        """Is the agent up, are its models loaded, how many requests are waiting, and
        where the stages run (``engine``; with Ray, each deployment's replicas).

        Answered on the event loop: it never waits for the models or a worker thread.
        """
        return {"status": "ok", "version": __version__, "loaded": service.loaded is not None,
                "fake": service.fake, "waiting": service.waiting,
                **service.describe_engine()}

    @app.get("/api/models", tags=["service"])
    async def models() -> dict[str, Any]:
        """Each stage's model, and the stages that cannot run here (with the reason)."""
        return service.models()

    @app.post("/api/audio/generate", response_model=GenerateResponse, tags=["music"],
              openapi_extra={"requestBody": GENERATE_BODY})
    async def generate(request: Request) -> Any:
        """Music from a typed prompt; the responder rewrites the prompt first.

        JSON, or multipart with the same fields and a ``melody`` file: "hum a tune, get it
        as a bossa nova". The composer plays the tune as the lead line in the requested
        style, tempo and key; MusicGen-melody weights are conditioned on it. A silent or
        tuneless melody is refused (422 ``no_melody``), as is one under 1 s or over 30 s.
        ``engine`` picks a music engine (``GET /api/models``: ``music_engines``).
        Send an ``Idempotency-Key`` header to make a retry safe: it gets the stored answer.
        """
        body, melody_data, melody_name = await read_generate(request,
                                                             service.limits.max_upload_bytes)
        language = None if body.language == "auto" else body.language

        def work() -> dict[str, Any]:
            melody = (service.decode_melody(melody_data, melody_name)
                      if melody_data is not None else None)
            result = service.compose(body.prompt, body.options(), language, melody=melody,
                                     engine=body.engine)
            return generate_response(request, result)

        return await idempotent(request, service, "generate", work, worker)

    @app.post("/api/turn", tags=["turn"])
    async def turn(request: Request,
                   file: UploadFile = File(..., description="the spoken request (WAV, FLAC, "
                                                            "OGG, MP3, M4A, WebM...)"),
                   speaker_id: str | None = Form(None, max_length=64,
                                                 description="enrolled speaker (id or name) "
                                                             "for the cloned voice"),
                   language: Literal["auto", "en", "es"] = Form("auto"),
                   session: str | None = Form(None, max_length=64,
                                              description="a conversation kept on disk with "
                                                          "the clip library: its turns, plans "
                                                          "and versions ('faster', 'undo', "
                                                          "'play version 2')"),
                   melody: UploadFile | None = File(None, description=MELODY_HELP),
                   engine: str | None = Form(None, max_length=32,
                                             description="music engine (GET /api/models: "
                                                         "music_engines)"),
                   turn_id: str | None = Form(None, pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                              description="a name you choose for this turn, "
                                                          "to cancel it with DELETE "
                                                          "/api/turn/{turn_id}")
                   ) -> JSONResponse:
        """One spoken request through the whole agent; the turn record with audio URLs.

        Send an ``Idempotency-Key`` header to make a retry safe: a retry gets the stored
        answer and the clip is not stored in the library twice.
        """
        name = check_upload_name(file.filename or "upload")
        data = await file.read(service.limits.max_upload_bytes + 1)
        tune = None
        if melody is not None:
            tune = (check_upload_name(melody.filename or "melody"),
                    await melody.read(service.limits.max_upload_bytes + 1))

        def work() -> JSONResponse:
            audio = service.decode_request(data, name)
            tune_audio = service.decode_melody(tune[1], tune[0]) if tune else None
            result = service.turn(audio, request=name,
                                  language=None if language == "auto" else language,
                                  speaker_id=speaker_id or None, session=session or None,
                                  melody=tune_audio, engine=engine or None,
                                  ticket=f"api:{turn_id}" if turn_id else None)
            return turn_json(request, result)

        return await idempotent(request, service, "turn", work, worker)

    @app.get("/api/sessions", tags=["sessions"])
    def sessions() -> dict[str, Any]:
        """Every stored session (the ``session`` of ``POST /api/turn``, ``run --session``,
        ``talk`` and the web app), most recently used first; 409 when the library is off."""
        return {"sessions": [info.to_dict() for info in service.sessions()]}

    @app.get("/api/sessions/{name}", tags=["sessions"])
    def session(name: str = PathParam(..., max_length=64)) -> dict[str, Any]:
        """One stored session: its turns (request, reply, plan, clip, version) and its
        numbered versions with what changed, and the current version; 404 when unknown."""
        return service.session(name).to_dict()

    @app.websocket("/api/turn/stream")
    async def turn_stream(websocket: WebSocket, rate: int = 16_000,
                          language: Literal["auto", "en", "es"] = "auto",
                          speaker_id: str | None = None, session: str | None = None,
                          stream: bool = False) -> None:
        """A spoken request sent in pieces as it is recorded (see docs/server.md).

        Binary messages are PCM16 little-endian mono at ``rate``; the text message
        ``end`` closes the request. The answer is one JSON message, the same body as
        ``POST /api/turn`` (an ``error`` body on failure), then the socket closes.
        ``stream=true`` recognises while the audio arrives (off by default: slower on
        the 2-core CPUs measured).
        """
        await websocket.accept()
        spoken = None if language == "auto" else language
        pieces = None
        try:
            pieces = StreamedRequest(service.pipeline, rate, service.limits.max_request_s,
                                     stream, spoken)
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    pieces.close()
                    return
                if message.get("bytes") is not None:
                    pieces.add(message["bytes"])
                elif (message.get("text") or "").strip().lower() == "end":
                    break

            def work() -> JSONResponse:
                result = service.turn(pieces.audio(), request="stream", language=spoken,
                                      speaker_id=speaker_id or None, session=session or None,
                                      transcribe=pieces.transcriber())
                return turn_json(websocket, result)

            response = await worker.run(work)
            await websocket.send_text(response.body.decode("utf-8"))
        except VoiceAgentError as exc:
            if pieces is not None:
                pieces.close()
            await websocket.send_json(error_body(exc.kind, scrub_paths(str(exc))))
        await websocket.close()

    @app.delete("/api/turn/{turn_id}", tags=["turn"])
    async def cancel_turn(turn_id: str) -> JSONResponse:
        """Cancel the turn posted with this ``turn_id``: 202 when one was waiting or
        running (its answer comes back with ``"cancelled": true``), else 404."""
        if service.cancel(f"api:{turn_id}"):
            return JSONResponse({"turn_id": turn_id, "cancelling": True}, status_code=202)
        return JSONResponse(error_body("not_found", f"No turn '{turn_id[:64]}' is waiting or "
                                                    "running."), status_code=404)

    @app.get("/api/audio/{audio_id}", name="get_audio", tags=["music", "turn"],
             response_class=FileResponse)
    async def get_audio(audio_id: str,
                        format: Literal["wav", "midi"] = Query("wav")) -> FileResponse:
        """A produced clip or spoken reply as WAV, or a music clip's MIDI score.

        Answered on the event loop (the file streams asynchronously): never behind work.
        """
        path = service.audio_path(audio_id, midi=format == "midi")
        media = "audio/midi" if format == "midi" else "audio/wav"
        return FileResponse(path, media_type=media, filename=f"{audio_id}{path.suffix}")

    @app.get("/api/speakers", tags=["speakers"])
    async def speakers() -> dict[str, Any]:
        """The enrolled speakers ("default" is the configured one)."""
        return {"speakers": ["default", *service.voices.speaker_ids()],
                "names": service.voices.names()}

    @app.post("/api/speakers", tags=["speakers"])
    async def enrol(request: Request,
                    file: UploadFile = File(..., description="10-15 s of one person speaking")
                    ) -> Any:
        """Check a speaker recording and build its cloned voice (minutes the first time).

        It waits in the one queue with the other work (its own cap: more get 503).
        """
        name = check_upload_name(file.filename or "speaker.wav")
        data = await file.read(service.limits.max_upload_bytes + 1)

        def work() -> dict[str, Any]:
            service.check_size(len(data), "recording")
            with tempfile.TemporaryDirectory(dir=service.store.root) as folder:
                upload = Path(folder) / ("upload" + _suffix(name))  # never the client's name
                upload.write_bytes(data)
                return service.enrol(upload, name).as_dict()

        return await idempotent(request, service, "speakers", work, worker)


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".wav"


def generate_response(request: Request, result: Any) -> dict[str, Any]:
    """The JSON answer of ``POST /api/audio/generate``."""
    return {"audio_id": result.audio_id, "improved_prompt": result.improved_prompt,
            "audio_base64": base64.b64encode(result.wav_path.read_bytes()).decode("ascii"),
            "audio_url": _audio_url(request, result.audio_id),
            "midi_url": (_audio_url(request, result.audio_id, midi=True)
                         if result.midi_path else None),
            "request_id": result.request_id, "say": result.reply.say if result.reply else "",
            "plan": plan_to_dict(result.plan),
            "duration_s": round(result.clip.audio.duration_s, 3),
            "timings": {k: round(v, 4) for k, v in result.timings.items()},
            "engine": result.engine,
            "melody": result.melody.as_dict() if result.melody else None,
            **score_fields(result.clip.score)}


def score_fields(score: Any) -> dict[str, Any]:
    """``clap_score`` (only a CLAP score is ever given under that name) and ``score``."""
    if score is None:
        return {"clap_score": None, "score": None}
    return {"clap_score": round(score.value, 4) if score.scorer == "clap" else None,
            "score": score.as_dict()}


def turn_json(request: Request, result: TurnResult) -> JSONResponse:
    """The turn's answer: 200 with the record, or 422 when nothing was understood."""
    body = turn_response(request, result)
    if result.turn.transcript is None:  # nothing was understood: the request's fault
        first = result.turn.errors[0] if result.turn.errors else None
        message = first.message if first else "The request could not be understood."
        return JSONResponse(error_body(first.kind if first else "failed", scrub_paths(message),
                                       turn=body), status_code=422)
    return JSONResponse(body)


def _add_docs(app: FastAPI) -> None:
    """``/docs`` served offline: Swagger UI's files come from the fastapi-offline package."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    try:
        import fastapi_offline
    except ImportError:
        fastapi_offline = None
    if fastapi_offline is not None:
        from fastapi.staticfiles import StaticFiles

        static = Path(fastapi_offline.__file__).parent / "static"
        app.mount("/docs-static", StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if fastapi_offline is None:
            return HTMLResponse("<p>The API docs need the web extra: pip install "
                                "'voice-agent[web]'. The schema is at "
                                "<a href='/openapi.json'>/openapi.json</a>.</p>")
        return get_swagger_ui_html(openapi_url="/openapi.json", title="voice_agent API",
                                   swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-static/swagger-ui.css",
                                   swagger_favicon_url="/docs-static/favicon.png")


def _warm_up() -> None:
    """Import now what the first requests would import lazily on the event loop thread
    (anyio's thread backend, the multipart parser, the decoders): a first flood of
    uploads then finds nothing to import while health checks wait."""
    import python_multipart  # noqa: F401
    import soundfile  # noqa: F401

    from voice_agent.core import audio  # noqa: F401


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    await anyio.to_thread.run_sync(_warm_up)
    yield


def create_app(service: AgentService, docs_at_root: bool = True,
               access: Access = Access()) -> FastAPI:
    """The FastAPI application around ``service`` (models loaded by the caller).

    ``access`` says who may call it (see :mod:`voice_agent.modes.guard`); the default is
    loopback only, no token, same-origin.
    """
    app = FastAPI(title="voice_agent", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=_lifespan,
                  description="Say or type what music you want; get a reply, a clip and "
                              "the reply spoken in a cloned and a base voice. "
                              + ("FAKE MODE: no models run. " if service.fake else ""))
    app.state.service = service
    limits = service.limits
    # the outermost runs first: refuse strangers before reading their bodies
    app.add_middleware(UploadLimit, file_limit=limits.max_upload_bytes,
                       max_files=limits.max_upload_files)
    app.add_middleware(Guard, hosts=access.hosts(), token=access.token,
                       allow_origins=access.allow_origins)
    _install_error_handlers(app)
    _add_routes(app, service)
    _add_generate_schemas(app)
    _add_docs(app)
    if docs_at_root:
        app.add_api_route("/", lambda: RedirectResponse("/docs"), include_in_schema=False)
    return app
