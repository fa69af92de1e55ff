"""Corrections pushed back to the source systems: proposed from findings, governed by
config/ownership.yaml, approved automatically or by a person, and written back through an outbox
in the warehouse (schema `corrections`) exactly once."""
