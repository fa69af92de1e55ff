"""The findings workbench in Chromium and over HTTP: finance assigns, comments on, explains and withdraws the
explanation of a finding of its queue, each action audited, kept in the warehouse and shown on the
finding's page and in the explorer; a role of another queue, a viewer, a forged form and a foreign
Origin are refused and audited."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime, time, timedelta

import duckdb
from argon2 import PasswordHasher

from portal.config import Role, User
from portal.server import running_portal
from tests.conftest import AS_OF as NIGHT_DATE
from tests.portal.browser import shown, sign_in, submit
from tests.portal.conftest import PASSWORDS, csrf_of
from tests.portal.test_portal_findings import browser  # noqa: F401 (the fixture)


def open_finding(portal, queue: str) -> dict:
    return next(f for f in portal.written["findings"] if f["status"] == "open" and f["owner_queue"] == queue)


def act(http, portal, finding_id: str, **form):
    """Post the finding page's work form as the browser would (with the page's CSRF token)."""
    token = csrf_of(http.get(f"{portal.url}/findings/{finding_id}").text)
    return http.post(f"{portal.url}/findings/{finding_id}/work", data={"csrf_token": token, **form})


def actions(portal, finding_id: str) -> list[tuple]:
    with duckdb.connect(str(portal.warehouse), read_only=True) as db:
        return db.execute(
            "SELECT actor, action, assignee, note FROM workbench.finding_actions WHERE finding_id = ? "
            "ORDER BY action_number",
            [finding_id],
        ).fetchall()


def explorer_csv(http, portal, **filters) -> list[dict]:
    answer = http.get(f"{portal.url}/findings", params={**filters, "format": "csv"})
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_finance_assigns_comments_explains_and_withdraws(portal):
    finding = open_finding(portal, "finance")["finding_id"]
    http = portal.sign_in("ana.finance")

    assigned = act(http, portal, finding, action="assign", assignee="ada.admin")
    assert assigned.url == f"{portal.url}/findings/{finding}" and "Assigned to ada.admin." in assigned.text
    assert 'id="assignee">ada.admin<' in assigned.text
    commented = act(http, portal, finding, action="comment", note="Asked the PM for the signed SOW")
    assert "Comment added." in commented.text and "commented: Asked the PM for the signed SOW" in commented.text
    explained = act(http, portal, finding, action="explain", note="Fee agreed in the amended SOW")
    assert "Marked explained." in explained.text
    assert "explained by ana.finance at " in explained.text and ": Fee agreed in the amended SOW" in explained.text

    rows = explorer_csv(http, portal, explained="yes")
    assert [(r["finding_id"], r["assignee"], r["explained_by"], r["explanation"]) for r in rows] == [
        (finding, "ada.admin", "ana.finance", "Fee agreed in the amended SOW")
    ]
    assert [r["finding_id"] for r in explorer_csv(http, portal, assignee="ada.admin")] == [finding]
    unassigned = explorer_csv(http, portal, assignee="nobody")
    assert finding not in {r["finding_id"] for r in unassigned} and unassigned

    withdrawn = act(http, portal, finding, action="unexplain")
    assert "Explanation withdrawn." in withdrawn.text and 'id="explained">not explained<' in withdrawn.text
    assert explorer_csv(http, portal, explained="yes") == []
    assert act(http, portal, finding, action="assign", assignee="").text.count('id="assignee">no one<') == 1

    assert actions(portal, finding) == [
        ("ana.finance", "assigned", "ada.admin", None),
        ("ana.finance", "commented", None, "Asked the PM for the signed SOW"),
        ("ana.finance", "explained", None, "Fee agreed in the amended SOW"),
        ("ana.finance", "unexplained", None, None),
        ("ana.finance", "assigned", None, None),
    ]
    audited = [(e["actor"], e["action"], e.get("assignee"), e.get("note")) for e in portal.audit()]
    assert [a for a in audited if a[1].startswith("finding_")] == [
        ("ana.finance", "finding_assigned", "ada.admin", None),
        ("ana.finance", "finding_commented", None, "Asked the PM for the signed SOW"),
        ("ana.finance", "finding_explained", None, "Fee agreed in the amended SOW"),
        ("ana.finance", "finding_unexplained", None, None),
        ("ana.finance", "finding_assigned", None, None),
    ]


def test_an_action_without_what_it_needs_is_not_taken(portal):
    finding = open_finding(portal, "finance")["finding_id"]
    http = portal.sign_in("ana.finance")
    assert "An explanation needs a reason." in act(http, portal, finding, action="explain", note="  ").text
    assert "A comment needs some text." in act(http, portal, finding, action="comment").text
    assert (
        "piet.pmo cannot work the finance queue."
        in act(http, portal, finding, action="assign", assignee="piet.pmo").text
    )
    resolved = next(
        f for f in portal.written["findings"] if f["status"] == "resolved" and f["owner_queue"] == "finance"
    )
    answer = act(http, portal, resolved["finding_id"], action="explain", note="gone anyway")
    assert "This finding is resolved: only comments are taken." in answer.text
    assert actions(portal, finding) == actions(portal, resolved["finding_id"]) == []


def test_another_queues_role_is_refused_and_audited(portal):
    finding = open_finding(portal, "finance")["finding_id"]
    finance = portal.sign_in("ana.finance")
    token = csrf_of(finance.get(f"{portal.url}/findings/{finding}").text)
    pmo = portal.sign_in("piet.pmo")
    pmo_token = csrf_of(pmo.get(f"{portal.url}/reports").text)
    for action in ("assign", "comment", "explain", "unexplain"):
        refused = pmo.post(
            f"{portal.url}/findings/{finding}/work",
            data={"csrf_token": pmo_token, "action": action, "note": "mine now", "assignee": "piet.pmo"},
        )
        assert refused.status_code == 403 and "does not work findings of the finance queue" in refused.text
    forged = pmo.post(f"{portal.url}/findings/{finding}/work", data={"csrf_token": token, "action": "comment"})
    assert forged.status_code == 403
    foreign = finance.post(
        f"{portal.url}/findings/{finding}/work",
        data={"csrf_token": token, "action": "comment", "note": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    missing = finance.post(
        f"{portal.url}/findings/nosuchfinding/work", data={"csrf_token": token, "action": "comment", "note": "x"}
    )
    assert missing.status_code == 404
    assert actions(portal, finding) == []
    assert [(e["actor"], e["action"], e.get("requested")) for e in portal.audit() if "refused" in e["action"]] == [
        *[("piet.pmo", "finding_work_refused", a) for a in ("assign", "comment", "explain", "unexplain")],
        ("piet.pmo", "csrf_refused", None),
        (None, "origin_refused", None),
    ]


def test_a_viewer_of_the_queue_is_refused_and_audited(portal):
    """A role that sees finance's queue but does not act (approve: false) reads, but cannot work, it."""
    finding = open_finding(portal, "finance")["finding_id"]
    viewer = User("vic.viewer", Role("viewer", frozenset({"all", "finance"})), PasswordHasher().hash("look-Only-7"))
    config = dataclasses.replace(portal.config, users={**portal.config.users, viewer.name: viewer})
    with running_portal(config, portal.clock) as url:
        seeing = dataclasses.replace(portal, url=url)
        http = seeing.sign_in("vic.viewer", "look-Only-7")
        page = http.get(f"{url}/findings/{finding}").text
        assert 'id="work"' in page and 'id="explain-form"' not in page
        refused = act(http, seeing, finding, action="explain", note="looks fine to me")
    assert refused.status_code == 403 and "does not work findings of the finance queue" in refused.text
    assert actions(portal, finding) == []
    assert [
        (e["actor"], e["action"], e["finding"]) for e in portal.audit() if e["action"] == "finding_work_refused"
    ] == [("vic.viewer", "finding_work_refused", finding)]


