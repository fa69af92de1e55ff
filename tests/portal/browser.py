"""Debian's headless Chromium driven by Selenium through Debian's chromedriver (no browser download)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists() and shutil.which("chromedriver") is not None


def chromium(download_dir: Path, width: int = 1400, height: int = 900):
    """A headless Chromium that saves downloads into `download_dir` without asking."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": True,
        },
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


def sign_in(driver, url: str, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/login")
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    from selenium.webdriver.support.ui import WebDriverWait

    # a click does not always wait for the page it submits to: wait until we have left the form
    WebDriverWait(driver, 30).until(lambda d: not d.current_url.endswith("/login") or d.find_elements(By.ID, "error"))


def shown(driver, by: str, value: str, timeout: float = 30):
    """The element once the page that a click submitted has loaded it."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((by, value)))


def downloaded(directory: Path, name: str, timeout: float = 15) -> Path:
    """The downloaded file once Chromium has finished writing it."""
    path, deadline = directory / name, time.monotonic() + timeout
    while not path.exists() or list(directory.glob("*.crdownload")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} was not downloaded; the directory holds {sorted(directory.iterdir())}")
        time.sleep(0.1)
    return path


def submit(driver, element_id: str) -> None:
    """Click a button and wait until its page has gone (a click does not always wait for the page it
    submits to; while Chromium swaps pages, asking about the old button may fail either way)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.ID, element_id)
    button.click()

    def gone(_) -> bool:
        try:
            button.is_enabled()
        except WebDriverException:  # stale, or no longer in the document
            return True
        return False

    WebDriverWait(driver, 30).until(gone)
