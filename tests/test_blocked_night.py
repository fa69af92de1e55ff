"""A night stopped by a blocking check says why everywhere a person looks: the command line and the
run-failure alert name the object, its quarantined share, the threshold and the rules broken most."""

import json
import subprocess
import sys
from collections import Counter

import yaml
from dagster import DagsterInstance, materialize

from assets.extraction import extraction_assets
from assets.validation import validation_assets, validation_checks
from pipelines.resources import build_resources
from tests.conftest import SNAPSHOT_DATE, alert_on_failed_run


def expected_reason(small_firm) -> str:
    """The quarantine_share check's words for the small firm's opportunities, from its manifest."""
    manifest = json.loads((small_firm / "manifest.json").read_text())
    bad = [m for m in manifest["malformed"] if m["object"] == "Opportunity"]
    total = sum(
        n for key, n in manifest["counts"].items() if key.startswith("salesforce/") and key.endswith("/Opportunity")
    )
    rules = Counter(m["rule"] for m in bad)
    top = ", ".join(f"{rule} ({n})" for rule, n in sorted(rules.items(), key=lambda r: (-r[1], r[0]))[:3])
    return (
        f"valid/salesforce/opportunity:quarantine_share: {len(bad)} of {total} salesforce Opportunity records "
        f"quarantined ({len(bad) / total:.1%}, threshold 1.0%): {top}"
    )


def strict_quality(tmp_path, monkeypatch) -> None:
    (tmp_path / "quality.yaml").write_text(yaml.safe_dump({"max_quarantine_share": 0.01}))
    monkeypatch.setenv("TIEOUT_QUALITY_CONFIG", str(tmp_path / "quality.yaml"))


def test_the_command_line_says_which_object_stopped_the_night(tieout_env, small_firm, tmp_path, monkeypatch):
    strict_quality(tmp_path, monkeypatch)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    ran = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--date", SNAPSHOT_DATE],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ran.returncode == 1, ran.stderr[-2000:]
    stopped = [line for line in ran.stdout.splitlines() if line.startswith("stopped by ")]
    assert [line.split(". Above")[0] for line in stopped if "opportunity" in line] == [
        "stopped by " + expected_reason(small_firm)
    ]


def test_the_run_failure_alert_says_which_object_stopped_the_night(
    tieout_env, small_firm, tmp_path, monkeypatch, webhook
):
    strict_quality(tmp_path, monkeypatch)
    salesforce = [
        *[a for a in extraction_assets if a.key.path[1] == "salesforce"],
        *[a for a in validation_assets if a.key.path[1] == "salesforce"],
        *[c for c in validation_checks if all(k.asset_key.path[1] == "salesforce" for k in c.check_keys)],
    ]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            salesforce,
            partition_key=SNAPSHOT_DATE,
            resources=build_resources(),
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        alert_on_failed_run(instance, result.run_id)
    [text] = [message["text"] for message in webhook.received]
    assert text.split(". Above")[0] == (
        f":red_circle: tieout run `__ephemeral_asset_job__` {SNAPSHOT_DATE} failed: " + expected_reason(small_firm)
    )
