"""The vendor client against a scripted server on loopback: how long it waits before a retry
(Retry-After in both forms, jittered backoff otherwise), which requests it dares send again, and
errors that never carry the credential."""

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from resources.http import ApiClient, ClientRateLimiter, SourceSystemError, full_jitter, retry_after_seconds
from sandbox.emulators.base import SlidingWindowLimiter

TOKEN = "s3cret-access-token"
OK = {"status": 200, "body": {"ok": True}}


@dataclass
class Vendor:
    """Answers each request with the next scripted answer: a dict of status, headers, body, and
    `stall` seconds before answering. Keeps what it was sent."""

    answers: list[dict]
    received: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    window: SlidingWindowLimiter | None = None  # the vendor's rate limit, counted as each stall ends

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        self.received.append((handler.command, handler.path))
        scripted = self.answers.pop(0) if self.answers else {"status": 500, "body": "no answer scripted"}
        time.sleep(scripted.get("stall", 0.0))
        wait = self.window.admit("account") if self.window else 0.0
        if wait:  # turned away: the scripted answer is the next request's
            self.answers.insert(0, {key: value for key, value in scripted.items() if key != "stall"})
            scripted = {"status": 429, "headers": {"Retry-After": f"{wait:.3f}"}}
        body = json.dumps(scripted.get("body", {})).encode()
        try:
            handler.send_response(scripted["status"])
            for name, value in {"Content-Type": "application/json", **scripted.get("headers", {})}.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out while we stalled
            pass


@pytest.fixture
def vendor():
    scripted = Vendor([])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            scripted.answer(self)

        do_POST = do_PATCH = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    scripted.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield scripted
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def never_jitter(ceiling: float) -> float:
    raise AssertionError("the vendor said how long to wait: no backoff of our own")


def client(vendor: Vendor, **settings) -> ApiClient:
    return ApiClient(
        "harvest", vendor.url, {"Authorization": f"Bearer {TOKEN}"}, ClientRateLimiter(100, 1.0), **settings
    )


def test_retry_after_in_seconds_is_waited_as_asked(vendor):
    vendor.answers = [{"status": 429, "headers": {"Retry-After": "1"}}, OK]
    harvest = client(vendor, jitter=never_jitter)
    assert harvest.request_json("GET", "/v2/clients", object_name="clients", page=1) == {"ok": True}
    assert (harvest.stats.retries, harvest.stats.waited_seconds) == (1, 1.0)


def test_a_request_the_vendor_counted_late_does_not_open_the_next_window_early(vendor):
    """The vendor counts a request when it gets to it: here the first 0.3 s after it was sent (a busy
    server). The client's window runs from each answer: counted from the sending, the third request
    arrived 0.7 s after the vendor had counted the first, and was turned away with a 429."""
    vendor.window = SlidingWindowLimiter(2, 1.0)
    vendor.answers = [{**OK, "stall": 0.3}, OK, OK]
    harvest = ApiClient("harvest", vendor.url, {"Authorization": f"Bearer {TOKEN}"}, ClientRateLimiter(2, 1.0))
    for page in (1, 2, 3):
        assert harvest.request_json("GET", "/v2/clients", object_name="clients", page=page) == {"ok": True}
    assert (harvest.stats.requests, harvest.stats.retries) == (3, 0)
    assert 0.5 < harvest.stats.waited_seconds < 1.3  # the third waited for the first's answer to be a second old


@pytest.mark.parametrize("offset, waited", [(timedelta(hours=1), 0.25), (timedelta(hours=-1), 0.0)])
def test_retry_after_as_an_http_date_waits_until_then_at_most_the_maximum(vendor, offset, waited):
    until = format_datetime(datetime.now(UTC) + offset, usegmt=True)
    vendor.answers = [{"status": 503, "headers": {"Retry-After": until}}, OK]
    harvest = client(vendor, jitter=never_jitter, max_backoff_seconds=0.25)
    assert harvest.request_json("GET", "/v2/clients", object_name="clients") == {"ok": True}
    assert (harvest.stats.retries, harvest.stats.waited_seconds) == (1, waited)


