"""`atomic`: a block's statements land together, or none does and the caller hears why."""

import duckdb
import pytest

from resources.transactions import atomic


class Interrupted(BaseException):
    """Stands in for Ctrl-C or a cancelled run: not an Exception, and still rolled back."""


@pytest.fixture
def connection():
    with duckdb.connect() as connection:
        connection.execute("CREATE TABLE invoices (invoice_id INTEGER PRIMARY KEY, amount DECIMAL(18, 2))")
        connection.execute("INSERT INTO invoices VALUES (1, 100)")
        yield connection


def invoices(connection) -> list[tuple]:
    """The invoices as another connection sees them: committed rows only."""
    with connection.cursor() as other:
        return other.execute("SELECT invoice_id, amount::INTEGER FROM invoices ORDER BY invoice_id").fetchall()


def test_a_block_that_finishes_is_committed(connection):
    with atomic(connection):
        connection.execute("DELETE FROM invoices")
        connection.execute("INSERT INTO invoices VALUES (2, 250), (3, 75)")
    assert invoices(connection) == [(2, 250), (3, 75)]
    with pytest.raises(duckdb.TransactionException, match="no transaction is active"):
        connection.execute("ROLLBACK")  # committed: nothing is left open to undo


@pytest.mark.parametrize("error", [ValueError("a bad row"), Interrupted()])
def test_an_error_in_the_block_leaves_nothing_and_reaches_the_caller(connection, error):
    with pytest.raises(type(error)) as raised:
        with atomic(connection):
            connection.execute("DELETE FROM invoices")
            connection.execute("INSERT INTO invoices VALUES (2, 250)")
            raise error
    assert raised.value is error
    assert invoices(connection) == [(1, 100)]


def test_a_failing_statement_rolls_back_the_ones_before_it(connection):
    with pytest.raises(duckdb.ConstraintException):
        with atomic(connection):
            connection.execute("INSERT INTO invoices VALUES (2, 250)")
            connection.execute("INSERT INTO invoices VALUES (1, 999)")  # the key exists
    assert invoices(connection) == [(1, 100)]
