"""The findings explorer as finance uses it: in Chromium, filter and sort a queue's findings with
counts and money at the top, open one and see each system's record side by side, its nights and its
correction's sync log; over HTTP, the view's CSV and the refusal of another queue's finding."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal

import duckdb
import pytest

from corrections.approval import list_corrections
from tests.portal.browser import browser_available, chromium, shown, sign_in, submit
from tests.portal.conftest import NIGHT, PASSWORDS


@pytest.fixture
def browser(tmp_path):
    if not browser_available():
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    driver = chromium(tmp_path)
    yield driver
    driver.quit()


def finance_open(portal) -> list[dict]:
    return [f for f in portal.written["findings"] if f["status"] == "open" and f["owner_queue"] == "finance"]


def name_customers(portal, findings: list[dict]) -> dict[str, str]:
    """Give each finding's customer a CRM and an ERP record in the canonical model; returns the CRM names."""
    names = {f["customer_global_id"]: f"Customer {n:02d}" for n, f in enumerate(findings)}
    with duckdb.connect(str(portal.warehouse)) as db:
        db.execute("CREATE SCHEMA IF NOT EXISTS canonical")
        db.execute(
            "CREATE TABLE canonical.customer (snapshot_date DATE, global_id VARCHAR, system VARCHAR, "
            "source_id VARCHAR, legal_entity VARCHAR, name VARCHAR, currency VARCHAR, is_active BOOLEAN)"
        )
        for finding in findings:
            gid = finding["customer_global_id"]
            db.execute(
                "INSERT INTO canonical.customer VALUES (?, ?, 'crm', ?, ?, ?, ?, true), (?, ?, 'erp', ?, ?, ?, ?, false)",
                [NIGHT, gid, finding["crm_id"], finding["legal_entity"], names[gid], finding["currency"]]
                + [NIGHT, gid, finding["erp_id"], finding["legal_entity"], names[gid] + " Ltd", finding["currency"]],
            )
    return names


def test_finance_filters_its_findings_and_opens_one_to_see_both_systems(portal, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    findings = finance_open(portal)
    names = name_customers(portal, findings)
    sign_in(browser, portal.url, "ana.finance", PASSWORDS["ana.finance"])
    browser.find_element(By.LINK_TEXT, "Findings").click()
    assert int(shown(browser, By.ID, "count").text) == len(findings)
    money = {e.get_attribute("data-currency"): e.text for e in browser.find_elements(By.CSS_SELECTOR, "#totals .money")}
    expected_money = Counter()
    for finding in findings:
        if finding["money_at_risk"]:
            expected_money[finding["currency"]] += finding["money_at_risk"]
    assert money == {c: f"{c} {amount:,.2f}" for c, amount in expected_money.items()}
    listed = [r.get_attribute("data-finding") for r in browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")]
    by_money = sorted(findings, key=lambda f: (-(f["money_at_risk"] or 0), f["finding_id"]))
    assert listed == [f["finding_id"] for f in by_money]  # most money first

    code = Counter(f["code"] for f in findings).most_common(1)[0][0]
    Select(browser.find_element(By.ID, "f-code")).select_by_value(code)
    submit(browser, "apply")
    rows = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert sorted(r.get_attribute("data-finding") for r in rows) == sorted(
        f["finding_id"] for f in findings if f["code"] == code
    )
    assert int(browser.find_element(By.ID, "count").text) == len(rows)

    chosen = next(f for f in findings if f["code"] == code)
    browser.find_element(By.ID, "f-customer").send_keys(names[chosen["customer_global_id"]])
    submit(browser, "apply")
    [row] = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert row.find_element(By.CLASS_NAME, "customer").text == names[chosen["customer_global_id"]]
    browser.find_element(By.LINK_TEXT, chosen["finding_id"]).click()

    assert shown(browser, By.ID, "detail").text == chosen["detail"]
    records = {
        r.get_attribute("data-system"): r.find_element(By.CLASS_NAME, "label").text
        for r in browser.find_elements(By.CSS_SELECTOR, "#records tbody tr")
    }
    assert records["crm"] == names[chosen["customer_global_id"]]
    assert records["erp"] == names[chosen["customer_global_id"]] + " Ltd"
    nights = [
        r.find_elements(By.TAG_NAME, "td")[0].text for r in browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")
    ]
    appearances = portal.written["previous"] + portal.written["findings"]
    assert nights == sorted(
        f["snapshot_date"].isoformat() for f in appearances if f["finding_id"] == chosen["finding_id"]
    )


def test_the_views_csv_holds_the_view_and_another_queues_finding_is_refused(portal):
    findings = finance_open(portal)
    http = portal.sign_in("ana.finance")
    severity = Counter(f["severity"] for f in findings).most_common(1)[0][0]
    answer = http.get(f"{portal.url}/findings", params={"severity": severity, "sort": "age", "format": "csv"})
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="findings-{NIGHT}.csv"'
    table = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert sorted(r["finding_id"] for r in table) == sorted(
        f["finding_id"] for f in findings if f["severity"] == severity
    )
    ages = [int(r["aging_days"]) for r in table]
    assert ages == sorted(ages, reverse=True)
    assert sum(Decimal(r["money_at_risk"] or 0) for r in table) == sum(
        f["money_at_risk"] or 0 for f in findings if f["severity"] == severity
    )
    corrected = next(c for c in list_corrections(portal.warehouse, queues=["finance"]))
    page = http.get(f"{portal.url}/findings/{corrected['finding_id']}").text
    assert f'id="correction-{corrected["correction_id"]}"' in page and "waiting for a person" in page
    pmo_finding = next(f for f in portal.written["findings"] if f["owner_queue"] == "pmo")
    refused = http.get(f"{portal.url}/findings/{pmo_finding['finding_id']}")
    assert refused.status_code == 403 and "in the pmo queue, not yours" in refused.text
    assert http.get(f"{portal.url}/findings/nosuchfinding").status_code == 404
    assert [e["action"] for e in portal.audit() if e["action"].startswith("finding")] == [
        "findings_csv",
        "finding_refused",
        "finding_not_found",
    ]
