"""A night's records set down on disk as they arrive (resources/extraction.py RecordSpool): every record
comes back as it was sent, in order, across flushes and companies, and the files go with the spool."""

from __future__ import annotations

import duckdb

from resources.extraction import RawRecord, RecordSpool, path_literal

SENT = [
    RawRecord("US1", "1", "2026-11-20T10:00:00Z", '{"id": 1, "name": "Acme"}', 1),
    RawRecord("US1", None, None, '{"name": "no id"}', 1),  # quarantined downstream, never dropped here
    RawRecord("", "3", "/Date(1767225600000+0000)/", '{"id": 3, "name": "M\ufffdller"}', 2),
    RawRecord("UK1", "4", "not a time", '{"id": 4, "memo": "tab\\\\t and \'quote\'"}', 2),
    RawRecord("UK1", "5", "2026-11-20T11:00:00+01:00", "{}", 3),
]


def test_records_come_back_as_sent_in_order_across_flushes_and_companies():
    night = RecordSpool(flush_at=2)
    night += SENT[:3]
    company = RecordSpool(flush_at=2)
    company += SENT[3:]
    night.absorb(company)
    assert (len(night), len(company), list(company)) == (5, 0, [])
    assert list(night) == SENT
    files = night.sealed()
    with duckdb.connect() as reader:
        rows = reader.execute(
            f"SELECT record_id, strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') "
            f"FROM read_parquet([{', '.join(path_literal(f) for f in files)}])"
        ).fetchall()
    # the vendors' times parsed once, as the snapshot stores them: ISO 8601 and Xero's milliseconds, NULL if neither
    assert rows == [
        ("1", "2026-11-20 10:00"),
        (None, None),
        ("3", "2026-01-01 00:00"),
        ("4", None),
        ("5", "2026-11-20 10:00"),
    ]
    night.discard()
    assert not any(f.exists() for f in files) and len(night) == 0


def test_a_night_without_records_still_has_its_columns():
    spool = RecordSpool()
    (empty,) = spool.sealed()
    with duckdb.connect() as reader:
        columns = [
            c[0] for c in reader.execute(f"DESCRIBE SELECT * FROM read_parquet({path_literal(empty)})").fetchall()
        ]
    assert columns == ["entity", "record_id", "sent_updated_at", "updated_at", "payload", "page"]


def test_a_forgotten_spool_leaves_no_files():
    spool = RecordSpool(flush_at=1)
    spool += SENT
    files = spool.sealed()
    del spool
    assert not any(f.exists() for f in files)
