"""Jobs of the code location."""

from dagster import AssetSelection, define_asset_job

from assets.partitions import nightly_partitions

nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    partitions_def=nightly_partitions,
    description="The whole night for one snapshot date: extract every source object.",
)
