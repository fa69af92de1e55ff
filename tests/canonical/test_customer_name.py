"""Customer names normalise once: the SQL macro and the Python function give the same key."""

import duckdb
import pytest

from sql.customer_name import install, normalized

KEYS = {
    "Zürich Versicherung AG": "zurich versicherung",
    "Rhein Logistik GmbH & Co. KG": "rhein logistik",
    "Bella Moda S.r.l.": "bella moda",
    "Kangaroo Freight Pty Ltd": "kangaroo freight",
    "Acme Intl Mfg Svcs, Inc.": "acme international manufacturing services",
    "Smith Bros. & Assoc. LLP": "smith brothers and associates",
    "Orion Env. Eng. Grp PLC": "orion environmental engineering group",
    "Vega Hldgs SE": "vega holdings",
    "Nova Tech Sys B.V.": "nova technology systems",
    "Lumen SAS": "lumen",
    "Aurel Gesellschaft mit beschränkter Haftung": "aurel",
    "Cobalt Limited Liability Company": "cobalt",
    "Helios Energy Group": "helios energy group",
    "SE": "se",
}


@pytest.mark.parametrize("name", KEYS)
def test_sql_and_python_give_the_same_key(name):
    connection = duckdb.connect()
    install(connection)
    (in_sql,) = connection.execute("SELECT customer_name_key(?)", [name]).fetchone()
    assert normalized(name) == in_sql == KEYS[name]


def test_no_name_has_an_empty_key():
    assert normalized(None) == normalized("") == ""
