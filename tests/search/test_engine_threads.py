"""Passes of one search run side by side: the page's hits come first, the count when it is read."""

import threading

import pytest

from search import engine_threads
from search.backends import Hit, SearchHits, SearchHitsLater


def test_a_pass_started_beside_runs_in_another_thread_and_gives_back_its_result_or_its_error():
    assert engine_threads.start(threading.get_ident)() != threading.get_ident()
    assert engine_threads.run(threading.get_ident) == threading.get_ident()
    failing = engine_threads.start(int, "not a number")
    with pytest.raises(ValueError):
        failing()


def test_the_hits_come_at_once_and_the_count_is_waited_for_once_when_first_read():
    hit = Hit(kind="post", object_id=1, post_id=1, score=1.0)
    counted = threading.Event()
    finished = []

    def finish():
        counted.wait(5)
        finished.append(True)
        return SearchHits([hit], 7, {"priority": {"flash": 1}}, ["broad"], total_exact=False)

    later = SearchHitsLater([hit], finish)
    assert later.hits == [hit] and finished == []  # the page, before any count
    counted.set()
    assert later.total == 7 and later.total_exact is False and later.facets_exact is True
    assert later.facets == {"priority": {"flash": 1}} and later.warnings == ["broad"]
    assert finished == [True]
