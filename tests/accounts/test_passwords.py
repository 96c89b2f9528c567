import pytest

from rse.accounts.passwords import hash_password, policy_errors, verify_password
from rse.errors import Invalid


def test_hashes_are_argon2id_and_salted():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "wrong horse")


@pytest.mark.parametrize(
    ("password", "ok"),
    [("1234567", False), ("12345678", True), ("aaaaaaaa", True), ("x" * 128, True), ("x" * 129, False)],
)
def test_policy_is_length_only(password, ok):
    assert (policy_errors(password) == []) is ok


def test_change_needs_the_current_password(app, make_user):
    from rse.accounts.models import User
    from rse.accounts.services import authenticate, change_password
    from rse.extensions import db

    user_id = make_user(email="claire@example.gouv.fr")
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(Invalid) as refused:
            change_password(user, "not my password", "a new long password")
        assert "current_password" in refused.value.errors
        with pytest.raises(Invalid) as too_short:
            change_password(user, "correct horse battery", "short")
        assert "new_password" in too_short.value.errors
        change_password(user, "correct horse battery", "a new long password")
        db.session.commit()
        assert authenticate("claire@example.gouv.fr", "a new long password") is not None
        assert authenticate("claire@example.gouv.fr", "correct horse battery") is None


def test_password_change_through_the_api(api, make_user):
    client = api(make_user())
    wrong = client.post(
        "/api/v1/me/password", json={"current_password": "nope", "new_password": "another password"}
    )
    assert wrong.status_code == 422
    assert "current_password" in wrong.get_json()["errors"]
    ok = client.post(
        "/api/v1/me/password",
        json={"current_password": "correct horse battery", "new_password": "another password"},
    )
    assert ok.status_code == 204


def test_email_is_unique_whatever_its_case(app, make_user):
    from rse.accounts.services import create_user

    make_user(email="Dup@Example.gouv.fr")
    with app.app_context(), pytest.raises(Invalid) as error:
        create_user(email="dup@example.GOUV.fr", name="Dup", password="long enough")
    assert "email" in error.value.errors
