"""The scale world: tens of thousands of users and up to millions of posts, for load testing.

Posts are generated in time order and streamed to the database in batches (Core executemany,
never one ORM object per row), committing every ``COMMIT_EVERY`` posts, so memory stays flat
whatever the number of posts. Bodies are short, built from a finite set of paragraphs whose HTML
is rendered once and reused: Markdown rendering per post would cost more than the inserts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import accumulate

from feed import tallies
from feed.comments import REACTIONS
from rse.db_types import utcnow
from rse.demo.audience import Audience
from rse.demo.bulk import BatchWriter, IdCounter, sync_sequences
from rse.demo.scale_communities import ScaleCommunity, build_communities
from rse.demo.scale_data import SCALE_FACTS
from rse.demo.scale_org import build_org
from rse.demo.text import (
    ACTION_ASKS,
    ACTION_CLOSINGS,
    ACTION_CONTEXTS,
    COMMENTS,
    DISCUSSION_BODIES,
    GREETINGS,
    INFO_CLOSINGS,
    INFO_INTROS,
    MENTION_LINES,
    REACTION_CUM_WEIGHTS,
    REPLIES,
    Renderer,
    pick_priority,
    pick_qualification,
    title_for,
)
from rse.demo.timeline import HISTORY_DAYS
from rse.extensions import db

COMMIT_EVERY = 50_000
COMMENT_COUNTS = (0, 1, 2, 3, 5, 8)
COMMENT_CUM_WEIGHTS = tuple(accumulate((50, 20, 12, 8, 6, 4)))
_HANDLE_SLOT = "zzhandlezz"  # stands for a handle while a mention line is rendered once


def load_scale_world(
    *,
    users: int,
    communities: int,
    posts: int,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Build the scale world and commit it; returns the number of rows written per table."""
    say = progress or (lambda message: None)
    now = (now or utcnow()).replace(microsecond=0)
    rng = random.Random(seed)
    writer = BatchWriter(batch_rows=20_000)
    started = time.perf_counter()
    org = build_org(rng, users, writer, now)
    writer.commit()
    audience = Audience(org.user_units, {unit.id: unit.id_path for unit in org.units.values()}, org.admins)
    say(f"units {len(org.units):,}, users {len(org.user_units):,} ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    circles = build_communities(rng, org, audience, communities, writer, now)
    writer.commit()
    sizes = sorted((len(c.members) for c in circles), reverse=True)
    say(
        f"communities {len(circles):,}, memberships {sum(sizes):,} (largest {sizes[0]:,}, "
        f"median {sizes[len(sizes) // 2]:,}) ({time.perf_counter() - started:.1f} s)"
    )
    PostStream(rng, audience, org.handles, circles, writer, now).run(posts, say)
    started = time.perf_counter()
    tallies.rebuild()  # the posts were written directly, not through the services that keep them
    say(f"recipient tallies ({time.perf_counter() - started:.1f} s)")
    sync_sequences()
    db.session.commit()
    started = time.perf_counter()
    if vacuum_after_load():
        say(f"vacuum and planner statistics ({time.perf_counter() - started:.1f} s)")
    return {**writer.written, "units": len(org.units), "users": len(org.user_units)}


def vacuum_after_load() -> bool:
    """On PostgreSQL, ``VACUUM (ANALYZE)`` the freshly loaded world, as after a restore.

    Autovacuum would get there on its own, but later, in the middle of whatever runs next (a
    benchmark, say), and until then the planner works from row estimates of empty tables and every
    index-only scan still reads the table, its visibility map being unset. SQLite is left as it is:
    its plans come from the schema, not from statistics.
    """
    if db.engine.dialect.name != "postgresql":
        return False
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")
    return True


class PostStream:
    def __init__(
        self, rng, audience: Audience, handles, circles: list[ScaleCommunity], writer: BatchWriter, now
    ):
        self.rng = rng
        self.audience = audience
        self.handles = handles
        self.circles = circles
        self.writer = writer
        self.now = now
        self.renderer = Renderer()
        # Busy communities are the big ones, though less than in proportion to their size.
        self.cum_weights = list(accumulate(len(c.members) ** 0.8 for c in circles))
        self.ancestors = {
            unit_id: [int(part) for part in path.strip("/").split("/")]
            for unit_id, path in audience.unit_id_paths.items()
        }
        self.post_ids, self.comment_ids = IdCounter("posts"), IdCounter("comments")
        self.audit_ids = IdCounter("audit_events")

    def run(self, total: int, say: Callable[[str], None]) -> None:
        start = self.now - timedelta(days=HISTORY_DAYS)
        step = HISTORY_DAYS * 86400 / max(total, 1)
        began = time.perf_counter()
        for index in range(total):
            # Strictly increasing times, so that ids follow time as in real life.
            created_at = start + timedelta(seconds=(index + self.rng.random() * 0.9) * step)
            self.post(created_at)
            done = index + 1
            if done % COMMIT_EVERY == 0 or done == total:
                self.writer.commit()
                say(f"posts {done:,}/{total:,} ({done / (time.perf_counter() - began):,.0f}/s)")
        self.writer.commit()

    def post(self, created_at: datetime) -> None:
        rng, writer = self.rng, self.writer
        circle = rng.choices(self.circles, cum_weights=self.cum_weights)[0]
        members = circle.members
        author = members[int(len(members) * rng.random() ** 2)]  # a few members write most posts
        qualification = pick_qualification(rng)
        subject = rng.choice(circle.subjects)
        blocks = self._blocks(qualification, subject)
        mentioned = rng.choice(members) if rng.random() < 0.08 else None
        if mentioned == author:
            mentioned = None
        if mentioned is not None:
            line, handle = rng.choice(MENTION_LINES), self.handles[mentioned]
            blocks.append((line.format(m=handle), line.format(m=_HANDLE_SLOT), handle))
        tags = rng.sample(circle.tags, min(rng.choice((0, 0, 1, 1, 2)), len(circle.tags)))
        if tags:
            blocks.append(" ".join(f"#{tag}" for tag in tags))
        body, body_html = self._render(blocks)
        post_id = self.post_ids.take()
        action, information = self._addressees(circle, qualification, author)
        comments = self._comments(post_id, members, created_at)
        writer.add(
            "posts",
            {
                "id": post_id,
                "community_id": circle.circle.id,
                "author_id": author,
                "title": title_for(rng, qualification, subject),
                "body": body,
                "body_html": body_html,
                "qualification": qualification,
                "priority": pick_priority(rng),
                "due_at": (created_at + timedelta(days=rng.randint(1, 21)))
                if qualification == "action" and rng.random() < 0.6
                else None,
                "created_at": created_at,
                "updated_at": created_at,
                "deleted_at": None,
                "deleted_by_id": None,
                "comment_count": sum(1 for comment in comments if comment["deleted_at"] is None),
            },
        )
        for kind, targets in (("action", action), ("information", information)):
            for target_type, target_id in targets:
                writer.add(
                    "post_addressees",
                    {"post_id": post_id, "kind": kind, "target_type": target_type, "target_id": target_id},
                )
        if qualification is not None:
            self._recipients(post_id, circle, author, action, information, created_at)
        for tag in tags:
            writer.add("post_tags", {"post_id": post_id, "tag": tag})
        if mentioned is not None:
            writer.add("post_mentions", {"post_id": post_id, "user_id": mentioned})
        self._write_comments(comments)
        self._reactions(post_id, members, created_at)

    def _blocks(self, qualification: str | None, subject: str) -> list:
        rng = self.rng
        if qualification == "action":
            asks = rng.sample(ACTION_ASKS, 2)
            return [
                rng.choice(GREETINGS),
                rng.choice(ACTION_CONTEXTS).format(s=subject),
                "**Demande :** merci de transmettre",
                f"- {asks[0]} ;\n- {asks[1]} ;",
                rng.choice(ACTION_CLOSINGS),
            ]
        if qualification == "information":
            return [
                rng.choice(INFO_INTROS).format(s=subject),
                " ".join(rng.sample(SCALE_FACTS, 2)),
                rng.choice(INFO_CLOSINGS),
            ]
        return [rng.choice(DISCUSSION_BODIES).format(s=subject)]

    def _render(self, blocks: list) -> tuple[str, str]:
        texts, html = [], []
        for block in blocks:
            if isinstance(block, tuple):  # a mention line: rendered once with a stand-in handle
                text, template, handle = block
                texts.append(text)
                html.append(self.renderer.html(template).replace(_HANDLE_SLOT, handle))
            else:
                texts.append(block)
                html.append(self.renderer.html(block))
        return "\n\n".join(texts), "".join(html)

    def _unit_target(self, circle: ScaleCommunity, member: int) -> int:
        # Mostly an office, sometimes the sub-directorate or directorate above it, and now and
        # then, in open communities, a whole ministry: several thousand people at once.
        chain = self.ancestors[self.audience.user_units[member]]
        roll = self.rng.random()
        if roll < 0.02 and circle.circle.visibility == "open":
            return chain[0]
        if roll < 0.10:
            return chain[min(1, len(chain) - 1)]
        if roll < 0.30:
            return chain[max(0, len(chain) - 2)]
        return chain[-1]

    def _addressees(self, circle: ScaleCommunity, qualification, author: int):
        rng, members = self.rng, circle.members
        unit_share = {"open": 0.35, "restricted": 0.2, "secret": 0.1}[circle.circle.visibility]

        def pick(count: int) -> list[tuple[str, int]]:
            targets: dict[tuple[str, int], None] = {}
            for _ in range(count):
                member = members[int(rng.random() * len(members))]
                if rng.random() < unit_share:
                    targets[("unit", self._unit_target(circle, member))] = None
                elif member != author or len(members) == 1:
                    targets[("user", member)] = None
            return list(targets)

        action: list[tuple[str, int]] = []
        information: list[tuple[str, int]] = []
        if qualification == "action":
            while not action:
                action = pick(rng.choices((1, 2, 3), cum_weights=(60, 88, 100))[0])
            if rng.random() < 0.15:
                information = [target for target in pick(1) if target not in action]
        elif qualification == "information" and rng.random() < 0.45:
            information = pick(rng.choice((1, 1, 2)))
        return action, information

    def _recipients(self, post_id, circle, author, action, information, created_at) -> None:
        rng, writer, now, units = self.rng, self.writer, self.now, self.audience.user_units
        for user_id, kind in self.audience.recipients(circle.circle, author, action, information):
            roll = rng.random()
            moment = created_at + timedelta(seconds=600 + int(rng.random() * 259_200))
            done = kind == "action" and roll < 0.45 and moment <= now
            writer.add(
                "post_recipients",
                {
                    "post_id": post_id,
                    "user_id": user_id,
                    "kind": kind,
                    "unit_id": units[user_id],
                    "done_at": moment if done else None,
                },
            )
            if moment <= now and roll < 0.6:  # done implies read
                writer.add("post_reads", {"user_id": user_id, "post_id": post_id, "read_at": moment})

    def _comments(self, post_id: int, members: list[int], created_at: datetime) -> list[dict]:
        rng = self.rng
        count = rng.choices(COMMENT_COUNTS, cum_weights=COMMENT_CUM_WEIGHTS)[0]
        comments: list[dict] = []
        top_level: list[int] = []
        moment = created_at
        for _ in range(count):
            moment += timedelta(seconds=rng.randint(300, 14_400))
            parent = rng.choice(top_level) if top_level and rng.random() < 0.3 else None
            body = rng.choice(REPLIES if parent else COMMENTS)
            deleted = rng.random() < 0.01
            author = members[int(len(members) * rng.random() ** 1.5)]
            if moment + timedelta(minutes=30) > self.now:
                continue  # drawn anyway: the draws must not depend on the clock
            comment_id = self.comment_ids.take()
            comments.append(
                {
                    "id": comment_id,
                    "post_id": post_id,
                    "parent_id": parent,
                    "author_id": author,
                    "body": body,
                    "body_html": self.renderer.html(body),
                    "created_at": moment,
                    "updated_at": moment,
                    "deleted_at": moment + timedelta(minutes=30) if deleted else None,
                }
            )
            if parent is None:
                top_level.append(comment_id)
        return comments

    def _write_comments(self, comments: list[dict]) -> None:
        for comment in comments:
            self.writer.add("comments", comment)
            if comment["deleted_at"] is not None:
                # Deleting a comment leaves an audit trail, as feed.comments.delete_comment does.
                self.writer.add(
                    "audit_events",
                    {
                        "id": self.audit_ids.take(),
                        "at": comment["deleted_at"],
                        "actor_id": comment["author_id"],
                        "action": "comment.deleted",
                        "target_type": "comment",
                        "target_id": comment["id"],
                        "details": {"post_id": comment["post_id"], "author_id": comment["author_id"]},
                    },
                )

    def _reactions(self, post_id: int, members: list[int], created_at: datetime) -> None:
        rng = self.rng
        if rng.random() >= 0.25:
            return
        for user_id in rng.sample(members, min(len(members), rng.randint(1, 3))):
            moment = created_at + timedelta(seconds=rng.randint(60, 86_400))
            if moment <= self.now:
                emoji = rng.choices(REACTIONS, cum_weights=REACTION_CUM_WEIGHTS)[0]
                self.writer.add(
                    "reactions",
                    {"post_id": post_id, "user_id": user_id, "emoji": emoji, "created_at": moment},
                )
