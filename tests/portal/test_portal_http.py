"""The portal's defences, over real HTTP: wrong passwords, expired sessions, forged CSRF tokens,
path traversal, queue separation, and what every response carries."""

import http.client
from urllib.parse import urlsplit

import requests

from corrections.approval import list_corrections
from tests.portal.conftest import FINANCE_CSV, NIGHT, PMO_CSV, WORKBOOK, csrf_of


def raw_get(url: str, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    """A GET whose path goes out byte for byte (no client-side dot-segment clean-up)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    if cookie:
        connection.putheader("Cookie", f"tieout_session={cookie}")
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def test_a_wrong_password_or_unknown_user_is_refused_and_audited(portal):
    for user, password in (("ana.finance", "ledger-owl-42"), ("nobody", "ledger-Owl-42"), ("ana.finance", "")):
        http = portal.sign_in(user, password)
        page = http.get(f"{portal.url}/reports")
        assert page.url.startswith(f"{portal.url}/login") and "Sign in" in page.text
    answer = portal.browser()
    token = csrf_of(answer.get(f"{portal.url}/login").text)
    refused = answer.post(f"{portal.url}/login", data={"username": "ana.finance", "password": "x", "csrf_token": token})
    assert refused.status_code == 401 and "Wrong user name or password." in refused.text
    failed = [e["actor"] for e in portal.audit() if e["action"] == "login_failed"]
    assert failed == ["ana.finance", "nobody", "ana.finance", "ana.finance"]
    assert not [e for e in portal.audit() if e["action"] == "login"]


def test_a_session_expires(portal):
    http = portal.sign_in("ana.finance")
    assert http.get(f"{portal.url}/reports/{NIGHT}/{WORKBOOK}").status_code == 200
    portal.clock.advance(29)
    assert http.get(f"{portal.url}/reports").status_code == 200
    portal.clock.advance(2)
    expired = http.get(f"{portal.url}/reports/{NIGHT}/{WORKBOOK}", allow_redirects=False)
    assert expired.status_code == 303 and expired.headers["Location"] == "/login?expired=1"
    assert "Your session expired: sign in again." in http.get(f"{portal.url}{expired.headers['Location']}").text
    assert http.get(f"{portal.url}/reports", allow_redirects=False).headers["Location"] == "/login"  # ended
    assert [e["action"] for e in portal.audit()].count("session_expired") == 1


def test_forged_or_missing_csrf_tokens_are_refused(portal):
    http = portal.sign_in("ana.finance")
    waiting = [c["correction_id"] for c in list_corrections(portal.warehouse, states=["proposed"], queues=["finance"])]
    other = portal.sign_in("ada.admin")
    others_token = csrf_of(other.get(f"{portal.url}/reports").text)
    for token in (None, "", "forged-token", others_token):
        data = {"action": "approve", "correction_id": waiting, **({"csrf_token": token} if token is not None else {})}
        answer = http.post(f"{portal.url}/corrections", data=data)
        assert answer.status_code == 403 and "not issued to your session" in answer.text
    assert all(
        c["state"] == "proposed" for c in list_corrections(portal.warehouse, states=["proposed"], queues=["finance"])
    )
    stranger = portal.browser()
    stranger.get(f"{portal.url}/login")
    signin = stranger.post(
        f"{portal.url}/login", data={"username": "ana.finance", "password": "ledger-Owl-42", "csrf_token": "forged"}
    )
    assert signin.status_code == 403 and stranger.get(f"{portal.url}/reports").url.endswith("/login")
    logout = http.post(f"{portal.url}/logout", data={"csrf_token": "forged"})
    assert logout.status_code == 403 and http.get(f"{portal.url}/reports").status_code == 200
    assert [e["action"] for e in portal.audit()].count("csrf_refused") == 6


TRAVERSALS = [
    f"/reports/{NIGHT}/../../../../etc/passwd",
    f"/reports/{NIGHT}/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    f"/reports/{NIGHT}/%2e%2e%2f%2e%2e%2fwarehouse.duckdb",
    f"/reports/{NIGHT}/..%252F..%252Fwarehouse.duckdb",
    f"/reports/{NIGHT}/..%5C..%5Cwarehouse.duckdb",
    f"/reports/{NIGHT}/....%2F%2F....%2F%2Fetc%2Fpasswd",
    f"/reports/{NIGHT}/%2Fetc%2Fpasswd",
    f"/reports/{NIGHT}/{WORKBOOK}%00.txt",
    f"/reports/{NIGHT}/manifest.json",
    f"/reports/{NIGHT}/secret.txt",
    f"/reports/..%2F..%2F/{WORKBOOK}",
    f"/reports/%2e%2e/{WORKBOOK}",
    f"/reports/{NIGHT}%2F..%2F..%2F/{WORKBOOK}",
]


def test_traversal_attempts_find_nothing(portal):
    (portal.config.reports_dir / NIGHT / "secret.txt").write_text("not in the manifest")
    http = portal.sign_in("ada.admin")
    for path in TRAVERSALS:
        status, body = raw_get(portal.url, path, http.cookies["tieout_session"])
        assert status == 404, (path, status)
        assert b"root:" not in body and b"not in the manifest" not in body and not body.startswith(b"PK"), path
    assert raw_get(portal.url, f"/reports/{NIGHT}/{WORKBOOK}", http.cookies["tieout_session"])[0] == 200


def test_traversal_attempts_that_reach_the_download_page_are_audited(portal):
    http = portal.sign_in("ada.admin")
    raw_get(portal.url, f"/reports/{NIGHT}/..%5C..%5Cwarehouse.duckdb", http.cookies["tieout_session"])
    raw_get(portal.url, f"/reports/{NIGHT}/..", http.cookies["tieout_session"])
    assert [(e["actor"], e["night"], e["file"]) for e in portal.audit() if e["action"] == "download_not_found"] == [
        ("ada.admin", NIGHT, "..\\..\\warehouse.duckdb"),
        ("ada.admin", NIGHT, ".."),
    ]


def test_each_role_gets_only_its_queues_files(portal):
    pmo = portal.sign_in("piet.pmo")
    night = pmo.get(f"{portal.url}/reports/{NIGHT}").text
    assert PMO_CSV in night and FINANCE_CSV not in night and WORKBOOK not in night
    for name in (FINANCE_CSV, WORKBOOK):
        refused = pmo.get(f"{portal.url}/reports/{NIGHT}/{name}")
        assert refused.status_code == 403 and "not yours" in refused.text
    assert pmo.get(f"{portal.url}/reports/{NIGHT}/{PMO_CSV}").status_code == 200
    finance = portal.sign_in("ana.finance")
    assert finance.get(f"{portal.url}/reports/{NIGHT}/{PMO_CSV}").status_code == 403
    downloads = [(e["actor"], e["action"], e["file"]) for e in portal.audit() if e["action"].startswith("download")]
    assert downloads == [
        ("piet.pmo", "download_refused", FINANCE_CSV),
        ("piet.pmo", "download_refused", WORKBOOK),
        ("piet.pmo", "download", PMO_CSV),
        ("ana.finance", "download_refused", PMO_CSV),
    ]


def test_a_download_is_an_attachment_with_a_safe_name_and_strict_headers(portal):
    answer = portal.sign_in("ana.finance").get(f"{portal.url}/reports/{NIGHT}/{FINANCE_CSV}")
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{FINANCE_CSV}"'
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.content.startswith("\ufefffinding_id,".encode())
    cookie = next(c for c in requests.get(f"{portal.url}/login").headers.get("Set-Cookie", "").split(",") if c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_role_decides_only_corrections_in_its_queues(portal):
    finance_waiting = [
        c["correction_id"] for c in list_corrections(portal.warehouse, states=["proposed"], queues=["finance"])
    ]
    pmo = portal.sign_in("piet.pmo")
    page = pmo.get(f"{portal.url}/corrections")
    assert "Nothing waits for your approval." in page.text
    answer = pmo.post(
        f"{portal.url}/corrections",
        data={"action": "approve", "correction_id": finance_waiting, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 403
    assert [
        c["state"]
        for c in list_corrections(portal.warehouse, queues=["finance"])
        if c["correction_id"] in finance_waiting
    ] == ["proposed"]


def test_a_rejection_needs_a_reason_and_lands_in_the_outbox(portal):
    admin = portal.sign_in("ada.admin")
    sales = [c["correction_id"] for c in list_corrections(portal.warehouse, states=["proposed"], queues=["sales_ops"])]
    page = admin.get(f"{portal.url}/corrections")
    empty = admin.post(
        f"{portal.url}/corrections", data={"action": "reject", "correction_id": sales, "csrf_token": csrf_of(page.text)}
    )
    assert "A rejection needs a reason." in empty.text
    done = admin.post(
        f"{portal.url}/corrections",
        data={
            "action": "reject",
            "correction_id": sales,
            "reason": "not the same customer",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert f"Rejected 1 correction: {sales[0]}" in done.text and 'data-state="rejected"' in done.text
    decided = {c["correction_id"]: c for c in list_corrections(portal.warehouse)}[sales[0]]
    assert decided["state"] == "rejected" and decided["last_error"] == "rejected: not the same customer"
    assert [(e["actor"], e["corrections"]) for e in portal.audit() if e["action"] == "reject"] == [("ada.admin", sales)]
