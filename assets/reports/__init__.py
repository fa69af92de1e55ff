"""The finance reports of each night. A report not written within its freshness window (the asset's
FreshnessPolicy) shows as stale in the UI; its checks read the files back."""

from assets.reports.checks import report_checks_evaluate
from assets.reports.workbook import REPORT_KEY, reports_root, workbook

report_assets = [workbook]
report_checks = [report_checks_evaluate]

__all__ = ["REPORT_KEY", "report_assets", "report_checks", "reports_root"]
