"""The HTTP behaviour every vendor connector shares: retries, Retry-After, client-side rate
limiting, timeouts, and errors that name the system, object and page but never a credential.

Hand-written rather than urllib3's `Retry` or tenacity: what counts as a failure is vendor-shaped
(an HTML page or a truncated body with 200, a 403 that is Salesforce's daily limit), and whether a
request may be sent again depends on what it does, not only on its method."""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests
from urllib3.exceptions import ConnectTimeoutError

log = logging.getLogger("tieout.http")

RETRYABLE_STATUSES = {429, 500, 502, 503, 504}
# Sending one of these twice leaves the vendor as sending it once. PATCH is not idempotent in general;
# tieout's PATCHes set fields to values, so it is here. POST is not: a payment posted twice is two.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})


class SourceSystemError(RuntimeError):
    """A source system refused or failed a request after every allowed retry."""

    def __init__(self, system: str, object_name: str, page: int | None, status: int | None, reason: str):
        self.system, self.object_name, self.page, self.status, self.reason = system, object_name, page, status, reason
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
    """Stay under the vendor's published limit instead of discovering it through 429s.

    The vendor counts a request when it arrives, somewhere between our sending it and its answer
    coming back; a request holds its place in the window until `window_seconds` after its answer.
    Counted from the sending, the next window's first request could arrive a moment before the
    vendor's window had moved on (1-11 429s a night at full size)."""

    IN_FLIGHT = math.inf  # a sent request's place until its answer comes back
    POLL_SECONDS = 0.01  # how often a request waits for one in flight when all places are taken

    def __init__(self, limit: int, window_seconds: float):
        self.limit, self.window = limit, window_seconds
        self._places: deque[list[float]] = deque()  # [answered at], in sending order
        self._lock = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[float]:
        """Send one request inside: waits for a place in the window (yields the seconds waited) and
        keeps the place until the window has passed from the answer (or the failure)."""
        waited, place = self._take_place()
        try:
            yield waited
        finally:
            with self._lock:
                place[0] = time.monotonic()

    def _take_place(self) -> tuple[float, list[float]]:
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                self._places = deque(place for place in self._places if now - place[0] < self.window)
                if len(self._places) < self.limit:
                    place = [self.IN_FLIGHT]
                    self._places.append(place)
                    return waited, place
                oldest = min(place[0] for place in self._places)
                pause = self.POLL_SECONDS if oldest == self.IN_FLIGHT else self.window - (now - oldest)
            time.sleep(pause)
            waited += pause


_account_windows: dict[tuple, ClientRateLimiter] = {}
_account_windows_lock = threading.Lock()


def account_limiter(*account: str, limit: int, window_seconds: float) -> ClientRateLimiter:
    """The window of one vendor account (system, address, account or tenant) in this process. The
    vendor counts every request the account sends, whichever client sent it: a new client per object,
    each with an empty window of its own, sent an object's first requests as if the last object's had
    not counted (15 429s in a full-size night, in the first pages of Harvest's and QuickBooks' objects)."""
    with _account_windows_lock:
        return _account_windows.setdefault((*account, limit, window_seconds), ClientRateLimiter(limit, window_seconds))


