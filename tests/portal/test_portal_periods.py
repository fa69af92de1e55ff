"""Period sign-off over HTTP and in Chromium (docs/decisions.md 26): finance signs off a legal entity's
month on /periods, stored with the figures it certified and locked; a second sign-off, a month with an
unexplained remainder, a month not over and a stale night are refused; a role that does not sign off,
a forged form and a foreign Origin are refused and audited."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import duckdb
from argon2 import PasswordHasher

from portal.config import Role, User
from portal.server import running_portal
from tests.portal.browser import shown, sign_in, submit
from tests.portal.conftest import NIGHT, PASSWORDS, csrf_of
from tests.portal.test_portal_findings import browser  # noqa: F401 (the fixture)

FIGURES = ("psa_billed", "erp_invoiced", "difference", "explained_by_findings", "unexplained")


def ended_months(portal) -> list[tuple[str, object]]:
    """(legal entity, month) of the stand-in tie-out's months that ended before its night."""
    night = portal.written["tieout"][0]["snapshot_date"]
    return sorted(
        {(c["legal_entity"], c["month"]) for c in portal.written["tieout"] if c["month"] < night.replace(day=1)}
    )


def cells_of(portal, legal_entity: str, month) -> list[dict]:
    return [c for c in portal.written["tieout"] if (c["legal_entity"], c["month"]) == (legal_entity, month)]


def sign(http, portal, legal_entity: str, month, night: str = NIGHT, **headers):
    token = csrf_of(http.get(f"{portal.url}/periods").text)
    form = {"csrf_token": token, "night": night, "legal_entity": legal_entity, "month": month.isoformat()}
    return http.post(f"{portal.url}/periods", data=form, headers=headers)


def signoffs(portal) -> list[tuple]:
    with duckdb.connect(str(portal.warehouse), read_only=True) as db:
        return db.execute(
            "SELECT signoff_number, actor, snapshot_date, legal_entity, month, currency, psa_billed, erp_invoiced, "
            "difference, explained, unexplained FROM workbench.period_signoffs ORDER BY ALL"
        ).fetchall()


def refusals(portal) -> list[tuple]:
    return [(e["actor"], e["action"], e.get("reason")) for e in portal.audit() if "refused" in e["action"]]


def test_finance_signs_off_a_month_which_is_then_locked(portal):
    legal_entity, month = ended_months(portal)[0]
    http = portal.sign_in("ana.finance")
    before = http.get(f"{portal.url}/periods").text
    assert f'id="period-{legal_entity}-{month:%Y-%m}" data-state="signable"' in before

    signed = sign(http, portal, legal_entity, month)
    assert signed.url == f"{portal.url}/periods?night={NIGHT}"
    assert f"Signed off {legal_entity} {month:%B %Y}: it is locked." in signed.text
    assert f'id="period-{legal_entity}-{month:%Y-%m}" data-state="signed"' in signed.text
    assert "Signed off by ana.finance at " in signed.text
    cells = cells_of(portal, legal_entity, month)
    stored = signoffs(portal)
    assert [row[1:] for row in stored] == [
        ("ana.finance", cells[0]["snapshot_date"], legal_entity, month, c["currency"], *(c[f] for f in FIGURES))
        for c in cells
    ]
    assert len({row[0] for row in stored}) == 1

    again = sign(http, portal, legal_entity, month)
    assert again.status_code == 409
    assert f"{legal_entity} {month:%B %Y} was already signed off by ana.finance at " in again.text
    assert "a certified month is locked" in again.text
    assert signoffs(portal) == stored
    [done] = [e for e in portal.audit() if e["action"] == "period_signed_off"]
    assert (done["actor"], done["legal_entity"], done["month"], done["night"]) == (
        "ana.finance",
        legal_entity,
        month.isoformat(),
        NIGHT,
    )
    assert [(c["currency"], Decimal(c["psa_billed"]), Decimal(c["unexplained"])) for c in done["cells"]] == [
        (c["currency"], c["psa_billed"], c["unexplained"]) for c in cells
    ]
    assert refusals(portal) == [("ana.finance", "period_signoff_refused", "signed")]


