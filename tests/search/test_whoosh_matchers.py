"""The one-loop intersection and union find what Whoosh's own matchers find, with the same scores."""

import random

import pytest
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

from search.analysis import analyse
from search.whoosh_index import TEXT_FIELD, document_schema
from search.whoosh_matchers import HeapOr, LeapfrogAnd

# How often each word appears: postings span many blocks of 128, dense words skip to sparse ones.
DENSITIES = {"rapport": 0.6, "mission": 0.3, "urgence": 0.08, "budget": 0.02, "frontiere": 0.004}
DOCUMENTS = 3000


@pytest.fixture(scope="module")
def index():
    chance = random.Random(7)
    index = RamStorage().create_index(document_schema())
    with index.writer() as writer:
        for number in range(DOCUMENTS):
            words = [word for word, density in DENSITIES.items() if chance.random() < density]
            # Repeated words and lengths that vary, so that scores differ from document to document.
            text = " ".join(words * chance.randint(1, 3)) + " remplissage" * chance.randint(0, 9)
            writer.add_document(key=f"post:{number}", text=text or "vide")
    # Deleted documents stay in the segment's postings until a merge: matchers must step over them.
    with index.writer(merge=False) as writer:
        for number in range(0, DOCUMENTS, 7):
            writer.delete_by_term("key", f"post:{number}")
    return index


def term(word: str) -> wq.Term:
    return wq.Term(TEXT_FIELD, analyse(word)[0])


def walk(query, searcher, skips=()):
    """(document, score) of every match, skipping to each of ``skips`` when the walk reaches it."""
    return collect(query.matcher(searcher, searcher.context(needs_current=True)), skips)


def collect(matcher, skips=()):
    """(document, score) of every match of ``matcher``, skipping as ``walk`` does."""
    found, pending = [], sorted(skips)
    while matcher.is_active():
        found.append((matcher.id(), round(matcher.score(), 9)))
        while pending and pending[0] <= matcher.id():
            pending.pop(0)
        if pending:
            matcher.skip_to(pending.pop(0))
        else:
            matcher.next()
    return found


def test_the_leapfrog_intersection_matches_and_scores_as_whooshs_own(index):
    combinations = [
        ["rapport", "mission"],
        ["rapport", "frontiere"],
        ["budget", "mission", "urgence"],
        ["rapport", "mission", "urgence", "budget"],
        ["frontiere", "budget"],
    ]
    with index.searcher() as searcher:
        for words in combinations:
            expected = walk(wq.And([term(word) for word in words]), searcher)
            assert expected, words  # the words meet somewhere, or the comparison proves little
            assert walk(LeapfrogAnd([term(word) for word in words]), searcher) == expected
            skips = [5, 130, 131, 900, 2500, DOCUMENTS + 10]
            assert walk(LeapfrogAnd([term(word) for word in words]), searcher, skips) == walk(
                wq.And([term(word) for word in words]), searcher, skips
            )


def test_the_heap_union_matches_and_scores_as_whooshs_own(index):
    with index.searcher() as searcher:
        for words in (["budget", "frontiere"], ["urgence", "budget", "frontiere"], list(DENSITIES)):
            expected = walk(wq.Or([term(word) for word in words]), searcher)
            assert walk(HeapOr([term(word) for word in words]), searcher) == expected
            skips = [0, 129, 1000, 1001, 2999]
            assert walk(HeapOr([term(word) for word in words]), searcher, skips) == walk(
                wq.Or([term(word) for word in words]), searcher, skips
            )


def test_unions_inside_an_intersection_and_words_absent_from_the_index(index):
    with index.searcher() as searcher:
        mixed = walk(LeapfrogAnd([HeapOr([term("budget"), term("frontiere")]), term("mission")]), searcher)
        assert mixed == walk(wq.And([wq.Or([term("budget"), term("frontiere")]), term("mission")]), searcher)
        assert mixed
        assert walk(LeapfrogAnd([term("rapport"), term("introuvable")]), searcher) == []
        assert walk(HeapOr([term("introuvable"), term("frontiere")]), searcher) == walk(
            term("frontiere"), searcher
        )


def test_deleted_documents_are_never_matched(index):
    with index.searcher() as searcher:
        found = walk(LeapfrogAnd([term("rapport"), term("mission")]), searcher)
        found += walk(HeapOr([term("budget"), term("urgence")]), searcher)
        assert found
        assert all(document % 7 for document, _score in found)


def test_scores_from_lengths_at_hand_are_whooshs_bm25_to_the_last_bit(index):
    from whoosh import scoring

    assert getattr(scoring.BM25FScorer.score, "lengths_at_hand", False)  # the backend's fix is in force
    with index.searcher() as searcher:
        reader = searcher.reader()
        compared = 0
        for word in DENSITIES:
            matcher = term(word).matcher(searcher, searcher.context(needs_current=True))
            scorer = matcher.child.scorer  # under the filter of deleted documents
            while matcher.is_active():
                length = reader.doc_field_length(matcher.id(), TEXT_FIELD)
                expected = scoring.bm25(
                    scorer.idf, matcher.weight(), length, scorer.avgfl, scorer.B, scorer.K1
                )
                assert matcher.score() == expected
                compared += 1
                matcher.next()
        assert compared > 2000


