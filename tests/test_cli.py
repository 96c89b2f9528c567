"""The CLI commands print what scripts rely on (see the API contract)."""

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=list(args))
        return result

    return invoke


def test_units_create_prints_the_last_id(cli, app):
    from rse.extensions import db
    from rse.units.models import Unit

    result = cli("units", "create", "MEAE/DGM/Afrique")
    assert result.exit_code == 0, result.output
    unit_id = int(result.output.strip().splitlines()[-1])
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.path == "MEAE/DGM/Afrique"
        assert unit.parent.path == "MEAE/DGM"
        assert unit.ministry_id == unit.parent.parent.id
    again = cli("units", "create", "MEAE/DGM/Afrique")
    assert int(again.output.strip().splitlines()[-1]) == unit_id


def test_units_create_rejects_empty_levels(cli):
    result = cli("units", "create", "MEAE//Afrique")
    assert result.exit_code != 0


def test_users_create_then_token_then_api(cli, app):
    result = cli(
        "users", "create", "--email", "Chef@Diplomatie.gouv.fr", "--name", "Chef de poste",
        "--password", "long enough pw", "--role", "curator", "--unit", "MEAE/DGM/Afrique",
        "--manages", "MEAE/DGM/Afrique",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user_id = int(result.output.strip().splitlines()[-1])
    token_result = cli("tokens", "create", "--email", "chef@diplomatie.gouv.fr", "--name", "ci")
    assert token_result.exit_code == 0, token_result.output
    token = token_result.output.strip().splitlines()[-1]
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["id"] == user_id
    assert me["roles"] == ["agent", "curator", "manager"]
    assert me["manages"] == [{"id": me["unit"]["id"], "path": "MEAE/DGM/Afrique"}]


def test_users_create_refuses_bad_input_and_writes_nothing(cli, app):
    from sqlalchemy import func, select

    from rse.accounts.models import User
    from rse.extensions import db

    result = cli("users", "create", "--email", "not-an-email", "--name", "X", "--password", "short")
    assert result.exit_code != 0
    assert "email" in result.output and "password" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_deactivate(cli, app, make_user, token_for):
    user_id = make_user(email="partant@example.gouv.fr")
    token = token_for(user_id)
    result = cli("users", "deactivate", "--email", "PARTANT@example.gouv.fr")
    assert result.exit_code == 0, result.output
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_console_script_is_the_flask_cli(tmp_path):
    """`rse` and `flask --app wsgi` list the same commands."""
    env = {"RSE_INSTANCE_DIR": str(tmp_path), "PATH": str(Path(sys.executable).parent)}
    root = Path(__file__).resolve().parent.parent
    rse = subprocess.run(
        [str(Path(sys.executable).parent / "rse"), "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    flask = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "--help"],
        capture_output=True, text=True, env=env, cwd=root,
    )  # fmt: skip
    assert rse.returncode == 0 and flask.returncode == 0, rse.stderr + flask.stderr

    def commands(text):
        return set(text.split("Commands:")[1].split())

    for command in ("users", "tokens", "units", "demo", "db", "run", "routes"):
        assert command in commands(rse.stdout)
    assert commands(rse.stdout) == commands(flask.stdout)
