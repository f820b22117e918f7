"""What stands in front of the API and the web app: who may call, from where, how much.

:class:`Guard` is an ASGI middleware wrapped around the whole server (API and the mounted
web app), applied before any route runs:

* **Host header** - only the names the server was bound to (and, on loopback, the
  loopback names) are answered, so a web page that re-points its own domain at
  127.0.0.1 (DNS rebinding) reaches nothing.
* **Token** - with a token set, every ``/api/`` call needs ``Authorization: Bearer
  <token>``; the web app asks for it once at its login page (Gradio auth).
* **Origins** - same-origin by default; ``allow_origins`` are answered with CORS
  headers. A browser's cross-site write (a form POST needs no preflight) is refused,
  and CORS headers granted by anything inside (Gradio trusts any localhost origin) are
  dropped for origins not allowed.

:class:`UploadLimit` bounds every upload route (``/api/`` and Gradio's upload) per
request: the body size and the number of files, counted while the body streams in, and
how many bodies are read at once.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_PORT = re.compile(r":\d{1,5}\Z")


@dataclass(frozen=True)
class Access:
    """Who may use the server: the address it is bound to, its token, other origins."""

    host: str = "127.0.0.1"
    token: str | None = None
    allow_origins: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()  # more Host-header names (e.g. a reverse proxy's)

    def hosts(self) -> frozenset[str]:
        """Host-header names answered."""
        return allowed_hosts(self.host, self.extra_hosts)


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_problem(host: str, token: str | None) -> str | None:
    """Why serving on ``host`` without a token is refused (None: it is fine)."""
    if token or is_loopback(host):
        return None
    return (f"refusing to serve on {host} without a token: anyone who can reach it could "
            "use the agent and delete your clips. Pass --token (or set VOICE_AGENT_TOKEN), "
            "or bind to 127.0.0.1.")


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host-header names answered when bound to ``host`` (ports are ignored)."""
    names = {host.strip("[]").lower(), *(h.lower() for h in extra)}
    if is_loopback(host) or host in ("0.0.0.0", "::"):
        names.update(LOOPBACK_NAMES)
    if host in ("0.0.0.0", "::") and not extra:
        names.add("*")  # every address of the machine; the token guards it (narrow it
        #                 with --allow-host)
    return frozenset(names)


def host_name(value: str) -> str:
    """The name part of a Host header (no port, no IPv6 brackets), lower case."""
    value = _PORT.sub("", value.strip().lower())
    return value.strip("[]")


def _json(status: int, kind: str, message: str,
          headers: list[tuple[bytes, bytes]] = ()) -> tuple[dict, dict]:
    body = json.dumps({"error": {"kind": kind, "message": message}}).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()), *headers]}
    return start, {"type": "http.response.body", "body": body}


async def refuse(send: Any, status: int, kind: str, message: str,
                 headers: list[tuple[bytes, bytes]] = ()) -> None:
    """Answer with the API's JSON error shape."""
    start, body = _json(status, kind, message, headers)
    await send(start)
    await send(body)


