"""Sandbox sizes: named, and scaled by a factor."""

from sandbox.firm import size_for


def test_a_factor_scales_customers_holdings_and_consultants_of_the_named_size():
    tenth = size_for("benchmark:0.1")
    assert (tenth.billing_customers, tenth.holdings, tenth.consultants) == (680, 60, 30)
    assert (tenth.prospects, tenth.daily_log_chance) == (size_for("benchmark").prospects, 0.15)