def test_a_month_with_an_unexplained_remainder_is_refused(portal):
    legal_entity, month = ended_months(portal)[0]
    [cell] = cells_of(portal, legal_entity, month)
    remainder = Decimal("37.45")
    with duckdb.connect(str(portal.warehouse)) as db:
        db.execute(
            "UPDATE recon.tieout SET unexplained = ? WHERE legal_entity = ? AND month = ?",
            [remainder, legal_entity, month],
        )
    http = portal.sign_in("ana.finance")
    page = http.get(f"{portal.url}/periods").text
    assert f'id="period-{legal_entity}-{month:%Y-%m}" data-state="blocked"' in page
    assert f"blocked: {cell['currency']} {remainder:,.2f} unexplained" in page
    assert f'id="sign-{legal_entity}-{month:%Y-%m}"' not in page

    refused = sign(http, portal, legal_entity, month)
    assert refused.status_code == 409
    assert f"{legal_entity} {month:%B %Y} cannot be signed off: {cell['currency']} {remainder:,.2f} unexplained" in (
        refused.text
    )
    assert signoffs(portal) == []
    assert refusals(portal) == [("ana.finance", "period_signoff_refused", "unexplained")]


def test_a_month_not_over_or_a_stale_night_is_refused(portal):
    night = portal.written["tieout"][0]["snapshot_date"]
    open_entity, open_month = ended_months(portal)[0][0], night.replace(day=1)
    assert cells_of(portal, open_entity, open_month)  # the stand-in has the night's own month too
    http = portal.sign_in("ana.finance")
    assert f'id="period-{open_entity}-{open_month:%Y-%m}" data-state="open"' in http.get(f"{portal.url}/periods").text
    not_over = sign(http, portal, open_entity, open_month)
    assert not_over.status_code == 409 and f"has not ended on the night of {NIGHT}" in not_over.text

    later = night + timedelta(days=1)
    with duckdb.connect(str(portal.warehouse)) as db:
        db.execute(
            "INSERT INTO recon.tieout SELECT * REPLACE (?::DATE AS snapshot_date) FROM recon.tieout "
            "WHERE snapshot_date = ?",
            [later, night],
        )
    legal_entity, month = ended_months(portal)[0]
    stale = sign(http, portal, legal_entity, month, night=NIGHT)
    assert stale.status_code == 409 and f"The tie-out of {later} is newer" in stale.text
    unknown = sign(http, portal, "XX99", month, night=later.isoformat())
    assert unknown.status_code == 404
    assert signoffs(portal) == []
    assert sign(http, portal, legal_entity, month, night=later.isoformat()).status_code == 200
    assert {(row[2], row[3]) for row in signoffs(portal)} == {(later, legal_entity)}
    assert refusals(portal) == [
        ("ana.finance", "period_signoff_refused", reason) for reason in ("open_month", "stale", "not_found")
    ]