class Guard:
    """Host check, bearer token on ``/api/``, same-origin writes and CORS (module docstring)."""

    def __init__(self, app: Any, hosts: frozenset[str], token: str | None = None,
                 allow_origins: Iterable[str] = ()) -> None:
        self.app, self.hosts, self.token = app, hosts, token or None
        self.allow_origins = frozenset(o.rstrip("/").lower() for o in allow_origins)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers") or ()}
        host = host_name(headers.get("host", ""))
        if "*" not in self.hosts and host not in self.hosts:
            await refuse(send, 421, "bad_host", "This server does not answer to that host "
                         "name (Host header). Use the address it was started on.")
            return
        origin = headers.get("origin", "").rstrip("/").lower()
        allowed_origin = origin in self.allow_origins
        same_origin = not origin or _origin_host(origin) == headers.get("host", "").lower()
        if scope["type"] == "http" and scope["method"] == "OPTIONS" and origin:
            await self._preflight(send, origin if allowed_origin else None)
            return
        if scope["type"] == "websocket" or scope["method"] in WRITE_METHODS:
            cross_site = headers.get("sec-fetch-site", "") in ("cross-site", "same-site")
            if (not same_origin or cross_site) and not allowed_origin:
                await refuse(send, 403, "cross_origin", "Requests from other web sites are "
                             "refused. Start the server with --allow-origin to allow one.")
                return
        if self.token and scope["path"].startswith("/api/") and not self._authorised(headers):
            await refuse(send, 401, "unauthorised", "This server needs its token: send "
                         "'Authorization: Bearer <token>' (the --token it was started with).",
                         [(b"www-authenticate", b"Bearer")])
            return
        await self.app(scope, receive, self._cors(send, origin, allowed_origin))

    def _authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                   self.token.encode())

    async def _preflight(self, send: Any, origin: str | None) -> None:
        headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
        if origin:
            headers += [(b"access-control-allow-origin", origin.encode()),
                        (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                        (b"access-control-allow-headers",
                         b"Authorization, Content-Type, Idempotency-Key"),
                        (b"access-control-max-age", b"600")]
        await send({"type": "http.response.start", "status": 204 if origin else 403,
                    "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _cors(self, send: Any, origin: str, allowed: bool) -> Any:
        """``send`` with CORS headers set for an allowed origin and dropped otherwise."""
        async def guarded(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not k.lower().startswith(b"access-control-")]
                if allowed:
                    headers += [(b"access-control-allow-origin", origin.encode()),
                                (b"vary", b"Origin")]
                message = {**message, "headers": headers}
            await send(message)
        return guarded


def _origin_host(origin: str) -> str:
    """``http://host:port`` -> ``host:port``."""
    return origin.partition("://")[2]


class UploadLimit:
    """Per-request caps on upload routes: body bytes, files, and bodies read at once.

    The body is counted while it streams in and refused (413) as soon as it passes
    ``limit`` bytes or holds more than ``max_files`` files; an oversized body is read to
    its end (up to ``drain`` bytes, not kept) so the client sees the answer rather than
    a reset. At most ``max_bodies`` bodies are held at once; more are refused (503).
    """

    def __init__(self, app: Any, file_limit: int, max_files: int, max_bodies: int = 8,
                 prefixes: tuple[str, ...] = ("/api/", "/gradio_api/upload"),
                 drain: int = 256 * 1024 * 1024) -> None:
        # the body may hold the form's other fields and part headers besides the file
        self.app, self.file_limit, self.limit = app, file_limit, file_limit + 64 * 1024
        self.max_files = max_files
        self.max_bodies, self.prefixes, self.drain = max_bodies, prefixes, drain
        self.reading = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes) \
                or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        if self.reading >= self.max_bodies:
            await refuse(send, 503, "busy", "Too many uploads at once; try again in a "
                         "moment.", [(b"retry-after", b"5")])
            return
        self.reading += 1
        try:
            body = await self._read(scope, receive, send)
        finally:
            self.reading -= 1
        if body is not None:
            await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: dict, receive: Any, send: Any) -> bytes | None:
        """The whole body, or None once refused (or the client went away)."""
        headers = dict(scope.get("headers") or {})
        declared = headers.get(b"content-length", b"")
        size = int(declared) if declared.isdigit() else 0
        chunks: list[bytes] = []
        files, seen, more = 0, 0, True
        refused = size > self.limit
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            seen += len(chunk)
            refused = refused or seen > self.limit
            if not refused:
                # a part header split across two chunks is found by looking back a little
                tail = chunks[-1][-64:] if chunks else b""
                files += (tail + chunk).count(_FILE_PART) - tail.count(_FILE_PART)
                refused = files > self.max_files
                chunks.append(chunk)
            if refused:
                chunks.clear()  # read on to the end (bounded), keeping nothing
            more = message.get("more_body", False) and seen <= self.drain
        if files > self.max_files:
            await refuse(send, 413, "too_many_files", f"One request may carry at most "
                         f"{self.max_files} file(s); send them one at a time.")
            return None
        if refused:
            size = max(size, seen)
            await refuse(send, 413, "too_large", f"The upload is {size / 2**20:.1f} MiB; "
                         f"the limit is {self.file_limit / 2**20:.1f} MiB. Send a shorter "
                         "recording.")
            return None
        return b"".join(chunks)


_FILE_PART = b'; filename="'


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
