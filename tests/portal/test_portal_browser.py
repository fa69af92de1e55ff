"""The portal as a person uses it, in a real headless Chromium: finance downloads the workbook and
its figures equal the findings table; PMO is refused the finance files; finance approves a
correction and sees it in the outbox."""

from collections import Counter
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from corrections.approval import list_corrections
from tests.conftest import AS_OF
from tests.portal.browser import browser_available, chromium, downloaded, shown, sign_in
from tests.portal.conftest import FINANCE_CSV, NIGHT, PASSWORDS, PMO_CSV, WORKBOOK


@pytest.fixture
def browser(tmp_path):
    if not browser_available():
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = chromium(downloads)
    driver.downloads = downloads
    yield driver
    driver.quit()


def test_finance_downloads_the_workbook_and_its_figures_equal_the_findings(portal, browser):
    from selenium.webdriver.common.by import By

    sign_in(browser, portal.url, "ana.finance", PASSWORDS["ana.finance"])
    assert browser.find_element(By.ID, "who").text == "ana.finance (finance)"
    browser.find_element(By.LINK_TEXT, NIGHT).click()
    listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#files a")]
    assert listed == [WORKBOOK, FINANCE_CSV, f"tieout-statement-{NIGHT}.csv"]
    browser.find_element(By.LINK_TEXT, WORKBOOK).click()
    book = openpyxl.load_workbook(downloaded(browser.downloads, WORKBOOK))

    with duckdb.connect(str(portal.warehouse), read_only=True) as db:
        findings = db.execute(
            "SELECT owner_queue, currency, money_at_risk FROM recon.findings "
            "WHERE snapshot_date = ? AND status = 'open'",
            [AS_OF],
        ).fetchall()
    headline = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=3, max_row=20, max_col=2, values_only=True)}
    assert headline["Open findings"] == len(findings)
    for currency in {c for _, c, m in findings if m}:
        assert Decimal(str(headline[f"Money at risk {currency}"])) == sum(
            m for _, c, m in findings if c == currency and m
        )
    rows = list(book["Summary"].iter_rows(values_only=True))
    start = next(n for n, row in enumerate(rows) if row[0] == "By owner queue") + 2
    header = rows[start - 1]
    shown = {row[0]: row[header.index("open findings")] for row in rows[start : start + 3]}
    assert shown == dict(Counter(queue for queue, _, _ in findings))
    download = [e for e in portal.audit() if e["action"] == "download"]
    assert [(e["actor"], e["file"]) for e in download] == [("ana.finance", WORKBOOK)]


def test_pmo_is_refused_the_finance_file(portal, browser):
    from selenium.webdriver.common.by import By

    sign_in(browser, portal.url, "piet.pmo", PASSWORDS["piet.pmo"])
    browser.find_element(By.LINK_TEXT, NIGHT).click()
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#files a")] == [PMO_CSV]
    browser.get(f"{portal.url}/reports/{NIGHT}/{FINANCE_CSV}")
    assert f"{FINANCE_CSV} is for the finance queue, not yours." == browser.find_element(By.ID, "error").text
    assert not list(browser.downloads.iterdir())
    assert [(e["actor"], e["action"]) for e in portal.audit() if e.get("file") == FINANCE_CSV] == [
        ("piet.pmo", "download_refused")
    ]


def test_finance_approves_a_correction_and_sees_it_in_the_outbox(portal, browser):
    from selenium.webdriver.common.by import By

    waiting = list_corrections(portal.warehouse, states=["proposed"], queues=["finance"])
    assert [c["code"] for c in waiting] == ["CREDIT_MEMO_NOT_REFLECTED"]
    chosen = waiting[0]["correction_id"]
    finding = next(f for f in portal.written["findings"] if f["finding_id"] == waiting[0]["finding_id"])
    with duckdb.connect(str(portal.warehouse)) as db:  # the customer as the canonical model names it
        db.execute("CREATE SCHEMA canonical")
        db.execute(
            "CREATE TABLE canonical.customer (snapshot_date DATE, system VARCHAR, global_id VARCHAR, name VARCHAR)"
        )
        db.execute(
            "INSERT INTO canonical.customer VALUES (?, 'erp', ?, 'Globex GmbH'), (?, 'crm', ?, 'Globex')",
            [NIGHT, finding["customer_global_id"]] * 2,
        )
    sign_in(browser, portal.url, "ana.finance", PASSWORDS["ana.finance"])
    browser.find_element(By.LINK_TEXT, "Corrections").click()
    row = browser.find_element(By.ID, f"row-{chosen}")
    assert row.find_element(By.CLASS_NAME, "concerns").text == f"Globex\ndocument {finding['document_number']}"
    assert row.find_element(By.CLASS_NAME, "why").text.startswith(f"CREDIT_MEMO_NOT_REFLECTED: {finding['detail']}")
    assert row.find_element(By.CLASS_NAME, "change").text == "payment: 0.00 → 250.00"
    browser.find_element(By.ID, f"pick-{chosen}").click()
    browser.find_element(By.ID, "approve").click()
    assert shown(browser, By.CLASS_NAME, "flash").text == f"Approved 1 correction: {chosen}"
    outbox = {
        row.find_elements(By.TAG_NAME, "td")[0].text: row.get_attribute("data-state")
        for row in browser.find_elements(By.CSS_SELECTOR, "#outbox tbody tr")
    }
    assert outbox[chosen] == "approved"
    decisions = {
        row.find_elements(By.TAG_NAME, "td")[0].text: row.find_element(By.CLASS_NAME, "decision").text
        for row in browser.find_elements(By.CSS_SELECTOR, "#outbox tbody tr")
    }
    assert decisions[chosen] == "approved by ana.finance"
    assert "Nothing waits for your approval." in browser.page_source
    decided = {c["correction_id"]: c for c in list_corrections(portal.warehouse)}[chosen]
    assert (decided["state"], decided["approved_by"]) == ("approved", "ana.finance")
    assert [(e["actor"], e["corrections"]) for e in portal.audit() if e["action"] == "approve"] == [
        ("ana.finance", [chosen])
    ]
    with duckdb.connect(str(portal.warehouse), read_only=True) as db:
        assert db.execute(
            'SELECT actor, action FROM corrections.audit_log WHERE correction_id = ? ORDER BY "at"', [chosen]
        ).fetchall()[-1] == ("ana.finance", "approved")
