"""Whoosh 2.7, corrected and made faster where a search or a rebuild spent its time.

Each function below replaces one method of Whoosh's, says what was measured, and keeps Whoosh's
results: the same documents found, the same scores and postings. They apply once, when the
Whoosh backend is imported.
"""

from __future__ import annotations

import itertools


def _remember_missing_columns() -> None:
    """Whoosh 2.7's segment reader looks for a field's length column on disk (one ``stat``) each
    time it is asked for a length the field does not keep (unscored fields), and the writer asks at
    every posting it writes: 765,000 calls, about a tenth of a rebuild of 45,511 documents. A
    segment never gains a column, so each reader now remembers the ones it found missing."""
    from whoosh.codec import whoosh3

    looked_up = whoosh3.W3PerDocReader._cached_reader
    if getattr(looked_up, "remembers_missing", False):
        return

    def cached_reader(self, fieldname, column):
        missing = self.__dict__.setdefault("_rse_missing_columns", set())
        if fieldname in missing:
            return None
        reader = looked_up(self, fieldname, column)
        if reader is None:
            missing.add(fieldname)
        return reader

    cached_reader.remembers_missing = True
    whoosh3.W3PerDocReader._cached_reader = cached_reader


def _whole_column(reader) -> bytes:
    if getattr(reader, "_fixedlen", None) == 1 and hasattr(reader, "_dbfile"):
        return bytes(reader._dbfile.get(reader._basepos, reader._count))
    return bytes(reader)


def field_lengths(perdoc, fieldname: str) -> bytes | None:
    """A segment's length bytes of ``fieldname``, one per document, read once; None without them."""
    from whoosh.codec import whoosh3

    columns = perdoc.__dict__.setdefault("_rse_lengths", {})
    lengths = columns.get(fieldname)
    if lengths is None:
        reader = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if reader is None:
            return None
        lengths = columns[fieldname] = _whole_column(reader)
    return lengths


def _read_lengths_whole() -> None:
    """Whoosh 2.7 reads a document's field length from the segment's file, one read per call; a
    rebuild asks for it at every posting it writes (about 8 % of its CPU) and BM25 at every match
    it scores. A length is one byte per document and field: a segment reader now reads a field's
    lengths once, whole (2.3 MB for the text and title fields of a 1,150,000-document segment)."""
    from whoosh.codec import whoosh3

    if getattr(whoosh3.W3PerDocReader.doc_field_length, "reads_whole", False):
        return

    def doc_field_length(self, docnum, fieldname, default=0):
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lengths = field_lengths(self, fieldname)
        if lengths is None:
            return default
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        # As Whoosh's own: nothing (None) for a document without the field.
        return whoosh3.byte_to_length(lbyte) if lbyte else None

    doc_field_length.reads_whole = True
    whoosh3.W3PerDocReader.doc_field_length = doc_field_length


def _score_with_lengths_at_hand() -> None:
    """BM25F scored a posting through nine calls, five of them to find the document's field
    length (scorer, searcher, reader, per-document reader, conversion); in a profile of the
    bench's phrases at 100,000 posts scoring took a sixth of the search. A scorer of a segment's
    term now holds the segment's length bytes (``field_lengths``) and works the formula out
    itself: the same expression as Whoosh's ``bm25``, so the same scores to the last bit."""
    from whoosh import scoring
    from whoosh.codec import whoosh3
    from whoosh.reading import SegmentReader

    if getattr(scoring.BM25FScorer.score, "lengths_at_hand", False):
        return
    looked_up = scoring.WeightLengthScorer.setup

    def setup(self, searcher, fieldname, text):
        reader = searcher.reader()
        perdoc = getattr(reader, "_perdoc", None)
        if type(reader) is not SegmentReader or not isinstance(perdoc, whoosh3.W3PerDocReader):
            return looked_up(self, searcher, fieldname, text)
        info = searcher.term_info(fieldname, text)
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer(info.max_weight())
        lengths = field_lengths(perdoc, fieldname)
        if lengths is None:
            return looked_up(self, searcher, fieldname, text)
        size, to_length = len(lengths), whoosh3.byte_to_length

        def length_of(docnum):
            lbyte = lengths[docnum] if docnum < size else 0
            return to_length(lbyte) if lbyte else None

        self.dfl = length_of
        self._maxquality = self._score(info.max_weight(), info.min_length())

    def score(self, matcher):
        tf, fl, B, K1 = matcher.weight(), self.dfl(matcher.id()), self.B, self.K1
        return self.idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / self.avgfl)))

    score.lengths_at_hand = True
    scoring.WeightLengthScorer.setup = setup
    scoring.BM25FScorer.score = score


