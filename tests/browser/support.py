"""Helpers shared by the browser tests and tests/test_i18n.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "rse" / "translations"
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"


def compile_translations() -> bool:
    """Compile the catalogues if a ``.mo`` is missing or older than its ``.po``; True if it did.

    ``make test`` compiles them first (``make translations``); this covers a fresh clone where
    pytest is run directly. The ``.mo`` files are build products and are not committed.
    """
    stale = [
        po
        for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return False
    from babel.messages.frontend import CommandLineInterface

    status = CommandLineInterface().run(["pybabel", "-q", "compile", "--use-fuzzy", "-d", str(TRANSLATIONS)])
    assert not status, f"pybabel compile failed on {TRANSLATIONS}"
    from rse.extensions import babel

    # Flask-Babel caches the catalogue of each locale, an empty one if it was missing: forget it.
    babel.domain_instance.cache.clear()
    return True
