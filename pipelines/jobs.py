"""Jobs of the code location."""

from dagster import AssetSelection, define_asset_job

nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    description="The whole night for one snapshot date: extract, validate, map, reconcile, propose "
    "corrections and write the reports.",
)
