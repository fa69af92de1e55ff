"""Issue 13: a firm in America/Los_Angeles and one in Europe/Berlin across their DST changes. The
nightly schedule ticks once a local day at 02:00 (03:00 on the spring-forward day, when 02:00 does not
exist; once on the fall-back day, when it happens twice), and each tick runs the night of the local
day that just ended, which is also the night `tieout run` runs without a date. The partitions are bound to the zone when the code location loads, so each zone
is loaded in its own process, as a deployment would."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from resources.settings.environment import ScheduleSettings

REPO = Path(__file__).resolve().parents[1]

# What the code location is asked: the ticks of its nightly schedule from a moment, and the night each
# tick's run reconciles, evaluated as the daemon would at the tick's scheduled time.
PROBE = """
import json, sys
from datetime import datetime
from dagster import build_schedule_context
from dagster._utils.schedules import cron_string_iterator
from pipelines.definitions import defs

schedule = defs.resolve_schedule_def("nightly_schedule")
start, count = datetime.fromisoformat(sys.argv[1]), int(sys.argv[2])
ticks = cron_string_iterator(start.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
out = []
for _, tick in zip(range(count), ticks):
    requests = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=tick)).run_requests
    out.append([tick.isoformat(), [r.partition_key for r in requests or []]])
print(json.dumps(out))
"""

# (zone, the day clocks spring forward, the day they fall back) in 2026
CHANGES = [
    ("America/Los_Angeles", date(2026, 3, 8), date(2026, 11, 1)),
    ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
]


def ticks(zone: str, start: datetime, count: int) -> list[tuple[datetime, list[str]]]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TIEOUT_")},
        "TIEOUT_TIMEZONE": zone,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "packages" / "tieout-sandbox")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, start.isoformat(), str(count)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return [(datetime.fromisoformat(moment), keys) for moment, keys in json.loads(done.stdout)]


@pytest.mark.parametrize(("zone", "spring", "autumn"), CHANGES)
def test_the_nightly_schedule_across_dst_changes(zone, spring, autumn):
    local = ZoneInfo(zone)
    for change, spring_forward in ((spring, True), (autumn, False)):
        first = change - timedelta(days=2)
        found = ticks(zone, datetime(first.year, first.month, first.day, tzinfo=local), 5)
        days = [first + timedelta(days=n) for n in range(5)]
        # one tick a local day; each at 02:00 local, but 03:00 on the day 02:00 does not exist
        assert [t.astimezone(local).date() for t, _ in found] == days
        assert [t.astimezone(local).hour for t, _ in found] == [
            3 if spring_forward and day == change else 2 for day in days
        ]
        # each runs the night of the day before it, in the firm's zone
        assert [keys for _, keys in found] == [[(day - timedelta(days=1)).isoformat()] for day in days]
        # `tieout run` without a date runs the night the schedule would at that moment
        settings = ScheduleSettings(timezone=zone)
        assert [[settings.last_night(tick).isoformat()] for tick, _ in found] == [keys for _, keys in found]


@pytest.mark.parametrize(("zone", "spring", "autumn"), CHANGES)
def test_the_night_without_a_date_is_yesterday_in_the_firms_zone(zone, spring, autumn):
    """Late in the evening in Los Angeles and just after midnight in Berlin, the UTC date differs from
    the local one; on the days the clocks change, too."""
    settings, local = ScheduleSettings(timezone=zone), ZoneInfo(zone)
    for day in (spring, autumn):
        for hour, minute in ((0, 30), (23, 30)):
            moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=local)
            assert settings.last_night(moment.astimezone(ZoneInfo("UTC"))) == day - timedelta(days=1)
