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