def test_a_role_that_does_not_sign_off_is_refused_and_audited(portal):
    legal_entity, month = ended_months(portal)[0]
    finance = portal.sign_in("ana.finance")
    token = csrf_of(finance.get(f"{portal.url}/periods").text)
    form = {"night": NIGHT, "legal_entity": legal_entity, "month": month.isoformat()}

    pmo = portal.sign_in("piet.pmo")
    assert 'href="/periods"' not in pmo.get(f"{portal.url}/reports").text
    seen = pmo.get(f"{portal.url}/periods")
    assert seen.status_code == 403 and "does not see the tie-out statement" in seen.text
    pmo_token = csrf_of(pmo.get(f"{portal.url}/reports").text)
    refused = pmo.post(f"{portal.url}/periods", data={"csrf_token": pmo_token, **form})
    assert refused.status_code == 403 and "Your role does not sign off periods: finance does." in refused.text
    forged = pmo.post(f"{portal.url}/periods", data={"csrf_token": token, **form})
    assert forged.status_code == 403
    foreign = finance.post(
        f"{portal.url}/periods", data={"csrf_token": token, **form}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403

    # a role that reads finance's statement but does not sign off: the page without a form, a POST refused
    viewer = User("vic.viewer", Role("viewer", frozenset({"all", "finance"})), PasswordHasher().hash("look-Only-7"))
    config = dataclasses.replace(portal.config, users={**portal.config.users, viewer.name: viewer})
    with running_portal(config, portal.clock) as url:
        seeing = dataclasses.replace(portal, url=url)
        http = seeing.sign_in("vic.viewer", "look-Only-7")
        page = http.get(f"{url}/periods").text
        assert f'id="period-{legal_entity}-{month:%Y-%m}" data-state="signable"' in page
        assert 'action="/periods" class="sign-off"' not in page and "finance signs off" in page
        viewer_refused = sign(http, seeing, legal_entity, month)
    assert viewer_refused.status_code == 403
    assert signoffs(portal) == []
    assert refusals(portal) == [
        ("piet.pmo", "periods_refused", None),
        ("piet.pmo", "period_signoff_refused", "role"),
        ("piet.pmo", "csrf_refused", None),
        (None, "origin_refused", None),
        ("vic.viewer", "period_signoff_refused", "role"),
    ]


def test_finance_signs_off_a_month_in_chromium_and_pmo_is_refused(portal, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    legal_entity, month = ended_months(portal)[0]
    key = f"{legal_entity}-{month:%Y-%m}"
    sign_in(browser, portal.url, "ana.finance", PASSWORDS["ana.finance"])
    browser.find_element(By.LINK_TEXT, "Periods").click()
    period = shown(browser, By.ID, f"period-{key}")
    assert period.get_attribute("data-state") == "signable"
    assert period.find_element(By.CLASS_NAME, "signable").text == "can be signed off"
    submit(browser, f"sign-{key}")
    assert shown(browser, By.CLASS_NAME, "flash").text == f"Signed off {legal_entity} {month:%B %Y}: it is locked."
    period = browser.find_element(By.ID, f"period-{key}")
    assert period.get_attribute("data-state") == "signed"
    assert period.find_element(By.CLASS_NAME, "signed").text.startswith("Signed off by ana.finance at ")
    assert not browser.find_elements(By.ID, f"sign-{key}")
    [row] = signoffs(portal)
    assert row[1:5] == ("ana.finance", portal.written["tieout"][0]["snapshot_date"], legal_entity, month)

    submit_sign_out = browser.find_element(By.CSS_SELECTOR, "form.signout button")
    submit_sign_out.click()
    shown(browser, By.ID, "username")
    sign_in(browser, portal.url, "piet.pmo", PASSWORDS["piet.pmo"])
    assert not browser.find_elements(By.LINK_TEXT, "Periods")
    browser.get(f"{portal.url}/periods")
    assert shown(browser, By.TAG_NAME, "h1").text == "Not allowed"
    assert browser.find_element(By.ID, "error").text == "Your role does not see the tie-out statement."
    assert [(e["actor"], e["action"]) for e in portal.audit() if e["action"].startswith("period")] == [
        ("ana.finance", "period_signed_off"),
        ("piet.pmo", "periods_refused"),
    ]


def test_two_sign_offs_of_a_month_at_the_same_moment_store_one_and_refuse_the_other(portal, monkeypatch):
    """Both read the month unsigned before either writes (a barrier where each takes its time stamp):
    the warehouse's key keeps one, the other is told the month is signed, not an error page."""
    import threading

    from portal import periods

    legal_entity, month = ended_months(portal)[0]
    both_read, stamp = threading.Barrier(2, timeout=30), periods.now
    monkeypatch.setattr(periods, "now", lambda: (both_read.wait(), stamp())[1])
    outcomes: list = []

    def sign_off(actor: str) -> None:
        try:
            outcomes.append(periods.sign(portal.warehouse, actor, NIGHT, legal_entity, month.isoformat()))
        except periods.Refused as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=sign_off, args=(actor,)) for actor in ("ana.finance", "ada.admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [refused] = [o for o in outcomes if isinstance(o, periods.Refused)]
    [written] = [o for o in outcomes if not isinstance(o, periods.Refused)]
    assert (refused.status, refused.reason) == (409, "signed")
    assert f"{legal_entity} {month:%B %Y} was already signed off by {written[0]['actor']} at " in refused.message
    assert [row[1] for row in signoffs(portal)] == [written[0]["actor"]] * len(cells_of(portal, legal_entity, month))
