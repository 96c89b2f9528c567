"""Time the scale-world loader, table by table.

    .venv/bin/python bench/demo_load.py --users 2000 --communities 50 --posts 100000
    .venv/bin/python bench/demo_load.py --users 20000 --communities 300 --posts 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/rse_bench

SQLite runs in a fresh temporary instance folder; a PostgreSQL database must be empty (the schema
is migrated here). Prints wall time, the rate of each table's inserts and the database size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, where ``search.py`` would
# hide the ``search`` package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--communities", type=int, default=50)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="Default: SQLite in a temporary instance folder.")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="rse-bench-"))
    os.environ["RSE_INSTANCE_DIR"] = str(instance)
    if args.database_url:
        os.environ["RSE_DATABASE_URL"] = args.database_url

    from flask_migrate import upgrade

    from rse import create_app
    from rse.demo import bulk
    from rse.demo.scale import load_scale_world

    timings: dict[str, list[float]] = {}
    insert_rows = bulk.insert_rows

    def timed_insert(connection, name, rows):
        started = time.perf_counter()
        insert_rows(connection, name, rows)
        entry = timings.setdefault(name, [0, 0.0])
        entry[0] += len(rows)
        entry[1] += time.perf_counter() - started

    bulk.insert_rows = timed_insert
    app = create_app()
    with app.app_context():
        upgrade()
        if bulk.has_demo_data():
            raise SystemExit("The database already holds demo data: use an empty one.")
        started = time.perf_counter()
        load_scale_world(
            users=args.users, communities=args.communities, posts=args.posts, seed=args.seed, progress=print
        )
        elapsed = time.perf_counter() - started

    print(f"\n{'table':<18} {'rows':>12} {'seconds':>8} {'rows/s':>10}")
    for name, (rows, seconds) in sorted(timings.items(), key=lambda item: -item[1][1]):
        print(f"{name:<18} {rows:>12,} {seconds:>8.1f} {rows / seconds if seconds else 0:>10,.0f}")
    inserting = sum(seconds for _rows, seconds in timings.values())
    print(
        f"\nwall time {elapsed:.1f} s ({args.posts / elapsed:,.0f} posts/s), of which inserts {inserting:.1f} s"
    )
    database = instance / "rse.sqlite3"
    if database.exists():
        size = sum(path.stat().st_size for path in instance.glob("rse.sqlite3*"))
        print(f"SQLite file {size / 2**20:,.0f} MiB in {instance}")


if __name__ == "__main__":
    main()
