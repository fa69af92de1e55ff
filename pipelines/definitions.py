"""The tieout code location: what `dagster dev` (workspace.yaml) and the `tieout` command load."""

from dagster import Definitions, in_process_executor

from assets.extraction import extraction_assets
from pipelines.jobs import nightly_job
from pipelines.resources import build_resources

defs = Definitions(
    assets=extraction_assets,
    jobs=[nightly_job],
    resources=build_resources(),
    # One process per run: DuckDB admits one writing process, and a night's steps are I/O-bound on
    # the vendors' rate limits rather than CPU-bound (docs/decisions.md).
    executor=in_process_executor,
)
