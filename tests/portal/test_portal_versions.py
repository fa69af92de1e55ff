"""Issue 13, a report once served is never silently replaced: over real HTTP, a rebuild that comes out
identical leaves the one version, a rebuild that differs becomes version 2 while version 1 stays
listed and downloadable byte for byte, and the audit log ties each download to its version and sha256."""

import hashlib

import duckdb

from corrections.approval import approve_corrections, list_corrections
from reports import build_report, freeze_corrections, load_night
from tests.conftest import AS_OF
from tests.portal.conftest import FINANCE_CSV, NIGHT, WORKBOOK


def rebuild(portal, refresh: bool = False) -> int:
    with duckdb.connect(str(portal.warehouse)) as db:
        freeze_corrections(db, AS_OF, refresh=refresh)
        night = load_night(db, AS_OF)
    return build_report(night, portal.config.reports_dir).version


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_a_changed_report_is_a_new_version_and_the_served_one_stays_downloadable(portal):
    finance = portal.sign_in("ana.finance")
    served = finance.get(f"{portal.url}/reports/{NIGHT}/{WORKBOOK}").content
    assert rebuild(portal) == 1
    assert "Version 1" in finance.get(f"{portal.url}/reports/{NIGHT}").text
    assert finance.get(f"{portal.url}/reports/{NIGHT}/{WORKBOOK}").content == served

    proposed = [c["correction_id"] for c in list_corrections(portal.warehouse, states=["proposed"])]
    assert approve_corrections(portal.warehouse, proposed[:1], "ana.finance")
    assert rebuild(portal, refresh=True) == 2
    page = finance.get(f"{portal.url}/reports/{NIGHT}").text
    assert "Version 2" in page and f'href="/reports/{NIGHT}/versions/1/{WORKBOOK}"' in page
    current = finance.get(f"{portal.url}/reports/{NIGHT}/{WORKBOOK}").content
    earlier = finance.get(f"{portal.url}/reports/{NIGHT}/versions/1/{WORKBOOK}").content
    assert earlier == served and current != served
    assert finance.get(f"{portal.url}/reports/{NIGHT}/versions/3/{WORKBOOK}").status_code == 404
    pmo = portal.sign_in("piet.pmo")
    assert pmo.get(f"{portal.url}/reports/{NIGHT}/versions/1/{FINANCE_CSV}").status_code == 403

    downloads = [(e["file"], e["version"], e["sha256"]) for e in portal.audit() if e["action"] == "download"]
    assert downloads == [
        (WORKBOOK, 1, sha256(served)),
        (WORKBOOK, 1, sha256(served)),
        (WORKBOOK, 2, sha256(current)),
        (WORKBOOK, 1, sha256(served)),
    ]
