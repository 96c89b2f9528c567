"""Cost of the live desk counts after a post reaches thousands of people (a benchmark, not a test).

    RSE_INSTANCE_DIR=/path/to/instance .venv/bin/python bench/live_desk_counts.py --connected 1000 5000

The database must hold a scale world (``rse demo --users 20000 --communities 300 --posts 20000``).
Takes the post with the most recipients, pretends that N of them have a socket, and times what the
delivery thread does for them: first one ``desk.counts`` per person (how the counts were first
computed), then ``desk.counts_for_many`` in batches of ``DESK_BATCH`` people (grouped queries).
Both compute the same figures; the script checks it on the first batch.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, where ``search.py`` would
# hide the ``search`` package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connected", type=int, nargs="+", default=[1000, 5000])
    options = parser.parse_args()

    from sqlalchemy import func, select

    from feed import desk
    from feed.models import PostRecipient
    from rse import create_app
    from rse.accounts.models import User
    from rse.extensions import db
    from rse.realtime import DESK_BATCH

    app = create_app()
    with app.app_context():
        post_id, reached = db.session.execute(
            select(PostRecipient.post_id, func.count())
            .group_by(PostRecipient.post_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        print(f"post {post_id} reaches {reached} people; load average {os.getloadavg()}")
        recipients = list(
            db.session.scalars(
                select(PostRecipient.user_id)
                .where(PostRecipient.post_id == post_id)
                .order_by(PostRecipient.user_id)
            )
        )
        print("connected | one by one (s) | per person (ms) | grouped (s) | per person (ms)")
        for wanted in options.connected:
            ids = recipients[:wanted]
            users = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))))
            db.session.expire_all()
            started = time.perf_counter()
            one_by_one = [desk.counts(user) for user in users]
            single = time.perf_counter() - started
            db.session.expire_all()
            started = time.perf_counter()
            grouped = {}
            for start in range(0, len(users), DESK_BATCH):
                grouped.update(desk.counts_for_many(users[start : start + DESK_BATCH]))
            batched = time.perf_counter() - started
            first = users[:DESK_BATCH]
            assert [grouped[user.id] for user in first] == one_by_one[: len(first)]
            print(
                f"{len(users)} | {single:.1f} | {single / len(users) * 1000:.1f} | "
                f"{batched:.1f} | {batched / len(users) * 1000:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
