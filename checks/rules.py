"""The contract rules' names and the vendor-independent reference data they check against.

Rule names are shared with the sandbox manifest (`manifest["malformed"][i]["rule"]`) and land in
`quality.quarantine.rule`, so renaming one is a breaking change for both.
"""

from __future__ import annotations

import polars as pl

# -- rule names ----------------------------------------------------------------------------------
ID_MISSING = "id_missing"
ID_DUPLICATE = "id_duplicate"
FIELD_MISSING = "field_missing"  # a required key absent: the vendor renamed or dropped it
VALUE_MISSING = "value_missing"  # a required key sent as null
WRONG_TYPE = "wrong_type"
DATE_UNPARSEABLE = "date_unparseable"
NUMBER_UNPARSEABLE = "number_unparseable"  # a number sent as a string (HubSpot) that holds none
DATE_IN_FUTURE = "date_in_future"
DATE_OUT_OF_WINDOW = "date_out_of_window"
HOURS_OUT_OF_RANGE = "hours_out_of_range"
CURRENCY_UNKNOWN = "currency_unknown"
MONEY_PRECISION = "money_precision"
STATUS_NOT_IN_ENUM = "status_not_in_enum"
REFERENCE_UNRESOLVED = "reference_unresolved"
PARENT_LEVEL_WRONG = "parent_level_wrong"
PARENT_CYCLE = "parent_cycle"
INVOICE_LINES_DO_NOT_SUM = "invoice_lines_do_not_sum"
AMOUNT_DUE_OUT_OF_RANGE = "amount_due_out_of_range"  # due below nothing or above the document's total
APPLICATION_SOURCE_NOT_ONE = "application_source_not_one"  # neither or both of a payment and a credit memo
TEXT_UNREADABLE = "text_unreadable"  # control characters, replacement characters, broken UTF-16
TEXT_TOO_LONG = "text_too_long"
TEXT_LOOKS_LIKE_FORMULA = "text_looks_like_formula"
TEXT_LOOKS_LIKE_SQL = "text_looks_like_sql"

# Rules whose breakers are still usable: kept in the valid layer and reported in quality.warnings
# instead of quarantined. An amount with more decimals than its currency is compared rounded to the
# minor unit; a name that starts like a formula ("@Gaicos Logistics", "+44 Partners") is a real
# name, neutralised wherever it is written out (reports, CSVs, writebacks). A QuickBooks Level that
# disagrees with its parent's is stale, not wrong: QuickBooks stores it per record, and a change-data
# extraction after a reparent returns the moved customer but not its descendants; hierarchies are
# derived from the ParentRef chains alone.
WARNING_RULES = frozenset({MONEY_PRECISION, TEXT_LOOKS_LIKE_FORMULA, PARENT_LEVEL_WRONG})

DETAILS = {
    ID_MISSING: "the record has no id",
    ID_DUPLICATE: "another record of this object carries the same id; neither can be told to be the real one",
    FIELD_MISSING: "required field absent from the record (renamed or dropped by the vendor?)",
    VALUE_MISSING: "required field is null",
    WRONG_TYPE: "value has the wrong JSON type",
    DATE_UNPARSEABLE: "not a valid ISO date or time",
    NUMBER_UNPARSEABLE: "text where a number is expected that holds no number",
    DATE_IN_FUTURE: "dated after the snapshot date",
    DATE_OUT_OF_WINDOW: "dated before the earliest plausible date",
    HOURS_OUT_OF_RANGE: "hours must be more than 0 and at most 24 per entry",
    CURRENCY_UNKNOWN: "not an ISO 4217 currency code",
    MONEY_PRECISION: "more decimals than the currency has",
    STATUS_NOT_IN_ENUM: "not one of the vendor's enumerated values",
    REFERENCE_UNRESOLVED: "refers to a record that does not exist in the same system",
    PARENT_LEVEL_WRONG: "a sub-customer's Level must be its parent's Level plus one",
    PARENT_CYCLE: "the parent chain loops back to the record itself",
    INVOICE_LINES_DO_NOT_SUM: "the lines do not add up to the document total",
    AMOUNT_DUE_OUT_OF_RANGE: "the amount due is below zero or above the document's total",
    APPLICATION_SOURCE_NOT_ONE: "an application applies a payment or a credit memo, exactly one of them",
    TEXT_UNREADABLE: "text holds control characters or bytes that are not valid UTF-8",
    TEXT_TOO_LONG: "text longer than the vendor allows",
    TEXT_LOOKS_LIKE_FORMULA: "text starts like a spreadsheet formula",
    TEXT_LOOKS_LIKE_SQL: "text carries an SQL statement",
}

# -- ISO 4217 --------------------------------------------------------------------------------------
# Active currency codes (funds, metals and test codes excluded: they never denominate an invoice).
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV
WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_ISO_4217.split())
MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


def minor_units(currencies: pl.Expr) -> pl.Expr:
    """Decimals of an amount in each currency (2 for a missing or unknown code, whose row fails its own rule)."""
    return currencies.replace_strict(MINOR_UNITS, default=2, return_dtype=pl.Int64).fill_null(2)


def decimals_sent(json_numbers: pl.Expr) -> pl.Expr:
    """Significant decimals of each JSON number literal as sent (`12.50` has 1, `1e2` has 0)."""
    fraction = json_numbers.str.extract(r"\.(\d+)", 1).fill_null("").str.strip_chars_end("0").str.len_chars()
    exponent = json_numbers.str.extract(r"[eE]([+-]?\d+)", 1).cast(pl.Int64, strict=False).fill_null(0)
    return (fraction.cast(pl.Int64) - exponent).clip(lower_bound=0)


# -- text safety -----------------------------------------------------------------------------------
# Regular expressions in the syntax both Python's re and Rust's regex (polars) read. Text is checked as
# DuckDB hands it over, valid UTF-8: a lone UTF-16 surrogate cannot reach it (the extraction sets text down
# as UTF-8, replacing what does not decode, which leaves U+FFFD).
UNREADABLE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]"
FORMULA = r"^\s*(?:=|\+|@|-[^\s\d])"
SQL = r"(?i);\s*(?:drop|delete|insert|update|alter|truncate|create|exec)\s|'\s*or\s+'?1'?\s*=\s*'?1|union\s+select"
