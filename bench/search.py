"""Search: reindex rate, index size, API and raw-engine latency, commit-to-searchable delay.

    RSE_INSTANCE_DIR=/path/to/instance .venv/bin/python bench/search.py --backends whoosh
    RSE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rse_bench \\
        .venv/bin/python bench/search.py --backends whoosh,postgresql

The database must already hold a scale world (``rse demo --users 20000 --communities 300 --posts
100000``, or 1,000,000 posts). For each backend the script rebuilds the index (unless
``--reuse-index``), then asks about 300 queries generated from the corpus's own words (one word,
two words, a phrase, a prefix; half of them with a filter; facets are always counted) through the
API with a personal token, as a client would, so the figures include permission trimming, the
database checks of each hit, snippets and serialisation. It asks them for a member of many
communities and for a member of few, then the same queries of the raw engine (no permission
trimming, no facets: the first 20 hits and the total). Last it writes posts through the API and
polls the search until each is found: the delay from the commit to the post being searchable,
in each ``--writer-modes`` (``inline``: the request drains; ``background``: the process's writer
thread does). Writes those posts into the world it measures.

The raw engine of each backend is a function in ``RAW_ENGINES``; a backend without one prints
"n/a" in the raw columns.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, and this file's name would
# hide the ``search`` package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

TARGET_API_P95_MS = 150
TARGET_API_OVER_RAW = 1.5
TARGET_REINDEX_POSTS_PER_S = 1_000_000 / (30 * 60)
TARGET_SEARCHABLE_P95_MS = 2000
KINDS = ("one word", "two words", "phrase", "prefix")
RAW_LIMIT = 20
WARM_UP_QUERIES = 10
SAMPLE_POSTS = 3000
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class BenchQuery:
    kind: str
    q: str
    filtered: bool


@dataclass
class Timings:
    values: list[float] = field(default_factory=list)

    def summary(self) -> tuple[float, float, float, float] | None:
        if not self.values:
            return None
        values = self.values
        return percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99), max(values)


# The world ---------------------------------------------------------------------------------------


def pick_users(db):
    """The active member of the most communities and an active member of the fewest (at least one)."""
    from sqlalchemy import func, select

    from communities.models import Membership
    from rse.accounts.models import User

    counts = (
        select(Membership.user_id, func.count().label("n"))
        .join(User, User.id == Membership.user_id)
        .where(User.active.is_(True))
        .group_by(Membership.user_id)
    )
    many = db.session.execute(counts.order_by(func.count().desc(), Membership.user_id).limit(1)).first()
    few = db.session.execute(counts.order_by(func.count(), Membership.user_id).limit(1)).first()
    return (db.session.get(User, many[0]), many[1]), (db.session.get(User, few[0]), few[1])


def corpus_vocabulary(db, seed: int):
    """Words and word pairs from an evenly spread sample of posts (same world, same queries)."""
    from sqlalchemy import func, select

    from feed.models import Post
    from search.analysis import analyse

    highest = db.session.scalar(select(func.max(Post.id))) or 0
    step = max(1, highest // SAMPLE_POSTS)
    rows = db.session.execute(
        select(Post.title, Post.body).where(Post.id % step == 0, Post.deleted_at.is_(None)).order_by(Post.id)
    ).all()
    frequency: Counter[str] = Counter()
    posts_words: list[list[str]] = []
    useful: dict[str, bool] = {}

    def keeps(word: str) -> bool:
        if word not in useful:
            useful[word] = bool(analyse(word))  # stop words give no term
        return useful[word]

    for title, body in rows:
        words = [word.lower() for word in _WORD.findall(f"{title} {body}")]
        words = [word for word in words if keeps(word)]
        if len(words) >= 2:
            posts_words.append(words)
        # Sorted: equally frequent words then rank in a fixed order, not in the set's, which
        # follows string hashing (a new seed per process), so every run asks the same queries.
        frequency.update(sorted(set(words)))
    if not posts_words:
        raise SystemExit("The world has no posts to take words from: load one with `rse demo`.")
    ranked = [word for word, _count in frequency.most_common()]
    return ranked, posts_words, random.Random(seed)


def make_queries(db, count: int, seed: int, community_id: int) -> list[BenchQuery]:
    """``count`` queries cycling through the kinds, every other round with a filter."""
    from sqlalchemy import func, select

    from feed.models import Post

    ranked, posts_words, rng = corpus_vocabulary(db, seed)
    frequent, middle = ranked[:200], ranked[200:2000] or ranked
    oldest, newest = db.session.execute(select(func.min(Post.created_at), func.max(Post.created_at))).one()
    middle_month = (oldest + (newest - oldest) / 2).strftime("%Y-%m")
    filters = [
        "qualification:action",
        "priority:immediate",
        f"after:{middle_month}",
        f"community:{community_id}",
    ]
    queries = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        filtered = (number // len(KINDS)) % 2 == 1
        words = rng.choice(posts_words)
        if kind == "one word":
            q = rng.choice(frequent if number % 3 else middle)
        elif kind == "two words":
            first, second = rng.sample(sorted(set(words)), 2) if len(set(words)) > 1 else (words[0], words[1])
            q = f"{first} {second}"
        elif kind == "phrase":
            start = rng.randrange(len(words) - 1)
            q = f'"{words[start]} {words[start + 1]}"'
        else:
            long_words = [word for word in (frequent + middle) if len(word) >= 7] or ranked
            word = rng.choice(long_words)
            q = word[: rng.randint(4, 6)] + "*"
        if filtered:
            q = f"{q} {filters[(number // (2 * len(KINDS))) % len(filters)]}"
        queries.append(BenchQuery(kind, q, filtered))
    return queries


# Backends ----------------------------------------------------------------------------------------


def use_backend(app, name: str):
    """Point the application at a backend by name (``search.backends.make_backend`` decides)."""
    from search.backends import make_backend

    app.config["SEARCH_BACKEND"] = name
    backend = make_backend(app)
    backend.ensure_index()
    app.extensions["rse_search"] = backend
    return backend


def check_backends(app, names: list[str]) -> None:
    """Fail before any work when a backend is unknown or cannot run on this database."""
    from search.backends import make_backend

    saved = app.config.get("SEARCH_BACKEND")
    try:
        for name in names:
            app.config["SEARCH_BACKEND"] = name
            try:
                make_backend(app)
            except Exception as error:  # noqa: BLE001 - reported as the reason the bench stops
                raise SystemExit(f"Backend {name!r} cannot be used here: {error}") from error
    finally:
        app.config["SEARCH_BACKEND"] = saved


def reindex(backend) -> tuple[int, float]:
    """As ``rse search reindex``: rebuild under the writer lock, then apply what waited."""
    from sqlalchemy.orm import Session

    from rse.extensions import db
    from search.documents import all_documents
    from search.outbox import drain, writer_lock

    started = time.perf_counter()
    with writer_lock(block=True), Session(db.engine) as session:
        indexed = backend.rebuild(
            all_documents(session, by_community=backend.rebuild_by_community), lambda _count: None
        )
    elapsed = time.perf_counter() - started
    drain(block=True)
    return indexed, elapsed


def _folder_size(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def index_size(backend) -> int | None:
    """Bytes on disk: the served Whoosh generation, the PostgreSQL table with its indexes."""
    if backend.name == "postgresql":
        from sqlalchemy import text

        from rse.extensions import db
        from search.postgres import TABLE

        with db.engine.connect() as connection:
            return connection.execute(
                text("SELECT pg_total_relation_size(:table)"), {"table": TABLE}
            ).scalar()
    current = getattr(backend, "current", None)
    if current is not None and Path(current).exists():
        return _folder_size(Path(os.path.realpath(current)))
    directory = getattr(backend, "directory", None)
    if directory is not None and Path(directory).exists():
        return _folder_size(Path(directory))
    return None


def raw_whoosh(backend, q: str) -> int:
    """The parsed query and its filters, ``searcher.search`` with limit 20 and the total."""
    from whoosh import query as wq

    from search.query import parse_date, parse_query

    parsed = parse_query(q)
    searcher = backend._searcher()
    clauses = [backend._text_query(searcher, parsed, [])]
    filters = parsed.filters
    for name in ("qualification", "priority"):
        clauses += [wq.Term(name, value) for value in filters.get(name, [])]
    clauses += [wq.Term("community_id", value) for value in filters.get("community", [])]
    for value in filters.get("after", []):
        clauses.append(wq.DateRange("created_at", parse_date(value).replace(tzinfo=None), None))
    results = searcher.search(wq.And(clauses), limit=RAW_LIMIT)
    return len(results)


def raw_postgresql(backend, q: str) -> int:
    """Match, rank the first 20 and count every match, in SQL, without permission trimming."""
    from sqlalchemy import text

    from rse.extensions import db
    from search.postgres import RANK_WEIGHTS, TABLE, _TsQuery
    from search.query import parse_date, parse_query

    parsed = parse_query(q)
    params: dict = {}
    builder = _TsQuery(params)
    parts = [part for part in map(builder.word, parsed.words) if part]
    parts += [part for part in map(builder.phrase, parsed.phrases) if part]
    parts += [builder.prefix_terms(prefix) for prefix in parsed.prefixes]
    if not parts:
        return 0
    positive = " && ".join(parts)
    where = [f"document @@ ({positive})"]
    filters = parsed.filters
    for name in ("qualification", "priority"):
        if filters.get(name):
            where.append(f"{name} = ANY(:{name})")
            params[name] = filters[name]
    if filters.get("community"):
        where.append("community_id = ANY(:community)")
        params["community"] = [int(value) for value in filters["community"]]
    for number, value in enumerate(filters.get("after", [])):
        where.append(f"created_at >= :after{number}")
        params[f"after{number}"] = parse_date(value)
    condition = " AND ".join(where)
    with db.engine.connect() as connection:
        connection.execute(
            text(
                f"SELECT key, ts_rank('{RANK_WEIGHTS}', document, ({positive}), 32) AS score"
                f" FROM {TABLE} WHERE {condition} ORDER BY score DESC LIMIT {RAW_LIMIT}"
            ),
            params,
        ).all()
        return connection.execute(text(f"SELECT count(*) FROM {TABLE} WHERE {condition}"), params).scalar()


def raw_tantivy(backend, q: str) -> int | None:
    """The tantivy module's own ``raw_search(text, limit)`` (or the backend's), when it has one."""
    try:
        module = importlib.import_module("search.tantivy_index")
    except ImportError:
        return None
    raw_search = getattr(module, "raw_search", None) or getattr(backend, "raw_search", None)
    if raw_search is None:
        return None
    return raw_search(q, RAW_LIMIT)


# A backend's engine asked directly; None from the function means it has no raw path.
RAW_ENGINES: dict[str, Callable] = {
    "whoosh": raw_whoosh,
    "postgresql": raw_postgresql,
    "tantivy": raw_tantivy,
}


# Measures ----------------------------------------------------------------------------------------


def api_search(client, token: str, q: str) -> float:
    started = time.perf_counter()
    response = client.get(
        "/api/v1/search", query_string={"q": q}, headers={"Authorization": f"Bearer {token}"}
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(
            f"GET /api/v1/search?q={q}: {response.status_code} {response.get_data(as_text=True)[:300]}"
        )
    return elapsed


def measure_api(client, token: str, queries: list[BenchQuery]) -> tuple[Timings, dict[str, Timings]]:
    for query in queries[:WARM_UP_QUERIES]:
        api_search(client, token, query.q)
    overall = Timings()
    by_kind: dict[str, Timings] = {name: Timings() for name in (*KINDS, "with filter", "without filter")}
    for query in queries:
        elapsed = api_search(client, token, query.q)
        overall.values.append(elapsed)
        by_kind[query.kind].values.append(elapsed)
        by_kind["with filter" if query.filtered else "without filter"].values.append(elapsed)
    return overall, by_kind


def measure_raw(app, backend, queries: list[BenchQuery]) -> Timings | None:
    engine = RAW_ENGINES.get(backend.name)
    if engine is None:
        return None
    timings = Timings()
    with app.app_context():
        for query in queries[:WARM_UP_QUERIES]:
            if engine(backend, query.q) is None:
                return None
        for query in queries:
            started = time.perf_counter()
            engine(backend, query.q)
            timings.values.append((time.perf_counter() - started) * 1000)
    return timings


def unique_word(number: int) -> str:
    """A made-up word the analysis keeps as it is (no vowel for the stemmer, no plural ending)."""
    from search.analysis import analyse

    letters = "bcdfghjklmnpqrtvwz"
    suffix = ""
    number += len(letters) ** 3
    while number:
        number, digit = divmod(number, len(letters))
        suffix += letters[digit]
    word = f"zqk{suffix}"
    if analyse(word) != [word]:
        raise SystemExit(f"The analysis changes the marker word {word!r}: pick other letters.")
    return word


@contextlib.contextmanager
def commit_clock(times: list[float]):
    """Record when each transaction carrying index changes commits (before the outbox drains)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from search.outbox import PENDING_FLAG

    def on_commit(session):
        if session.info.get(PENDING_FLAG):
            times.append(time.perf_counter())

    event.listen(Session, "after_commit", on_commit, insert=True)
    try:
        yield
    finally:
        event.remove(Session, "after_commit", on_commit)