def test_finance_works_a_finding_in_chromium_and_finds_it_in_the_explorer(portal, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    finding = open_finding(portal, "finance")
    sign_in(browser, portal.url, "ana.finance", PASSWORDS["ana.finance"])
    browser.find_element(By.LINK_TEXT, "Findings").click()
    shown(browser, By.LINK_TEXT, finding["finding_id"]).click()
    assert shown(browser, By.ID, "assignee").text == "no one"
    assert browser.find_element(By.ID, "explained").text == "not explained"

    Select(browser.find_element(By.ID, "assign-to")).select_by_value("ana.finance")
    submit(browser, "assign")
    assert browser.find_element(By.CLASS_NAME, "flash").text == "Assigned to ana.finance."
    browser.find_element(By.ID, "comment-text").send_keys("Checking the ERP posting with AR")
    submit(browser, "comment")
    browser.find_element(By.ID, "explain-reason").send_keys("Customer paid in two instalments")
    submit(browser, "explain")
    assert browser.find_element(By.CLASS_NAME, "flash").text == "Marked explained."
    assert browser.find_element(By.ID, "assignee").text == "ana.finance"
    explained = browser.find_element(By.ID, "explained").text
    assert explained.startswith("explained by ana.finance at ")
    assert explained.endswith(" UTC: Customer paid in two instalments")
    history = [
        (r.find_element(By.CLASS_NAME, "actor").text, r.find_element(By.CLASS_NAME, "what").text)
        for r in browser.find_elements(By.CSS_SELECTOR, "#actions tbody tr")
    ]
    assert history == [
        ("ana.finance", "assigned to ana.finance"),
        ("ana.finance", "commented: Checking the ERP posting with AR"),
        ("ana.finance", "explained: Customer paid in two instalments"),
    ]
    assert browser.find_element(By.ID, "unexplain").is_displayed()

    browser.find_element(By.LINK_TEXT, "Findings").click()
    Select(shown(browser, By.ID, "f-explained")).select_by_value("yes")
    Select(browser.find_element(By.ID, "f-assignee")).select_by_value("ana.finance")
    submit(browser, "apply")
    [row] = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert row.get_attribute("data-finding") == finding["finding_id"]
    assert row.find_element(By.CLASS_NAME, "assignee").text == "ana.finance"
    assert row.find_element(By.CLASS_NAME, "explained").text == "by ana.finance"
    assert browser.find_element(By.ID, "count").text == "1"

    Select(browser.find_element(By.ID, "f-explained")).select_by_value("no")
    Select(browser.find_element(By.ID, "f-assignee")).select_by_value("")
    submit(browser, "apply")
    listed = {r.get_attribute("data-finding") for r in browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")}
    opened = {f["finding_id"] for f in portal.written["findings"] if f["status"] == "open"}
    assert listed == {f for f in opened if f != finding["finding_id"]} & {
        f["finding_id"] for f in portal.written["findings"] if f["owner_queue"] == "finance"
    }

    # PMO works its own queue: the finance finding's page is refused to it, and said so
    browser.find_element(By.CSS_SELECTOR, "form.signout button").click()
    shown(browser, By.ID, "username")
    sign_in(browser, portal.url, "piet.pmo", PASSWORDS["piet.pmo"])
    browser.get(f"{portal.url}/findings/{finding['finding_id']}")
    assert shown(browser, By.TAG_NAME, "h1").text == "Not allowed"
    assert browser.find_element(By.ID, "error").text == "That finding is in the finance queue, not yours."
    assert not browser.find_elements(By.ID, "assign")


def day(n: int) -> date:
    """The night n days after the stand-in's."""
    return NIGHT_DATE + timedelta(days=n)


def test_the_work_carries_to_later_nights_while_the_finding_stays_open(portal, monkeypatch):
    """Explained and assigned the day after the night, a finding shows so on the next night it is
    still open; resolved, then seen again, it starts afresh (its first_seen is the night it came back)."""
    finding = open_finding(portal, "finance")["finding_id"]
    monkeypatch.setattr("portal.work.now", lambda: datetime.combine(day(1), time(9)))
    http = portal.sign_in("ana.finance")
    act(http, portal, finding, action="assign", assignee="ana.finance")
    act(http, portal, finding, action="explain", note="Timing: posted the next morning")
    with duckdb.connect(str(portal.warehouse)) as db:
        copy = "INSERT INTO recon.findings SELECT * REPLACE ({}) FROM recon.findings WHERE snapshot_date = ? AND status = 'open'"
        db.execute(copy.format("?::DATE AS snapshot_date"), [day(1), NIGHT_DATE])
        db.execute(copy.format("?::DATE AS snapshot_date, ?::DATE AS first_seen"), [day(3), day(3), NIGHT_DATE])

    def work_on(night) -> tuple[str, str]:
        [row] = [r for r in explorer_csv(http, portal, night=night.isoformat()) if r["finding_id"] == finding]
        return row["assignee"], row["explained_by"]

    assert work_on(NIGHT_DATE) == work_on(day(1)) == ("ana.finance", "ana.finance")
    assert work_on(day(3)) == ("", "")