def test_positions_decode_to_what_was_written():
    from whoosh import formats

    assert getattr(formats.Positions.decode_positions, "accumulates", False)
    positions = formats.Positions()
    for written in ([], [0], [3, 4, 9, 200], list(range(0, 5000, 7))):
        encoded = positions.encode(written)
        assert positions.decode_positions(encoded) == written
        assert positions.decode_positions(encoded[:-1]) == written  # stored without the pickle's last byte


def test_a_boosted_intersection_or_union_scales_its_scores_as_whooshs_own(index):
    with index.searcher() as searcher:
        words = ["mission", "urgence"]
        assert walk(LeapfrogAnd([term(word) for word in words], boost=2.5), searcher) == walk(
            wq.And([term(word) for word in words], boost=2.5), searcher
        )
        assert walk(HeapOr([term(word) for word in words], boost=0.5), searcher) == walk(
            wq.Or([term(word) for word in words], boost=0.5), searcher
        )


def test_words_intersected_a_window_at_a_time_with_a_union_beside_them(index):
    with index.searcher() as searcher:
        parts = [
            lambda: HeapOr([term("rapport"), term("mission")]),
            lambda: term("urgence"),
            lambda: term("budget"),
        ]
        expected = walk(
            wq.And([wq.Or([term("rapport"), term("mission")]), term("urgence"), term("budget")]), searcher
        )
        assert expected
        assert walk(LeapfrogAnd([make() for make in parts]), searcher) == expected
        skips = [3, 200, 201, 1500, 2900]
        assert walk(LeapfrogAnd([make() for make in parts]), searcher, skips) == walk(
            wq.And([wq.Or([term("rapport"), term("mission")]), term("urgence"), term("budget")]),
            searcher,
            skips,
        )


def test_which_way_an_intersection_is_walked(index):
    from search.whoosh_matchers import BlockIntersectionMatcher, LeapfrogMatcher

    with index.searcher() as searcher:
        context = searcher.context(needs_current=True)
        words = LeapfrogAnd([term("rapport"), term("mission")]).matcher(searcher, context)
        assert isinstance(words, BlockIntersectionMatcher)
        # A rare union leads, and steps the frequent word to it.
        led = LeapfrogAnd([HeapOr([term("budget"), term("frontiere")]), term("rapport")]).matcher(
            searcher, context
        )
        assert isinstance(led, LeapfrogMatcher)


def test_a_window_intersection_narrowed_by_codes_keeps_only_the_flagged_documents(index):
    from array import array

    with index.searcher() as searcher:
        codes = array("H", [number % 3 for number in range(DOCUMENTS)])
        flags = bytearray([0, 1, 0])  # documents whose number leaves 1 when divided by 3
        expected = [
            (document, score)
            for document, score in walk(wq.And([term("rapport"), term("mission")]), searcher)
            if document % 3 == 1
        ]
        assert expected
        matcher = LeapfrogAnd([term("rapport"), term("mission")]).matcher(
            searcher, searcher.context(needs_current=True)
        )
        matcher.narrow([(codes, flags)])
        assert collect(matcher) == expected


def test_a_lone_word_and_a_union_narrowed_by_codes_keep_only_the_flagged_documents(index):
    from array import array

    from search.whoosh_matchers import narrowable

    with index.searcher() as searcher:
        codes = array("H", [number % 3 for number in range(DOCUMENTS)])
        flags = bytearray([1, 0, 0])
        context = searcher.context(needs_current=True)
        for query, whooshs in [
            (term("mission"), term("mission")),
            (HeapOr([term("budget"), term("urgence")]), wq.Or([term("budget"), term("urgence")])),
        ]:
            expected = [(document, score) for document, score in walk(whooshs, searcher) if document % 3 == 0]
            assert expected
            matcher = narrowable(query.matcher(searcher, context))
            matcher.narrow([(codes, flags)])
            assert collect(matcher) == expected


def test_phrases_checked_in_the_window_find_what_whooshs_phrase_finds(index):
    with index.searcher() as searcher:
        context = searcher.context(needs_current=True)
        for words in (["rapport", "mission"], ["mission", "urgence"], ["urgence", "rapport", "mission"]):
            tokens = [analyse(word)[0] for word in words]
            expected = [document for document, _score in walk(wq.Phrase(TEXT_FIELD, tokens), searcher)]
            assert expected, words
            matcher = LeapfrogAnd([term(word) for word in words]).matcher(searcher, context)
            assert matcher.check_phrases(TEXT_FIELD, [tokens])
            assert [document for document, _score in collect(matcher)] == expected
        # A phrase whose words are not all among the matcher's lists is left to the caller.
        matcher = LeapfrogAnd([term("rapport"), term("mission")]).matcher(searcher, context)
        assert not matcher.check_phrases(TEXT_FIELD, [[analyse("rapport")[0], analyse("budget")[0]]])
