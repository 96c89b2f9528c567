"""Desk, manager and post-write latencies on a scale world (a benchmark, not a test).

    RSE_INSTANCE_DIR=/path/to/instance .venv/bin/python bench/desk.py
    RSE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rse_bench .venv/bin/python bench/desk.py

The database must already hold a scale world (``rse demo --users 20000 --communities 300 --posts
1000000``). Requests go through the API with a personal token, as a client would send them, so the
figures include permission filtering and serialisation. Prints p50 / p95 per measure and the
targets of the desk issue. Writes posts (addressed to a large unit) into the world it measures,
one second apart by default: on SQLite the thread that copies the write-ahead log into the
database (``RSE_SQLITE_CHECKPOINTS=background``) has then caught up, as between two such posts in
real use; ``--write-pause 0`` measures a burst instead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, where ``search.py`` would
# hide the ``search`` package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

TARGETS_MS = {"desk": 50, "manager": 150, "write": 200}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(
    client, method: str, path: str, token: str, runs: int, json=None, expect=200, pause: float = 0.0
) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for _ in range(runs):
        time.sleep(pause)
        started = time.perf_counter()
        response = client.open(path, method=method, headers=headers, json=json)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != expect:
            raise SystemExit(
                f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}"
            )
    return timings


def pick_subjects(db):
    """A member of many large communities, a manager over a whole ministry, a big unit to address."""
    from sqlalchemy import func, select

    from communities.models import Community, Membership
    from rse.accounts.models import ManagedUnit, User
    from rse.units.models import Unit

    big = select(Community.id).order_by(Community.member_count.desc(), Community.id).limit(10).subquery()
    member = db.session.execute(
        select(Membership.user_id, func.count())
        .where(Membership.community_id.in_(select(big.c.id)))
        .group_by(Membership.user_id)
        .order_by(func.count().desc(), Membership.user_id)
        .limit(1)
    ).first()[0]
    agents_below = (
        select(func.count())
        .select_from(User)
        .join(Unit, Unit.id == User.unit_id)
        .where(Unit.ministry_id == ManagedUnit.unit_id)
        .scalar_subquery()
    )
    ministry_manager, ministry_id, ministry_size = db.session.execute(
        select(ManagedUnit.user_id, ManagedUnit.unit_id, agents_below)
        .join(Unit, Unit.id == ManagedUnit.unit_id)
        .where(Unit.parent_id.is_(None))
        .order_by(agents_below.desc(), ManagedUnit.user_id)
        .limit(1)
    ).first()
    # The largest unit under about 5,000 people, and a large open community its agents may read.
    sizes = []
    for unit in db.session.scalars(select(Unit).where(Unit.depth <= 2)):
        size = db.session.scalar(
            select(func.count())
            .select_from(User)
            .join(Unit, Unit.id == User.unit_id)
            .where(Unit.id_path.startswith(unit.id_path))
        )
        sizes.append((abs(size - 5000), size, unit))
    _gap, unit_size, unit = min(sizes, key=lambda entry: entry[0])
    community = db.session.scalar(
        select(Community)
        .where(Community.visibility == "open")
        .where((Community.ministry_id.is_(None)) | (Community.ministry_id == unit.ministry_id))
        .order_by(Community.member_count.desc(), Community.id)
        .limit(1)
    )
    author = db.session.scalar(
        select(Membership.user_id).where(Membership.community_id == community.id).limit(1)
    )
    return {
        "member": db.session.get(User, member),
        "manager": db.session.get(User, ministry_manager),
        "ministry": (db.session.get(Unit, ministry_id), ministry_size),
        "unit": (unit, unit_size),
        "community": community,
        "author": db.session.get(User, author),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--writes", type=int, default=15)
    parser.add_argument(
        "--write-pause",
        type=float,
        default=1.0,
        help="Seconds between two writes (a post to a whole unit is an occasional event); 0 for a burst.",
    )
    args = parser.parse_args()

    from sqlalchemy import func, select

    from feed.models import Post, PostRecipient
    from rse import create_app
    from rse.accounts.models import User
    from rse.accounts.services import create_token
    from rse.extensions import db

    app = create_app()
    with app.app_context():
        posts = db.session.scalar(select(func.count()).select_from(Post))
        subjects = pick_subjects(db)
        tokens = {}
        for role in ("member", "manager", "author"):
            _token, tokens[role] = create_token(subjects[role], "bench")
        db.session.commit()
        ministry, ministry_size = subjects["ministry"]
        unit, unit_size = subjects["unit"]
        dialect = db.engine.dialect.name
        community_id, unit_id, unit_path = subjects["community"].id, unit.id, unit.path
        member_email, manager_email = subjects["member"].email, subjects["manager"].email
        ministry_path = ministry.path
        db.session.remove()

    client = app.test_client()
    rows = []

    def run(label, target, method, path, role, runs, json=None, expect=200, pause=0.0):
        client.open(path, method=method, headers={"Authorization": f"Bearer {tokens[role]}"}, json=json)
        timings = measure(client, method, path, tokens[role], runs, json=json, expect=expect, pause=pause)
        rows.append((label, statistics.median(timings), percentile(timings, 0.95), TARGETS_MS[target]))

    run("desk counts (GET /desk)", "desk", "GET", "/api/v1/desk", "member", args.runs)
    run("À faire, first page", "desk", "GET", "/api/v1/desk/todo", "member", args.runs)
    run("À lire, first page", "desk", "GET", "/api/v1/desk/toread", "member", args.runs)
    run("notifications, first page", "desk", "GET", "/api/v1/notifications", "member", args.runs)
    run("manager summary, whole ministry", "manager", "GET", "/api/v1/manager/summary", "manager", args.runs)
    run("manager items, first page", "manager", "GET", "/api/v1/manager/items", "manager", args.runs)
    payload = {
        "title": "Consigne de sécurité",
        "body": "Merci d'appliquer la consigne ci-jointe avant vendredi.",
        "qualification": "action",
        "priority": "immediate",
        "action_addressees": [{"type": "unit", "id": unit_id}],
    }
    run(
        f"write an action post to {unit_size:,} people",
        "write",
        "POST",
        f"/api/v1/communities/{community_id}/posts",
        "author",
        args.writes,
        json=payload,
        expect=201,
        pause=args.write_pause,
    )
    # Someone the writes asked to act: their notifications now include the benchmark's posts.
    with app.app_context():
        addressee = db.session.scalar(
            select(PostRecipient.user_id)
            .where(PostRecipient.post_id == db.session.scalar(select(func.max(Post.id))))
            .where(PostRecipient.notice_id.is_not(None))
            .order_by(PostRecipient.user_id)
            .limit(1)
        )
        _token, tokens["addressee"] = create_token(db.session.get(User, addressee), "bench")
        db.session.commit()
        db.session.remove()
    run("desk counts of an addressee of the writes", "desk", "GET", "/api/v1/desk", "addressee", args.runs)
    run("their notifications, first page", "desk", "GET", "/api/v1/notifications", "addressee", args.runs)

    print(f"database: {dialect}; posts: {posts:,}")
    print(f"member of large communities: {member_email}")
    print(f"manager: {manager_email} over {ministry_path} ({ministry_size:,} agents)")
    print(f"addressed unit: {unit_path} ({unit_size:,} agents)")
    print(f"writes: {args.writes}, {args.write_pause:g} s apart\n")
    print("| measure | p50 ms | p95 ms | target p95 ms |\n|---|---:|---:|---:|")
    for label, p50, p95, target in rows:
        flag = "" if p95 <= target else " (over)"
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {target}{flag} |")


if __name__ == "__main__":
    main()
