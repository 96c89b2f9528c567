"""Search settings and the analyzer every backend shares."""

import pytest

from rse.config import ConfigError, load_config
from search.analysis import analyse


def test_search_defaults_to_whoosh_drained_by_each_server(tmp_path):
    config = load_config({"RSE_INSTANCE_DIR": str(tmp_path)})
    assert (config["SEARCH_BACKEND"], config["SEARCH_WORKER"]) == ("whoosh", "background")
    assert load_config({"RSE_INSTANCE_DIR": str(tmp_path), "RSE_SEARCH_WORKER": "external"})[
        "SEARCH_WORKER"
    ] == ("external")


@pytest.mark.parametrize(
    ("name", "value"), [("RSE_SEARCH_BACKEND", "lucene"), ("RSE_SEARCH_WORKER", "sometimes")]
)
def test_unknown_search_settings_are_refused(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({"RSE_INSTANCE_DIR": str(tmp_path), name: value})


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Les négociations diplomatiques", "negociation diplomatique"),
        ("les élus", "elus"),
        ("l'élu", "ELU"),
        ("Préfectures", "prefecture"),
        ("ÉLECTIONS législatives", "election legislative"),
    ],
)
def test_french_forms_meet_after_analysis(written, searched):
    assert analyse(written) == analyse(searched)


def test_postgresql_search_needs_a_postgresql_database(tmp_path):
    with pytest.raises(ConfigError, match="RSE_SEARCH_BACKEND=postgresql needs a PostgreSQL"):
        load_config({"RSE_INSTANCE_DIR": str(tmp_path), "RSE_SEARCH_BACKEND": "postgresql"})
    config = load_config(
        {
            "RSE_INSTANCE_DIR": str(tmp_path),
            "RSE_SEARCH_BACKEND": "postgresql",
            "RSE_DATABASE_URL": "postgresql://rse@db.example/rse",
        }
    )
    assert config["SEARCH_BACKEND"] == "postgresql"


def test_tantivy_search_keeps_its_index_under_the_search_folder(tmp_path):
    from search.tantivy_index import TantivyBackend

    config = load_config({"RSE_INSTANCE_DIR": str(tmp_path), "RSE_SEARCH_BACKEND": "tantivy"})
    assert config["SEARCH_BACKEND"] == "tantivy"
    backend = TantivyBackend(config["SEARCH_DIR"])
    backend.ensure_index()
    assert backend.current.resolve().parent == tmp_path / "search" / "tantivy"
    backend.ping()


SAMPLE = (
    "Les négociations diplomatiques de l'ambassade : NOUS avons reçu 3 télégrammes sur la "
    "covid-19, le taux passe à 1.5 ; les élus et leurs préfectures, été 2026. Ô surprise !\n"
    "Réseaux, réseau, exportations… et des mots-composés."
)


def _whoosh_chain():
    """The analysis as a chain of Whoosh's own filters, which ``FrenchAnalyzer`` fuses."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

    from search.analysis import FRENCH_STOP_WORDS, TOKEN_PATTERN, FoldFilter, PluralFilter

    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | FoldFilter()
        | StemFilter(lang="fr")
        | PluralFilter()
    )


def _tokens(analyzer, value, **options):
    return [
        tuple(
            getattr(token, name, None)
            for name in ("text", "stopped", "pos", "startchar", "endchar", "original")
        )
        for token in analyzer(value, **options)
    ]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"positions": True, "chars": True},
        {"positions": True, "chars": True, "start_pos": 7, "start_char": 3},
        {"positions": True, "chars": True, "removestops": False, "mode": "query", "keeporiginal": True},
    ],
)
def test_the_fused_analyzer_gives_the_tokens_of_whooshs_chain(options):
    from search.analysis import french_analyzer

    expected = _tokens(_whoosh_chain(), SAMPLE, **options)
    assert [text for text, stopped, *_ in expected if not stopped][:3] == ["negoci", "diplomat", "ambassad"]
    assert _tokens(french_analyzer(), SAMPLE, **options) == expected
    # Asked again, the remembered terms give the same tokens.
    assert _tokens(french_analyzer(), SAMPLE, **options) == expected


@pytest.mark.parametrize("word", ["Négociations", "les", "nous", "Élus", ""])
def test_the_fused_analyzer_reads_a_whole_value_as_whoosh_does(word):
    from search.analysis import french_analyzer

    for removestops in (True, False):
        options = {"tokenize": False, "removestops": removestops, "positions": True, "chars": True}
        assert _tokens(french_analyzer(), word, **options) == _tokens(_whoosh_chain(), word, **options)


def test_an_index_written_with_the_former_chain_still_opens(tmp_path):
    """Whoosh keeps the analyzers in the index: one from before the fused analyzer names the
    chain's filters, and must open (and find its words) until it is rebuilt."""
    from whoosh import index
    from whoosh.fields import TEXT, Schema
    from whoosh.qparser import QueryParser

    written = index.create_in(tmp_path, Schema(text=TEXT(analyzer=_whoosh_chain(), stored=True)))
    with written.writer() as writer:
        writer.add_document(text="Les négociations diplomatiques")
    reopened = index.open_dir(tmp_path)
    with reopened.searcher() as searcher:
        query = QueryParser("text", reopened.schema).parse("negociation")
        assert [hit["text"] for hit in searcher.search(query)] == ["Les négociations diplomatiques"]
