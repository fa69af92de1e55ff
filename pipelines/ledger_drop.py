"""The sensor on the ledger's drop folder (TIEOUT_LEDGER_DROP_DIR): a file with a checksum it has not
seen asks for the night to run again, so an export dropped in the morning is reconciled without waiting
for the next night. Its cursor keeps the checksums seen, so the same file never asks twice (a renamed
copy neither); the night itself skips the files already loaded (raw.ledger_files)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from assets.partitions import SCHEDULE
from pipelines.jobs import nightly_job
from resources.ledger_files import dropped
from resources.settings.environment import SourcesSettings


def _drop_dir() -> str:
    return SourcesSettings.load().ledger_drop_dir


def new_files(folder: Path, cursor: str | None) -> tuple[list[str], str]:
    """The checksums of the folder's files not in `cursor` (a JSON list), and the cursor with them."""
    seen = set(json.loads(cursor)) if cursor else set()
    present = {file.sha256 for file in dropped(folder)} if folder.is_dir() else set()
    new = sorted(present - seen)
    return new, json.dumps(sorted(seen | present))


def night_to_run(now: datetime) -> str | None:
    """The latest complete night at `now` (the one the nightly schedule runs), if it is a night tieout runs."""
    night = SCHEDULE.last_night(now)
    return night.isoformat() if night >= SCHEDULE.first_snapshot_date else None


@sensor(
    name="ledger_drop_sensor",
    job=nightly_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING if _drop_dir() else DefaultSensorStatus.STOPPED,
    description="A new file in the ledger's drop folder (TIEOUT_LEDGER_DROP_DIR) runs the latest night again.",
)
def ledger_drop_sensor(context: SensorEvaluationContext):
    folder = _drop_dir()
    if not folder:
        return SkipReason("no drop folder is set (TIEOUT_LEDGER_DROP_DIR)")
    new, cursor = new_files(Path(folder), context.cursor)
    context.update_cursor(cursor)
    if not new:
        return SkipReason(f"no new file in {folder}")
    night = night_to_run(datetime.now(UTC))
    if night is None:
        return SkipReason("no night can run yet")
    key = hashlib.sha256("".join(new).encode()).hexdigest()[:16]
    context.log.info(f"{len(new)} new file(s) in {folder}: running the night of {night}")
    return RunRequest(run_key=f"ledger-drop-{key}", partition_key=night, tags={"tieout/ledger_files": str(len(new))})
