"""Alerts to a Slack-compatible webhook (`TIEOUT_ALERT_WEBHOOK_URL`), for whoever must know by morning:
the nightly run's failures (pipelines/alerts.py) and the portal's sign-in lock-outs."""

from __future__ import annotations

import requests

from resources.settings.environment import AlertSettings


def post_alert(text: str) -> bool:
    """Post `{"text": ...}` to the webhook; False (and nothing sent) when none is configured."""
    url = AlertSettings.load().alert_webhook_url
    if url is None:
        return False
    requests.post(url.get_secret_value(), json={"text": text}, timeout=10).raise_for_status()
    return True