def _reuse_segment_readers() -> None:
    """Whoosh 2.7's ``Searcher.refresh`` means to reuse the readers of the segments that did not
    change, but looks them up by index generation instead of segment id, so it never finds one:
    after every commit each search thread reopened every segment, the largest included (about
    two seconds at a million posts, which is how long a new post took to become searchable). A
    segment's files never change; only its deleted documents do, kept on its ``Segment`` object
    in the table of contents, so a reused reader is pointed at the new one."""
    from whoosh.index import FileIndex
    from whoosh.reading import EmptyReader, MultiReader, SegmentReader

    if getattr(FileIndex._reader, "reuses_segments", False):
        return

    def reader(cls, storage, schema, segments, generation, reuse=None):
        if not segments:
            return EmptyReader(schema)
        reusable = {}
        if reuse is not None:
            reusable = {
                leaf.segment().segment_id(): leaf
                for leaf, _offset in reuse.leaf_readers()
                if isinstance(leaf, SegmentReader) and not leaf.is_closed
            }
        readers = []
        try:
            for segment in segments:
                leaf = reusable.pop(segment.segment_id(), None)
                if leaf is None:
                    leaf = SegmentReader(storage, schema, segment, generation=generation)
                else:
                    leaf._segment = leaf._perdoc._segment = segment
                    leaf._gen = generation
                readers.append(leaf)
        finally:
            for leaf in reusable.values():
                leaf.close()
        return readers[0] if len(readers) == 1 else MultiReader(readers, generation=generation)

    reader.reuses_segments = True
    FileIndex._reader = classmethod(reader)


def _skip_by_bisection() -> None:
    """Whoosh 2.7's posting matcher skips to a document one posting at a time, three method calls
    each: a large part of a search for two words, whose intersection skips the more frequent
    word's postings to the next document holding the other (about a fifth off the p95 of the bench
    queries at a million posts). A block's document numbers are sorted, so the blocks are skipped
    by their largest number and the document found by bisection."""
    from bisect import bisect_left

    from whoosh.codec import whoosh3
    from whoosh.matching import ReadTooFar

    if getattr(whoosh3.W3LeafMatcher.skip_to, "bisects", False):
        return

    def skip_to(self, target):
        if self._atend or self._i >= self._blocklength:
            raise ReadTooFar
        if self._ids is None:
            self._read_ids()
        if target <= self._ids[self._i]:
            return
        while target > self._maxid:
            if self._lastblock:
                self._atend = True
                return
            self._goto(self._nextoffset)
        if self._ids is None:
            self._read_ids()
        # The block's largest number is at least the target: it is found within the block.
        self._i = bisect_left(self._ids, target, self._i)

    skip_to.bisects = True
    whoosh3.W3LeafMatcher.skip_to = skip_to


def _decode_ids_natively() -> None:
    """Whoosh 2.7 stores a block's document numbers as gaps and adds them up in a Python generator,
    one step per posting of every block a search reads (thousands for frequent words).
    ``itertools.accumulate`` gives the same numbers in C."""
    from whoosh.codec import whoosh3

    whoosh3.delta_decode = itertools.accumulate


def _decode_positions_natively() -> None:
    """Whoosh 2.7 adds up a posting's position gaps in a Python loop; a phrase reads the positions
    of each of its words in every document holding them all. ``itertools.accumulate`` gives the
    same positions in C."""
    from whoosh import formats
    from whoosh.compat import loads
    from whoosh.system import _INT_SIZE

    if getattr(formats.Positions.decode_positions, "accumulates", False):
        return

    def decode_positions(self, valuestring):
        if not valuestring.endswith(b"."):
            valuestring += b"."
        return list(itertools.accumulate(loads(valuestring[_INT_SIZE:])))

    decode_positions.accumulates = True
    formats.Positions.decode_positions = decode_positions


def _pickle_blocks_natively() -> None:
    """Whoosh 2.7 pickles each block of postings with pickle's protocol 2, in which a bytes value
    (the positions of one posting) becomes a call rebuilding it from a text: unpickling a block
    of the text field (128 postings) took 124 of the 152 µs its reading cost. Protocol 4 keeps
    bytes as they are: 16 µs, and a block 2.7 times smaller once compressed (535 bytes against
    1,473). At 100,000 posts the searches were not measurably faster for it (block reading is a
    small part of them there); the index is smaller. Blocks written before read as ever; new
    segments (each commit, merge and rebuild) are written this way."""
    import pickle

    from whoosh.codec import whoosh3

    if getattr(whoosh3.dumps, "native_bytes", False):
        return

    def dumps(value, protocol=None):
        return pickle.dumps(value, 4)

    dumps.native_bytes = True
    whoosh3.dumps = dumps


def apply() -> None:
    _remember_missing_columns()
    _read_lengths_whole()
    _score_with_lengths_at_hand()
    _reuse_segment_readers()
    _skip_by_bisection()
    _decode_ids_natively()
    _decode_positions_natively()
    _pickle_blocks_natively()
