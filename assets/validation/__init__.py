"""The valid layer: one asset per raw snapshot asset, each with its blocking quarantine check, its
pandera contract check and its schema drift check."""

from assets.validation.checks import validation_checks_of
from assets.validation.factory import validation_asset
from checks import CONTRACTS

validation_assets = [validation_asset(system, object_name) for system, object_name in CONTRACTS]

validation_checks = [validation_checks_of(system, object_name) for system, object_name in CONTRACTS]
