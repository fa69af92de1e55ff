"""Match review in Chromium and over HTTP, on a private copy of the reconciled small firm: sales ops (the
queue that owns customer matching) confirms one suggested pair and rejects another, each decision kept
in the warehouse and audited; the night built again gives the confirmed pair one customer (link
`match_review`) and suggests neither. Finance (another queue), a viewer of the queue, a forged form and a
foreign Origin are refused and audited (docs/decisions.md 25)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from portal.config import PortalConfig, Role, User
from portal.server import running_portal
from tests.portal.browser import shown, sign_in, submit
from tests.portal.conftest import Clock, Portal, csrf_of
from tests.portal.test_portal_findings import browser  # noqa: F401 (the fixture)
from tests.reconciliation.conftest import ReconciledFirm, reconciled_small_firm  # noqa: F401 (the fixture)
from tests.reconciliation.exact import query, writable_copy
from tests.reconciliation.test_match_decisions import (
    CODES,
    customers,
    open_findings,
    rebuild_night,
    suggested_pairs,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
PEOPLE = {  # name: (role, its queues, approve, password)
    "sam.salesops": ("sales_ops", {"sales_ops"}, True, "crm-Heron-31"),
    "ana.finance": ("finance", {"all", "finance"}, True, "ledger-Owl-42"),
    "vic.viewer": ("viewer", {"sales_ops"}, False, "look-Only-7"),
}
REASON = "Different companies: the tax ids belong to two subsidiaries"


@dataclasses.dataclass
class Review:
    portal: Portal
    firm: ReconciledFirm
    pairs: list[tuple[str, str]]  # the night's suggested (kind, pair key)

    def sign_in(self, name: str):
        return self.portal.sign_in(name, PEOPLE[name][3])

    def of_kind(self, kind: str) -> list[str]:
        return [key for k, key in self.pairs if k == kind]

    def decisions(self) -> list[tuple]:
        return query(
            self.portal.warehouse,
            "SELECT actor, decision, a_system, a_source_id, b_system, b_source_id, legal_entity, note "
            "FROM workbench.match_decisions ORDER BY decision_number",
        )


@pytest.fixture
def review(reconciled_small_firm, tmp_path) -> Review:  # noqa: F811
    warehouse = writable_copy(reconciled_small_firm, tmp_path)
    config = PortalConfig(
        users={
            name: User(name, Role(role, frozenset(queues), approve), CHEAP.hash(password))
            for name, (role, queues, approve, password) in PEOPLE.items()
        },
        reports_dir=tmp_path / "reports",
        warehouse=warehouse,
        audit_log=tmp_path / "audit.jsonl",
        sessions=tmp_path / "sessions.sqlite3",
    )
    clock = Clock()
    with running_portal(config, clock) as url:
        yield Review(
            Portal(url, config, clock, warehouse, {}, tmp_path / "portal.yaml"),
            reconciled_small_firm,
            suggested_pairs(warehouse, reconciled_small_firm.snapshot_date),
        )


def decide(http, review: Review, pair: str, **form):
    """Post the match page's form as the browser would (with the page's CSRF token)."""
    token = csrf_of(http.get(f"{review.portal.url}/matches").text)
    return http.post(f"{review.portal.url}/matches", data={"csrf_token": token, "pair": pair, **form})


def ordered(pair: str) -> tuple[str, str, str, str]:
    (a_system, a_id), (b_system, b_id) = sorted(tuple(side.split(":", 1)) for side in pair.split("|"))
    return a_system, a_id, b_system, b_id


def test_sales_ops_confirms_and_rejects_pairs_each_kept_and_audited(review):
    confirmed, rejected = review.of_kind("unlinked")[0], review.of_kind("duplicate")[0]
    http = review.sign_in("sam.salesops")
    page = http.get(f"{review.portal.url}/matches").text
    assert all(f'data-pair="{key}"' in page for _, key in review.pairs)

    answer = decide(http, review, confirmed, decision="confirm")
    assert answer.url == f"{review.portal.url}/matches" and f"Confirmed {confirmed}" in answer.text
    unreasoned = decide(http, review, rejected, decision="reject", note="  ")
    assert "A rejection needs a reason." in unreasoned.text
    backwards = "|".join(reversed(rejected.split("|")))  # the same pair, its records the other way round
    answer = decide(http, review, backwards, decision="reject", note=REASON)
    assert f"Rejected {rejected}" in answer.text
    assert f'data-pair="{confirmed}"' not in answer.text and f'data-pair="{rejected}"' not in answer.text
    assert 'data-decision="confirmed"' in answer.text and REASON in answer.text

    entity = dict(
        query(
            review.portal.warehouse,
            "SELECT array_to_string(list_sort([keep_system || ':' || keep_source_id, "
            "other_system || ':' || other_source_id]), '|'), legal_entity FROM recon.customer_match "
            "WHERE snapshot_date = ?",
            [review.firm.snapshot_date],
        )
    )
    assert review.decisions() == [
        ("sam.salesops", "confirmed", *ordered(confirmed), entity[confirmed], None),
        ("sam.salesops", "rejected", *ordered(rejected), entity[rejected], REASON),
    ]
    other_queue = review.sign_in("ana.finance").get(f"{review.portal.url}/matches").text
    assert "data-decision=" not in other_queue and "No suggested pairs wait in your queues." in other_queue
    again = decide(http, review, confirmed, decision="reject", note="changed my mind")
    assert again.status_code == 404  # decided: no longer suggested
    assert [
        (e["actor"], e["action"], e.get("pair"), e.get("note")) for e in review.portal.audit() if "match" in e["action"]
    ] == [
        ("sam.salesops", "match_confirmed", confirmed, None),
        ("sam.salesops", "match_rejected", rejected, REASON),
        ("sam.salesops", "match_not_found", confirmed, None),
    ]


def test_roles_that_do_not_decide_the_queue_are_refused_and_audited(review):
    pair = review.pairs[0][1]
    owner = review.sign_in("sam.salesops")
    token = csrf_of(owner.get(f"{review.portal.url}/matches").text)

    finance = review.sign_in("ana.finance")
    listed = finance.get(f"{review.portal.url}/matches").text
    assert "No suggested pairs wait in your queues." in listed and 'href="/matches"' in listed
    for decision in ("confirm", "reject"):
        refused = decide(finance, review, pair, decision=decision, note="mine now")
        assert refused.status_code == 403 and "does not decide customer matches of the sales_ops queue" in refused.text

    viewer = review.sign_in("vic.viewer")
    seen = viewer.get(f"{review.portal.url}/matches").text
    assert f'data-pair="{pair}"' in seen and 'name="decision"' not in seen
    refused = decide(viewer, review, pair, decision="confirm")
    assert refused.status_code == 403

    forged = finance.post(
        f"{review.portal.url}/matches", data={"csrf_token": token, "pair": pair, "decision": "confirm"}
    )
    assert forged.status_code == 403
    foreign = owner.post(
        f"{review.portal.url}/matches",
        data={"csrf_token": token, "pair": pair, "decision": "confirm"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert review.decisions() == []
    assert [
        (e["actor"], e["action"], e.get("requested")) for e in review.portal.audit() if "refused" in e["action"]
    ] == [
        ("ana.finance", "match_review_refused", "confirm"),
        ("ana.finance", "match_review_refused", "reject"),
        ("vic.viewer", "match_review_refused", "confirm"),
        ("ana.finance", "csrf_refused", None),
        (None, "origin_refused", None),
    ]


def test_sales_ops_confirms_and_rejects_in_chromium_and_the_next_night_uses_them(
    review,
    browser,  # noqa: F811
    monkeypatch,
):
    from selenium.webdriver.common.by import By

    confirmed, rejected = review.of_kind("unlinked")[0], review.of_kind("duplicate")[0]
    night, warehouse = review.firm.snapshot_date, Path(review.portal.warehouse)
    before = open_findings(warehouse, night)
    assert {(CODES["unlinked"], confirmed), (CODES["duplicate"], rejected)} <= before

    sign_in(browser, review.portal.url, "sam.salesops", PEOPLE["sam.salesops"][3])
    browser.find_element(By.LINK_TEXT, "Matches").click()
    row = shown(browser, By.CSS_SELECTOR, f'tr[data-pair="{confirmed}"]')
    sides = {
        (cell.get_attribute("data-system"), cell.get_attribute("data-source-id"))
        for cell in row.find_elements(By.CSS_SELECTOR, "td.record")
    }
    assert sides == {tuple(side.split(":", 1)) for side in confirmed.split("|")}
    submit(browser, row.find_element(By.CSS_SELECTOR, "button[value=confirm]").get_attribute("id"))
    assert browser.find_element(By.CLASS_NAME, "flash").text.startswith(f"Confirmed {confirmed}")

    row = shown(browser, By.CSS_SELECTOR, f'tr[data-pair="{rejected}"]')
    row.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys(REASON)
    submit(browser, row.find_element(By.CSS_SELECTOR, "button[value=reject]").get_attribute("id"))
    assert browser.find_element(By.CLASS_NAME, "flash").text.startswith(f"Rejected {rejected}")
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-pair="{confirmed}"], tr[data-pair="{rejected}"]')
    assert [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#decided td.decision")] == ["rejected", "confirmed"]

    rebuild_night(review.firm, warehouse, monkeypatch)

    joined = customers(warehouse, night, confirmed)
    assert len({global_id for global_id, _ in joined.values()}) == 1
    assert "match_review" in {link for _, link in joined.values()}
    assert len({global_id for global_id, _ in customers(warehouse, night, rejected).values()}) == 2
    assert open_findings(warehouse, night) == before - {(CODES["unlinked"], confirmed), (CODES["duplicate"], rejected)}
    browser.refresh()
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-pair="{confirmed}"], tr[data-pair="{rejected}"]')

    # a role of the queue that may not act sees the pairs and is offered no decision
    browser.find_element(By.CSS_SELECTOR, "form.signout button").click()
    shown(browser, By.ID, "username")
    sign_in(browser, review.portal.url, "vic.viewer", PEOPLE["vic.viewer"][3])
    browser.find_element(By.LINK_TEXT, "Matches").click()
    assert shown(browser, By.CSS_SELECTOR, "tr[data-pair]")
    assert not browser.find_elements(By.CSS_SELECTOR, "button[value=confirm], button[value=reject]")


def test_a_warehouse_without_matching_shows_no_night(portal):
    """The stand-in night has findings but no matching stage: the page says so rather than failing."""
    answer = portal.sign_in("ana.finance").get(f"{portal.url}/matches")
    assert answer.status_code == 200 and "No night has been matched yet." in answer.text
