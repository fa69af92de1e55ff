SELECT max(updated_at) FROM {raw_table} WHERE snapshot_date = $base_snapshot_date
