"""English messages that services build outside any gettext call and that pages translate.

``rse.web`` flashes some service messages through ``_(message)`` (for instance the password
policy errors, built with f-strings from ``MIN_LENGTH`` and ``MAX_LENGTH``). Extraction cannot see
them where they are made, so their literal texts are listed here, where ``make messages`` finds
them. ``tests/test_i18n.py`` checks that this list still matches what the services produce.
"""


def _l(message: str) -> str:
    """Marks a message for extraction (``-k _l``); translation happens where it is shown."""
    return message


SERVICE_MESSAGES = (
    _l("Incorrect."),  # rse.accounts.services.change_password, wrong current password
    _l("At least 8 characters."),  # rse.accounts.passwords.policy_errors, MIN_LENGTH
    _l("At most 128 characters."),  # rse.accounts.passwords.policy_errors, MAX_LENGTH
    _l("The token was not created."),  # rse.accounts.services.create_token, flashed by rse.web
)
