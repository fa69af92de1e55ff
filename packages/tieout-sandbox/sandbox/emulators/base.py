"""What every vendor emulator shares: routing, auth hook, rate limiting, fault injection, request log.

A vendor emulator subclasses `Emulator`, declares its routes and its own error shapes; `serve()`
runs it on a loopback port in a daemon thread. Faults are injected by tests through
`emulator.faults` (or `TIEOUT_SANDBOX_FAULTS` for a whole process).
"""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from sandbox.store import SandboxStore

if TYPE_CHECKING:
    from sandbox.emulators.oauth import OAuthTokenServer


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the matched route
    raw_query: str = ""

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int
    body: object = None  # dict/list → JSON; str/bytes → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


Handler = Callable[[Request], Response]


@dataclass
class Faults:
    """Injectable misbehaviour. Counters are consumed one request at a time, in this order."""

    rate_limit_next: int = 0  # the next N requests get the vendor's 429 (a storm)
    server_error_next: int = 0  # the next N requests get a 5xx
    truncate_next: int = 0  # the next N successful responses are cut in half (invalid JSON)
    html_error_next: int = 0  # the next N requests get an HTML error page with status 200
    error_rate: float = 0.0  # otherwise, this share of requests gets a 503
    slow_seconds: float = 0.0  # every response is delayed this long
    outage_paths: tuple[str, ...] = ()  # requests under these path prefixes get a 503 until cleared (an outage)
    retry_after: int = 1  # seconds announced in Retry-After on injected 429/503
    seed: int = 7

    def __post_init__(self):
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def take(self, name: str) -> bool:
        with self._lock:
            remaining = getattr(self, name)
            if remaining > 0:
                setattr(self, name, remaining - 1)
                return True
            return False

    def roll_error(self) -> bool:
        with self._lock:
            return self.error_rate > 0 and self._random.random() < self.error_rate

    @classmethod
    def from_json(cls, text: str | None) -> Faults:
        return cls(**json.loads(text)) if text else cls()


class SlidingWindowLimiter:
    """The vendor's own request limit: at most `limit` requests per `window` seconds per key."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def admit(self, key: str) -> float:
        """0 if admitted, else the seconds until a slot frees up."""
        now = time.monotonic()
        with self._lock:
            hits = self._within_window(key, now)
            if len(hits) >= self.limit:
                return self.window - (now - hits[0])
            hits.append(now)
            return 0.0

    def used(self, key: str) -> int:
        """The requests admitted in the current window: what a vendor reports as usage against its limit."""
        with self._lock:
            return len(self._within_window(key, time.monotonic()))

    def _within_window(self, key: str, now: float) -> deque:
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        return hits


class Emulator:
    """Base class of a vendor emulator. Subclasses set `system`, add routes, and shape errors."""

    system = "vendor"
    oauth: OAuthTokenServer | None = None  # the vendor's token server, where the emulator has one

    def __init__(self, store: SandboxStore, faults: Faults | None = None, limiter: SlidingWindowLimiter | None = None):
        self.store = store
        self.faults = faults or Faults()
        self.limiter = limiter
        self._routes: list[tuple[str, re.Pattern, Handler]] = []

    # -- for subclasses --------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register `handler` for `method` and a path regex with named groups (anchored)."""
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def authenticate(self, request: Request) -> Response | None:
        """An error response when the request's credentials are wrong, else None."""
        return None

    def tenant_of(self, request: Request) -> str:
        return ""

    def error(self, status: int, message: str, code: str = "") -> Response:
        """The vendor's error shape."""
        return Response(status, {"error": code or str(status), "error_description": message})

    def rate_limited(self, retry_after: float) -> Response:
        return Response(
            429,
            {"error": "rate_limited", "error_description": "Too many requests"},
            {"Retry-After": str(max(1, round(retry_after)))},
        )

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        # The injected faults are the data API's: each vendor's token server is another host
        # (id.getharvest.com, oauth.platform.intuit.com, login.salesforce.com) that a night's first
        # request reaches before any data page, so a planted bad page must not land on it.
        token_server = self.oauth is not None and self.oauth.serves(request.path)
        injected = None if token_server else self._injected_fault(request)
        if injected is not None:
            return injected
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        if self.limiter is not None and not token_server:  # the data API's limit; the token host has its own
            wait = self.limiter.admit(self.tenant_of(request) or self.system)
            if wait > 0:
                return self.rate_limited(wait)
        allowed = []
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match:
                allowed.append(method)
                if method == request.method:
                    request.params = match.groupdict()
                    response = handler(request)
                    if response.status < 300 and not token_server and self.faults.take("truncate_next"):
                        body = response.encoded()
                        return Response(response.status, body[: len(body) // 2], response.headers)
                    return response
        if allowed:
            return self.error(405, f"Method {request.method} not allowed", "METHOD_NOT_ALLOWED")
        return self.error(404, f"No such resource: {request.path}", "NOT_FOUND")

    def _injected_fault(self, request: Request) -> Response | None:
        if self.faults.take("rate_limit_next"):
            return self.rate_limited(self.faults.retry_after)
        if (
            self.faults.take("server_error_next")
            or self.faults.roll_error()
            or request.path.startswith(tuple(self.faults.outage_paths))
        ):
            return Response(
                503,
                {"error": "service_unavailable", "error_description": "Injected fault"},
                {"Retry-After": str(self.faults.retry_after)},
            )
        if self.faults.take("html_error_next"):
            return Response(
                200, "<html><body><h1>Bad Gateway</h1></body></html>", content_type="text/html; charset=utf-8"
            )
        return None

    # -- serving ---------------------------------------------------------------------------
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> RunningEmulator:
        return RunningEmulator(self, host, port)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that hung up mid-request (a night stopped by Ctrl-C) is not the emulator's error:
        no traceback for it on the night's terminal. Anything else is reported as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RunningEmulator:
    """An emulator listening on loopback in a daemon thread; `base_url` says where."""

    def __init__(self, emulator: Emulator, host: str, port: int):
        self.emulator = emulator
        self.server = _Server((host, port), _handler_class(emulator))
        self.server.daemon_threads = True
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"{emulator.system}-emulator",
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _handler_class(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class VendorRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # the headers and the body leave in two writes: with Nagle's algorithm on, the body waited for the
        # client's delayed ACK, 40 ms a request on a kept-alive connection (a vendor's server sends at once)
        disable_nagle_algorithm = True

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                raw_query=parts.query,
            )
            try:
                response = emulator.handle(request)
            except Exception as exc:  # an emulator bug must surface as the vendor's 500, and be logged
                response = emulator.error(500, f"Internal error: {exc!r}", "INTERNAL_ERROR")
            if emulator.faults.slow_seconds:
                time.sleep(emulator.faults.slow_seconds)
            body = response.encoded()
            emulator.store.log_request(
                emulator.system,
                emulator.tenant_of(request),
                request.method,
                request.path,
                request.raw_query,
                response.status,
                # a vendor keeps no credentials in its request log: a token request's form holds them
                None
                if not request.body or (emulator.oauth and emulator.oauth.serves(request.path))
                else request.body.decode("utf-8", "replace"),
            )
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

        def log_message(self, format, *args):  # the request log is in the store
            pass

    return VendorRequestHandler
