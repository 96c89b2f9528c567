import pytest
from sqlalchemy import text

from rse import ConfigError, create_app
from rse.config import ENV_VARS, load_config


def test_defaults_use_sqlite_and_whoosh_in_the_instance_folder(tmp_path):
    config = load_config({"RSE_INSTANCE_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'rse.sqlite3'}"
    assert config["SEARCH_DIR"] == str(tmp_path / "search")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["BABEL_DEFAULT_LOCALE"] == "fr"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config({"RSE_INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"RSE_INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_redis_url_moves_rate_limits_to_redis(tmp_path):
    config = load_config({"RSE_INSTANCE_DIR": str(tmp_path), "RSE_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_postgres_urls_use_psycopg3(tmp_path):
    config = load_config(
        {"RSE_INSTANCE_DIR": str(tmp_path), "RSE_DATABASE_URL": "postgresql://postgres@127.0.0.1/test"}
    )
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_production_refuses_a_missing_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="RSE_SECRET_KEY"):
        load_config({"RSE_ENV": "production", "RSE_INSTANCE_DIR": str(tmp_path)})


def test_production_refuses_debug(tmp_path):
    with pytest.raises(ConfigError, match="[Dd]ebug"):
        load_config(
            {
                "RSE_ENV": "production",
                "RSE_SECRET_KEY": "k" * 64,
                "RSE_DEBUG": "1",
                "RSE_INSTANCE_DIR": str(tmp_path),
            }
        )


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError):
        load_config({"RSE_ENV": "staging", "RSE_INSTANCE_DIR": str(tmp_path)})


def test_production_refuses_demo_accounts(app, app_config, make_user, monkeypatch):
    from rse.accounts.models import User
    from rse.extensions import db

    production = {**app_config, "RSE_ENV": "production", "DEBUG": False, "TESTING": False}
    create_app(production)  # starts while there is no demo account
    user_id = make_user()
    with app.app_context():
        db.session.execute(
            text("UPDATE users SET is_demo = :yes WHERE id = :id"), {"yes": True, "id": user_id}
        )
        db.session.commit()
        assert db.session.get(User, user_id).is_demo
    with pytest.raises(ConfigError, match="[Dd]emo"):
        create_app(production)


def test_every_variable_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for var in ENV_VARS:
        assert f"`{var.name}`" in readme, var.name
