"""Liveness and readiness probes."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from rse.extensions import db, limiter

blp = Blueprint("health", __name__)


@blp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@blp.get("/readyz")
@limiter.exempt
def readyz():
    from search.backends import get_backend

    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        checks["database"] = f"error: {type(error).__name__}"
    try:
        get_backend().ping()
        checks["search"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["search"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
