"""The embedded default: a deterministic sandbox firm and local emulators of its vendors' APIs."""
