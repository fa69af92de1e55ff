"""Issue 14: a connector asks for the next page while it turns the current one into records
(`read_ahead`), one request in flight at a time, and never for a page past the last."""

import threading
import time

import pytest

from resources.extraction import read_ahead
from resources.http import SourceSystemError


def pages_of(last: int, asked: list, failing: int | None = None):
    def fetch(page: int, position: int) -> dict:
        asked.append((page, position))
        if page == failing:
            raise SourceSystemError("vendor", "things", page, 503, "unavailable")
        return {"position": position}

    def after(body: dict) -> int | None:
        return body["position"] + 10 if body["position"] < last else None

    return fetch, after


def test_the_next_page_is_asked_for_while_the_caller_keeps_this_one():
    """The second page is asked for after the first is handed over and before the caller is done with
    it: neither a lazy reader (asks only when the caller comes back) nor an eager one (hands the first
    over once the second has come) passes."""
    asked: list = []
    fetch, after = pages_of(21, asked)
    second_asked, first_kept, late = threading.Event(), threading.Event(), []

    def asking(page: int, position: int) -> dict:
        if page == 2:
            second_asked.set()
            first_kept.wait()  # the caller is still turning the first page into records
        return fetch(page, position)

    def watchdog() -> None:  # a sleep, not a timed wait: those never return under faketime
        time.sleep(30)
        late.append(True)
        second_asked.set()
        first_kept.set()

    threading.Thread(target=watchdog, daemon=True).start()
    pages = read_ahead(asking, 1, after)
    first = next(pages)
    second_asked.wait()
    first_kept.set()

    assert not late, "the second page was not asked for while the first was with the caller"
    assert [first, *pages] == [{"position": 1}, {"position": 11}, {"position": 21}]
    assert asked == [(1, 1), (2, 11), (3, 21)]  # the last page named no successor: nothing more asked


def test_a_failed_page_raises_where_it_is_due_and_nothing_after_it_is_asked():
    asked: list = []
    fetch, after = pages_of(41, asked, failing=2)
    pages = read_ahead(fetch, 1, after)

    assert next(pages) == {"position": 1}
    with pytest.raises(SourceSystemError, match="unavailable"):
        next(pages)
    assert asked == [(1, 1), (2, 11)]
