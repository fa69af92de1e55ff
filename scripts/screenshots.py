#!/usr/bin/env python3
"""Screenshots of the portal's pages and of the night's workbook as LibreOffice renders it, for
release notes and reviews. Images go to --out (default /tmp/tieout-screenshots), never the repo.

    .venv/bin/python scripts/screenshots.py [--warehouse PATH --night YYYY-MM-DD] [--out DIR]

Without --warehouse it uses the stand-in night of the test suite (tests/reports/stand_in.py). Needs
Debian's chromium, chromium-driver, libreoffice-calc and poppler-utils; signs in as the demo users
of config/portal.yaml."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.config import load_config  # noqa: E402
from portal.server import running_portal  # noqa: E402
from reports import build_report, freeze_corrections, load_night  # noqa: E402
from tests.portal.browser import chromium, sign_in  # noqa: E402

DEMO_PASSWORDS = {"ana.finance": "finance-demo", "piet.pmo": "pmo-demo", "ada.admin": "admin-demo"}


def prepare(work: Path, warehouse: Path | None, night: date) -> tuple[Path, Path]:
    """The warehouse (a copy, so approving in the screenshots changes nothing real) and the reports."""
    copy = work / "warehouse.duckdb"
    if warehouse:
        shutil.copy(warehouse, copy)
    else:
        from tests.reports.stand_in import write_stand_in_night

        write_stand_in_night(copy, night)
    with duckdb.connect(str(copy)) as db:
        freeze_corrections(db, night)
        loaded = load_night(db, night)
    build_report(loaded, work / "reports")
    return copy, work / "reports"


def portal_pages(url: str, night: str, out: Path, downloads: Path) -> list[Path]:
    from selenium.webdriver.common.by import By

    shots = []

    def shot(driver, name: str) -> None:
        path = out / f"portal-{len(shots) + 1:02d}-{name}.png"
        driver.save_screenshot(str(path))
        shots.append(path)

    driver = chromium(downloads, 1280, 760)
    try:
        driver.get(f"{url}/login")
        shot(driver, "sign-in")
        sign_in(driver, url, "ana.finance", "wrong password")
        shot(driver, "wrong-password")
        sign_in(driver, url, "ana.finance", DEMO_PASSWORDS["ana.finance"])
        shot(driver, "nights-finance")
        driver.find_element(By.LINK_TEXT, night).click()
        shot(driver, "night-finance")
        driver.find_element(By.LINK_TEXT, "Corrections").click()
        shot(driver, "corrections-waiting")
        driver.find_element(By.CSS_SELECTOR, "#proposed input[type=checkbox]").click()
        driver.find_element(By.ID, "approve").click()
        shot(driver, "corrections-approved")
        driver.delete_all_cookies()
        sign_in(driver, url, "piet.pmo", DEMO_PASSWORDS["piet.pmo"])
        driver.get(f"{url}/reports/{night}")
        shot(driver, "night-pmo")
        driver.get(f"{url}/reports/{night}/queue-finance-{night}.csv")
        shot(driver, "pmo-refused-finance-file")
    finally:
        driver.quit()
    return shots


def workbook_pages(workbook: Path, out: Path, work: Path) -> list[Path]:
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{work}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = work / (workbook.stem + ".pdf")
    shutil.copy(pdf, out / pdf.name)
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(pdf), str(out / "workbook-page")], check=True)
    return [out / pdf.name, *sorted(out.glob("workbook-page*.png"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, help="a warehouse with recon.findings (default: the stand-in night)")
    parser.add_argument("--night", type=date.fromisoformat, default=date.today() - timedelta(days=2))
    parser.add_argument("--out", type=Path, default=Path("/tmp/tieout-screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        warehouse, reports = prepare(work, args.warehouse, args.night)
        config = dataclasses.replace(
            load_config(), reports_dir=reports, warehouse=warehouse, audit_log=work / "audit.jsonl"
        )
        (work / "downloads").mkdir()
        with running_portal(config) as url:
            shots = portal_pages(url, args.night.isoformat(), args.out, work / "downloads")
        shots += workbook_pages(
            reports / args.night.isoformat() / f"tieout-{args.night.isoformat()}.xlsx", args.out, work
        )
    print("\n".join(str(p) for p in shots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