def _caused_by(exc: BaseException | None, *causes: type[BaseException]) -> bool:
    """Whether one of `causes` is somewhere down the chain requests and urllib3 wrap errors in."""
    for _ in range(8):
        if exc is None or isinstance(exc, causes):
            return exc is not None
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None)
    return False


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a `Retry-After` header asks for, in either of its forms (RFC 9110 10.2.3): seconds,
    or an HTTP-date (a date already past asks for none). None when absent or unreadable."""
    value = (value or "").strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # `-0000`: the date is UTC, the sender just does not say where it is
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def full_jitter(ceiling: float) -> float:
    """A pause drawn evenly from [0, ceiling], so that clients failing together do not retry together."""
    return random.uniform(0.0, ceiling)


class BearerToken(Protocol):
    """Where a client gets the access token it sends (resources/tokens.py)."""

    def current(self) -> str:
        """The access token to send now (refreshed first when it is about to expire)."""
        ...

    def renew(self, rejected: str) -> bool:
        """The vendor said `rejected` has expired: get another; False when this token cannot be renewed."""
        ...


@dataclass
class ApiClient:
    """A `requests` session for one vendor, with the retry policy tieout applies to all of them. Its
    bearer token comes from `token` when given (else `headers` authenticate): a 401 whose body holds
    `expiry_marker` (any 401 when empty) means it expired, and is renewed once, the request sent again."""

    system: str
    base_url: str
    headers: dict[str, str]
    limiter: ClientRateLimiter
    timeout_seconds: float = 30.0
    max_retries: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 60.0
    stats: RequestStats = field(default_factory=RequestStats)
    jitter: Callable[[float], float] = full_jitter  # the pause before a retry, given its ceiling
    token: BearerToken | None = None
    expiry_marker: str = ""
    # a 429 without Retry-After: the wait the vendor's body asks for (HubSpot names its policy), math.inf
    # for a limit no wait tonight frees (not retried), None for the backoff
    rate_limit_wait: Callable[[requests.Response], float | None] | None = None

    def __post_init__(self):
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "tieout (reconciliation pipeline)", **self.headers})
        self._sent_tokens: list[str] = []  # every bearer token sent, masked in error messages

    def request_json(
        self,
        method: str,
        path_or_url: str,
        *,
        object_name: str,
        page: int | None = None,
        params: dict | None = None,
        json_body=None,
        form: dict | None = None,
        extra_headers: dict | None = None,
        idempotent: bool | None = None,
    ):
        """Send one request, retrying transient failures; return the decoded JSON (None on 204).

        A request that is not `idempotent` (by default: a POST) is sent again only when the vendor
        cannot have acted on it: a 429, or no connection made. After a timeout, a dropped connection,
        a 5xx or an unreadable 2xx it may have been applied, so the error goes to the caller, which
        reads the record back before trying again (the writeback does)."""
        url = path_or_url if path_or_url.startswith("http") else self.base_url.rstrip("/") + path_or_url
        resendable = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        for attempt in range(self.max_retries + 1):
            try:
                sent = dict(method=method, url=url, params=params, json=json_body, data=form, headers=extra_headers)
                response = self._send_in_turn(sent)
                if self._expired(response):  # not acted on: the same request again with a new token
                    response = self._send_in_turn(sent)
            except (requests.ConnectionError, requests.Timeout) as exc:
                # refused at the first request: nothing listens there, a wrong URL rather than bad luck
                if self.stats.requests == 1 and _caused_by(exc, ConnectionRefusedError):
                    raise SourceSystemError(
                        self.system,
                        object_name,
                        page,
                        None,
                        f"connection refused at {self.base_url} (check its URL setting)",
                    ) from None
                failure, retry_after, status = f"{type(exc).__name__}", None, None
                unsent = _caused_by(exc, ConnectTimeoutError, ConnectionRefusedError)
            else:
                status = response.status_code
                if status < 300:
                    decoded, failure = self._decode(response)
                    if failure is None:
                        return decoded
                    retry_after, unsent = None, False
                elif status in RETRYABLE_STATUSES:
                    failure, retry_after = self._vendor_message(response), response.headers.get("Retry-After")
                    unsent = status == 429  # a rate limit turns the request away before acting on it
                    if unsent and retry_after is None and self.rate_limit_wait is not None:
                        wait = self.rate_limit_wait(response)
                        if wait == math.inf:
                            raise SourceSystemError(self.system, object_name, page, status, f"{failure} (not retried)")
                        retry_after = None if wait is None else str(wait)
                else:
                    raise SourceSystemError(self.system, object_name, page, status, self._vendor_message(response))
            if not (resendable or unsent):
                raise SourceSystemError(
                    self.system,
                    object_name,
                    page,
                    status,
                    f"{failure} (not resent: the {method} may have been applied)",
                )
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

    def _send_in_turn(self, sent: dict) -> requests.Response:
        with self.limiter.turn() as waited:
            self.stats.waited_seconds += waited
            self.stats.requests += 1
            return self._send(sent)

    def _send(self, sent: dict) -> requests.Response:
        headers = sent["headers"]
        if self.token is not None:
            bearer = self.token.current()
            if bearer not in self._sent_tokens:
                self._sent_tokens.append(bearer)
            headers = {**(headers or {}), "Authorization": f"Bearer {bearer}"}
        return self.session.request(**{**sent, "headers": headers}, timeout=self.timeout_seconds)

    def _expired(self, response: requests.Response) -> bool:
        """A 401 saying the access token expired, and a new one got: worth sending the request again."""
        if response.status_code != 401 or self.token is None or self.expiry_marker not in response.text:
            return False
        return self.token.renew(self._sent_tokens[-1])

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

    def _vendor_message(self, response: requests.Response) -> str:
        """The vendor's own error text, shortened, with any credential it echoes masked."""
        message = response.text[:500].replace("\n", " ") or response.reason
        configured = [
            value.rpartition(" ")[2] for name, value in self.headers.items() if name.lower() == "authorization"
        ]
        for token in [*configured, *self._sent_tokens]:  # `Bearer <token>`: the token
            if token:
                message = message.replace(token, "***")
        return message

    def _pause(self, attempt: int, retry_after: str | None) -> float:
        """What the vendor asked for, or else exponential backoff with jitter; never over the maximum."""
        asked = retry_after_seconds(retry_after)
        if asked is not None:
            return min(asked, self.max_backoff_seconds)
        return self.jitter(min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds))
