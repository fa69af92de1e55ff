"""The HTTP behaviour every vendor connector shares: retries, Retry-After, client-side rate
limiting, timeouts, and errors that name the system, object and page but never a credential."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import requests

log = logging.getLogger("tieout.http")

RETRYABLE_STATUSES = {429, 500, 502, 503, 504}


class SourceSystemError(RuntimeError):
    """A source system refused or failed a request after every allowed retry."""

    def __init__(self, system: str, object_name: str, page: int | None, status: int | None, reason: str):
        self.system, self.object_name, self.page, self.status = system, object_name, page, status
        where = f"{object_name}" + (f" page {page}" if page is not None else "")
        code = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{system}: {code} on {where}: {reason}")


@dataclass
class RequestStats:
    """What one extraction or write batch cost, for asset metadata and benchmarks."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    waited_seconds: float = 0.0

    def add(self, other: RequestStats) -> None:
        self.requests += other.requests
        self.retries += other.retries
        self.pages += other.pages
        self.waited_seconds += other.waited_seconds


class ClientRateLimiter:
    """Stay under the vendor's published limit instead of discovering it through 429s."""

    def __init__(self, limit: int, window_seconds: float):
        self.limit, self.window = limit, window_seconds
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait_turn(self) -> float:
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                pause = self.window - (now - self._sent[0])
            time.sleep(pause)
            waited += pause


def _refused(exc: BaseException | None) -> bool:
    """Whether the connection was refused, somewhere down the chain requests and urllib3 wrap it in."""
    for _ in range(8):
        if exc is None or isinstance(exc, ConnectionRefusedError):
            return exc is not None
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None)
    return False


@dataclass
class ApiClient:
    """A `requests` session for one vendor, with the retry policy tieout applies to all of them."""

    system: str
    base_url: str
    headers: dict[str, str]
    limiter: ClientRateLimiter
    timeout_seconds: float = 30.0
    max_retries: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 60.0
    stats: RequestStats = field(default_factory=RequestStats)

    def __post_init__(self):
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "tieout (reconciliation pipeline)", **self.headers})

    def request_json(
        self,
        method: str,
        path_or_url: str,
        *,
        object_name: str,
        page: int | None = None,
        params: dict | None = None,
        json_body=None,
        extra_headers: dict | None = None,
    ):
        """Send one request, retrying transient failures; return the decoded JSON (None on 204)."""
        url = path_or_url if path_or_url.startswith("http") else self.base_url.rstrip("/") + path_or_url
        for attempt in range(self.max_retries + 1):
            self.stats.waited_seconds += self.limiter.wait_turn()
            self.stats.requests += 1
            try:
                response = self.session.request(
                    method, url, params=params, json=json_body, headers=extra_headers, timeout=self.timeout_seconds
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if self.stats.requests == 1 and _refused(exc):  # nothing listens there: a wrong URL, not bad luck
                    raise SourceSystemError(
                        self.system,
                        object_name,
                        page,
                        None,
                        f"connection refused at {self.base_url} (check its URL setting)",
                    ) from None
                failure, retry_after, status = f"{type(exc).__name__}", None, None
            else:
                status = response.status_code
                if status < 300:
                    decoded, failure = self._decode(response)
                    if failure is None:
                        return decoded
                    retry_after = None
                elif status in RETRYABLE_STATUSES:
                    failure, retry_after = self._vendor_message(response), response.headers.get("Retry-After")
                else:
                    raise SourceSystemError(self.system, object_name, page, status, self._vendor_message(response))
            if attempt == self.max_retries:
                raise SourceSystemError(
                    self.system, object_name, page, status, f"{failure} (gave up after {attempt + 1} attempts)"
                )
            pause = self._pause(attempt, retry_after)
            log.warning("%s %s page %s: %s; retrying in %.1fs", self.system, object_name, page, failure, pause)
            self.stats.retries += 1
            self.stats.waited_seconds += pause
            time.sleep(pause)
        raise AssertionError("unreachable")

    @staticmethod
    def _decode(response: requests.Response):
        """The body as JSON, or a reason why it is not usable (truncated, or an HTML page with 200)."""
        if response.status_code == 204 or not response.content:
            return None, None
        if "json" not in response.headers.get("Content-Type", ""):
            return None, f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}"
        try:
            return response.json(), None
        except (json.JSONDecodeError, requests.JSONDecodeError) as exc:
            return None, f"unreadable JSON ({exc.msg} at byte {exc.pos})"

    @staticmethod
    def _vendor_message(response: requests.Response) -> str:
        """The vendor's own error text, shortened; the request (and its token) is never echoed."""
        return response.text[:500].replace("\n", " ") or response.reason

    def _pause(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            return min(float(retry_after), self.max_backoff_seconds)
        # no Retry-After, or an HTTP-date one: exponential backoff of our own
        return min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds)