def test_retry_after_is_read_in_both_its_forms():
    now = datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Fri, 20 Nov 2026 08:01:30 GMT", now) == 90.0
    assert retry_after_seconds("Fri, 20 Nov 2026 08:01:30 -0000", now) == 90.0
    assert retry_after_seconds("Fri, 20 Nov 2026 07:59:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_backoff_without_retry_after_doubles_up_to_the_maximum_and_is_jittered_below_it(vendor):
    vendor.answers = [{"status": 503}] * 4 + [OK]
    ceilings: list[float] = []

    def half(ceiling: float) -> float:
        ceilings.append(ceiling)
        return ceiling / 2

    harvest = client(vendor, backoff_seconds=0.01, max_backoff_seconds=0.04, jitter=half)
    assert harvest.request_json("GET", "/v2/clients", object_name="clients") == {"ok": True}
    assert ceilings == [0.01, 0.02, 0.04, 0.04]
    assert harvest.stats.waited_seconds == pytest.approx(sum(ceilings) / 2)


def test_the_default_jitter_spreads_pauses_over_zero_to_the_ceiling():
    draws = [full_jitter(2.0) for _ in range(200)]
    assert all(0.0 <= d <= 2.0 for d in draws)
    assert min(draws) < 0.5 and max(draws) > 1.5


@pytest.mark.parametrize(
    "method, idempotent, first, sent",
    [
        ("POST", None, {"status": 503}, 1),  # may have been applied: the caller reads back first
        ("POST", None, {"status": 200, "stall": 1.0}, 1),  # timed out: the same
        ("POST", None, {"status": 429, "headers": {"Retry-After": "0"}}, 2),  # turned away unread
        ("POST", True, {"status": 503}, 2),  # made idempotent by the caller (QuickBooks' requestid)
        ("PATCH", None, {"status": 503}, 2),
        ("GET", None, {"status": 200, "stall": 1.0}, 2),
    ],
)
def test_a_request_that_may_have_been_applied_is_sent_again_only_if_repeating_it_is_harmless(
    vendor, method, idempotent, first, sent
):
    vendor.answers = [first, OK]
    harvest = client(vendor, timeout_seconds=0.3, backoff_seconds=0.0)
    path = "/v2/invoices/7/payments"

    def send():
        return harvest.request_json(method, path, object_name="payments", json_body={}, idempotent=idempotent)

    if sent == 1:
        with pytest.raises(SourceSystemError, match=f"not resent: the {method} may have been applied"):
            send()
    else:
        assert send() == {"ok": True}
    assert vendor.received == [(method, path)] * sent


def test_a_post_that_never_reached_the_vendor_is_sent_again(vendor):
    vendor.answers = [OK]
    harvest = client(vendor, max_retries=2, backoff_seconds=0.0)
    harvest.request_json("GET", "/v2/users/me", object_name="users")  # connected once: a refusal now is bad luck
    nobody = f"http://127.0.0.1:{free_port()}/v2/invoices/7/payments"
    with pytest.raises(SourceSystemError, match="gave up after 3 attempts"):
        harvest.request_json("POST", nobody, object_name="payments", json_body={})
    assert harvest.stats.requests == 1 + 3


@pytest.mark.parametrize("status", [401, 500])
def test_a_vendor_echoing_the_token_does_not_put_it_in_the_error(vendor, status):
    vendor.answers = [{"status": status, "body": {"error": f"token Bearer {TOKEN} is not valid here"}}] * 3
    harvest = client(vendor, max_retries=2, backoff_seconds=0.0)
    with pytest.raises(SourceSystemError) as refused:
        harvest.request_json("GET", "/v2/clients", object_name="clients", page=2)
    assert str(refused.value).startswith(f"harvest: HTTP {status} on clients page 2: ")
    assert "token Bearer *** is not valid here" in str(refused.value)
    assert TOKEN not in str(refused.value)