def measure_freshness(app, client, token: str, community_id: int, writes: int, run: int, timeout: float):
    """Write posts through the API; after each, poll the search until it is found.

    The first write is not measured: a server's writer thread opens the index when it starts
    (``SearchBackend.warm_up``), this process's when the first write wakes it.
    """
    write_times, delays = Timings(), Timings()
    headers = {"Authorization": f"Bearer {token}"}
    # Words no earlier run wrote into this world (it would be found before this post is indexed).
    first = (time.time_ns() // 1_000_000 % 10**9) * 10_000 + run * 1_000
    _write_and_find(client, headers, community_id, unique_word(first + 999), timeout)
    for number in range(writes):
        word = unique_word(first + number)
        commits: list[float] = []
        with commit_clock(commits):
            started = time.perf_counter()
            _write(client, headers, community_id, word)
            write_times.values.append((time.perf_counter() - started) * 1000)
        committed = commits[0] if commits else started
        _find(client, headers, word, timeout)
        delays.values.append((time.perf_counter() - committed) * 1000)
    return write_times, delays


def _write(client, headers: dict, community_id: int, word: str) -> None:
    """A post holding ``word``, written through the API."""
    response = client.post(
        f"/api/v1/communities/{community_id}/posts",
        headers=headers,
        json={"title": f"Note de mesure {word}", "body": f"Mesure de fraîcheur de l'index : {word}."},
    )
    if response.status_code != 201:
        raise SystemExit(f"POST a post: {response.status_code} {response.get_data(as_text=True)[:300]}")


def _write_and_find(client, headers: dict, community_id: int, word: str, timeout: float) -> None:
    _write(client, headers, community_id, word)
    _find(client, headers, word, timeout)


def _find(client, headers: dict, word: str, timeout: float) -> None:
    """Poll the search until ``word`` is found."""
    deadline = time.perf_counter() + timeout
    while True:
        found = client.get("/api/v1/search", query_string={"q": word}, headers=headers).get_json()
        if found and found.get("items"):
            return
        if time.perf_counter() > deadline:
            raise SystemExit(f"A post written {timeout:.0f} s ago is still not searchable ({word}).")
        time.sleep(0.005)


# Output ------------------------------------------------------------------------------------------


def _ms(summary, index: int) -> str:
    return "n/a" if summary is None else f"{summary[index]:.1f}"


def _size(size: int | None) -> str:
    if size is None:
        return "n/a"
    return f"{size / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="whoosh", help="Comma-separated: whoosh, postgresql, tantivy.")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--writes", type=int, default=30, help="Posts written to measure freshness.")
    parser.add_argument(
        "--writer-modes",
        default=None,
        help="Comma-separated RSE_SEARCH_WORKER modes to measure freshness in (default: the configured one).",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse-index", action="store_true", help="Skip the reindex; use the index as it is."
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait for a post to be found.")
    parser.add_argument(
        "--raw-backends",
        default=None,
        help="Comma-separated backends whose raw engine is measured (default: all). Whoosh's own"
        " search, unbounded, takes far longer than the API at 1,000,000 posts.",
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.backends.split(",") if name.strip()]

    from sqlalchemy import func, select

    from communities.models import Membership
    from feed.models import Post
    from rse import create_app
    from rse.accounts.services import create_token
    from rse.extensions import db
    from rse.permissions import readable_community_ids

    app = create_app()
    check_backends(app, names)
    modes = [mode.strip() for mode in (args.writer_modes or app.config["SEARCH_WORKER"]).split(",")]
    with app.app_context():
        posts = db.session.scalar(select(func.count()).select_from(Post))
        (many, many_count), (few, few_count) = pick_users(db)
        subjects = []
        for label, user, memberships in (("many", many, many_count), ("few", few, few_count)):
            _token, secret = create_token(user, "bench search")
            readable = len(list(db.session.scalars(readable_community_ids(user))))
            subjects.append((label, user.email, memberships, readable, secret))
        member_community = db.session.scalar(
            select(func.min(Membership.community_id)).where(Membership.user_id == many.id)
        )
        db.session.commit()
        queries = make_queries(db, args.queries, args.seed, member_community)
        dialect = db.engine.dialect.name
        db.session.remove()

    client = app.test_client()
    indexing_rows, search_rows, kind_rows = [], [], []
    for run, name in enumerate(names):
        with app.app_context():
            backend = use_backend(app, name)
            if args.reuse_index:
                indexed, elapsed = None, None
            else:
                indexed, elapsed = reindex(backend)
            size = index_size(backend)
        raw_wanted = args.raw_backends is None or name in args.raw_backends.split(",")
        raw = measure_raw(app, backend, queries) if raw_wanted else None
        raw_summary = raw.summary() if raw else None
        for label, _email, _memberships, _readable, token in subjects:
            overall, by_kind = measure_api(client, token, queries)
            api_summary = overall.summary()
            ratio = f"{api_summary[1] / raw_summary[1]:.2f}" if raw_summary else "n/a"
            search_rows.append((name, label, api_summary, raw_summary, ratio))
            kind_rows.append((name, label, {kind: timings.summary() for kind, timings in by_kind.items()}))
        saved_mode = app.config["SEARCH_WORKER"]
        for number, mode in enumerate(modes):
            app.config["SEARCH_WORKER"] = mode
            writes, delays = measure_freshness(
                app, client, subjects[0][4], member_community, args.writes, run * 10 + number, args.timeout
            )
            indexing_rows.append(
                (name, mode, indexed, elapsed, size, writes.summary(), delays.summary(), posts)
            )
        app.config["SEARCH_WORKER"] = saved_mode

    load = os.getloadavg()
    print(f"database: {dialect}; posts: {posts:,}; queries: {len(queries)} per person; seed {args.seed}")
    print(f"load average when done: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for label, email, memberships, readable, _token in subjects:
        who = "member of many communities" if label == "many" else "member of few communities"
        print(f"{who}: {email} ({memberships} memberships, {readable} readable communities)")
    print(
        f"\nTargets: API p95 <= {TARGET_API_P95_MS} ms and <= {TARGET_API_OVER_RAW}x the raw engine's p95;"
        f" reindex >= {TARGET_REINDEX_POSTS_PER_S:,.0f} posts/s (1,000,000 in 30 min);"
        f" searchable p95 <= {TARGET_SEARCHABLE_P95_MS} ms.\n"
    )
    print(
        "| backend | writer | reindex s | posts/s | documents/s | index size | write p50 | write p95"
        " | searchable p50 | searchable p95 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for name, mode, indexed, elapsed, size, writes, delays, post_count in indexing_rows:
        if elapsed:
            timing = f"{elapsed:.1f} | {post_count / elapsed:,.0f} | {indexed / elapsed:,.0f}"
        else:
            timing = "reused | n/a | n/a"
        print(
            f"| {name} | {mode} | {timing} | {_size(size)} | {_ms(writes, 0)} | {_ms(writes, 1)}"
            f" | {_ms(delays, 0)} | {_ms(delays, 1)} |"
        )
    print(
        "\n| backend | person | API p50 | API p95 | API p99 | API max | raw p50 | raw p95 | raw p99 | raw max"
        " | API/raw p95 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for name, label, api_summary, raw_summary, ratio in search_rows:
        print(
            f"| {name} | {label} | "
            + " | ".join(_ms(api_summary, index) for index in range(4))
            + " | "
            + " | ".join(_ms(raw_summary, index) for index in range(4))
            + f" | {ratio} |"
        )
    columns = (*KINDS, "with filter", "without filter")
    print("\nAPI p95 by kind of query (ms):\n")
    print("| backend | person | " + " | ".join(columns) + " |\n|---|---|" + "---:|" * len(columns))
    for name, label, summaries in kind_rows:
        print(f"| {name} | {label} | " + " | ".join(_ms(summaries[column], 1) for column in columns) + " |")


if __name__ == "__main__":
    main()
