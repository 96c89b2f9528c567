"""Helpers shared by the browser tests and tests/test_i18n.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


# axe-core (from the npm registry, ``make setup`` runs ``npm install``) is injected into the page
# under test; nothing is fetched from outside hosts.
BLOCKING = {"serious", "critical"}


def axe_violations(page, options: dict | None = None) -> list[dict]:
    """Runs axe-core in the page and returns its serious and critical violations."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make setup` (npm install) first.", pytrace=False)
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        """async (options) => {
            const {context, ...runOptions} = options;
            return await axe.run(context || document, {resultTypes: ["violations"], ...runOptions});
        }""",
        options or {},
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


def assert_accessible(page, options: dict | None = None) -> None:
    """No serious or critical axe-core violation in the page as it is now."""
    violations = axe_violations(page, options)
    assert not violations, f"axe found problems on {page.url}:\n{describe(violations)}"


def assert_no_horizontal_scroll(page, width: int) -> None:
    """The page fits ``width`` CSS pixels: nothing makes it scroll sideways."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width} px wide for {width} px"
