"""The posts of the demo world: drafted in memory (small), then written with their rows.

Each post comes with what the services would have stored alongside it: addressees and the people
they reach, tags, mentions, comments (one level of replies), reads, done marks and reactions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feed.comments import REACTIONS
from feed.rendering import parse_mentions, parse_tags, render_markdown
from rse.demo.audience import Audience, Circle
from rse.demo.bulk import BatchWriter, IdCounter
from rse.demo.communities import CommunitySpec
from rse.demo.scenarios import SCENARIOS
from rse.demo.text import (
    REACTION_CUM_WEIGHTS,
    comment_body,
    demo_body,
    pick_priority,
    pick_qualification,
    title_for,
)
from rse.demo.timeline import replies_after, working_time

DEMO_POSTS = 320


@dataclass
class Member:
    user_id: int
    unit_id: int
    handle: str


@dataclass
class CommunityState:
    circle: Circle
    spec: CommunitySpec
    members: list[Member]
    animators: set[int]
    unit_ids: list[int] = field(default_factory=list)  # units its posts may be addressed to


@dataclass
class PostDraft:
    row: dict
    addressees: list[tuple[str, str, int]]
    recipients: list[dict]
    tags: list[str]
    mentions: list[int]
    comments: list[dict]
    reads: dict[int, datetime]
    reactions: list[dict]


def draft_posts(rng, communities: list[CommunityState], audience: Audience, now: datetime) -> list[PostDraft]:
    total_size = sum(len(state.members) for state in communities)
    drafts = []
    for state in communities:
        for _ in range(max(3, round(DEMO_POSTS * len(state.members) / total_size))):
            drafts.append(_draft_post(rng, state, audience, now))
    return drafts


def scripted_drafts(
    communities, people, user_ids, units, audience: Audience, now: datetime
) -> list[PostDraft]:
    by_slug = {state.spec.slug: state for state in communities}
    key_ids = {person.key: user_ids[person.email] for person in people if person.key}
    handles = {person.email.split("@")[0]: user_ids[person.email] for person in people}

    def target(ref: str) -> tuple[str, int]:
        kind, name = ref.split(":", 1)
        return (kind, units[name].id) if kind == "unit" else (kind, key_ids[name])

    drafts = []
    for scenario in SCENARIOS:
        state = by_slug[scenario.community]
        author = key_ids[scenario.author]
        created_at = now - timedelta(hours=scenario.hours_ago, minutes=7)
        action = [target(ref) for ref in scenario.action]
        information = [target(ref) for ref in scenario.information]
        comments = []
        for number, (key, body) in enumerate(scenario.comments, 1):
            moment = created_at + timedelta(minutes=25 * number)
            comments.append(
                {
                    "parent": None,
                    "author_id": key_ids[key],
                    "body": body,
                    "body_html": render_markdown(body),
                    "created_at": moment,
                    "updated_at": moment,
                    "deleted_at": None,
                }
            )
        due_at = now + timedelta(hours=scenario.due_in_hours) if scenario.due_in_hours is not None else None
        recipients = [
            {"user_id": user_id, "kind": kind, "unit_id": audience.user_units[user_id], "done_at": None}
            for user_id, kind in audience.recipients(state.circle, author, action, information)
        ]
        drafts.append(
            PostDraft(
                row={
                    "community_id": state.circle.id,
                    "author_id": author,
                    "title": scenario.title,
                    "body": scenario.body,
                    "body_html": render_markdown(scenario.body),
                    "qualification": scenario.qualification,
                    "priority": scenario.priority,
                    "due_at": due_at.replace(minute=0, second=0) if due_at else None,
                    "created_at": created_at,
                    "updated_at": created_at,
                    "deleted_at": None,
                    "deleted_by_id": None,
                    "comment_count": len(comments),
                },
                addressees=[("action", *t) for t in action] + [("information", *t) for t in information],
                recipients=recipients,
                tags=parse_tags(scenario.body),
                mentions=sorted({handles[h] for h in parse_mentions(scenario.body) if h in handles}),
                comments=comments,
                reads={
                    comment["author_id"]: comment["created_at"] - timedelta(minutes=2) for comment in comments
                },
                reactions=[],
            )
        )
    return drafts


def _draft_post(rng: random.Random, state: CommunityState, audience: Audience, now: datetime) -> PostDraft:
    members = state.members
    # Animators write more than anyone else, as they do in real communities.
    weights = [4 if member.user_id in state.animators else 1 for member in members]
    author = rng.choices(members, weights=weights)[0]
    others = [member for member in members if member.user_id != author.user_id] or members
    qualification = pick_qualification(rng)
    priority = pick_priority(rng)
    subject = rng.choice(state.spec.subjects)
    tags = rng.sample(state.spec.tags, min(rng.choice((0, 1, 1, 2, 2, 3)), len(state.spec.tags)))
    mentioned = rng.choice(others) if rng.random() < 0.2 else None
    title = title_for(rng, qualification, subject)
    body = demo_body(rng, qualification, subject, tags, mentioned.handle if mentioned else None)
    created_at = working_time(rng, now)
    action, information = _addressees(rng, state, qualification, others)
    due_at = None
    if qualification == "action" and rng.random() < 0.7:
        due_at = (created_at + timedelta(days=rng.randint(2, 15))).replace(hour=16, minute=0, second=0)
    comments = _draft_comments(rng, state, created_at, now)
    reads: dict[int, datetime] = {}
    recipients = []
    for user_id, kind in audience.recipients(state.circle, author.user_id, action, information):
        done_roll, moment = rng.random(), created_at + timedelta(seconds=rng.randint(600, 3 * 86400))
        done = kind == "action" and done_roll < 0.5 and moment <= now
        if moment <= now and (done or done_roll < 0.75):
            reads[user_id] = moment
        recipients.append(
            {
                "user_id": user_id,
                "kind": kind,
                "unit_id": audience.user_units[user_id],
                "done_at": moment if done else None,
            }
        )
    for member in members:
        read_roll, moment = rng.random(), created_at + timedelta(seconds=rng.randint(300, 5 * 86400))
        if (
            member.user_id not in reads
            and member.user_id != author.user_id
            and read_roll < 0.35
            and moment <= now
        ):
            reads[member.user_id] = moment
    for comment in comments:
        # Whoever comments has read the post first.
        seen = max(comment["created_at"] - timedelta(minutes=2), created_at)
        if comment["author_id"] != author.user_id:
            reads[comment["author_id"]] = min(reads.get(comment["author_id"], seen), seen)
    handles = {member.handle: member.user_id for member in members}
    return PostDraft(
        row={
            "community_id": state.circle.id,
            "author_id": author.user_id,
            "title": title,
            "body": body,
            "body_html": render_markdown(body),
            "qualification": qualification,
            "priority": priority,
            "due_at": due_at,
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": None,
            "deleted_by_id": None,
            "comment_count": sum(1 for comment in comments if comment["deleted_at"] is None),
        },
        addressees=[("action", *target) for target in action]
        + [("information", *target) for target in information],
        recipients=recipients,
        tags=parse_tags(body),
        mentions=sorted({handles[handle] for handle in parse_mentions(body) if handle in handles}),
        comments=comments,
        reads=reads,
        reactions=_draft_reactions(rng, members, created_at, now),
    )


def _addressees(rng, state: CommunityState, qualification, others: list[Member]):
    def pick(count: int) -> list[tuple[str, int]]:
        targets: dict[tuple[str, int], None] = {}
        for _ in range(count):
            if rng.random() < (0.35 if state.spec.visibility == "open" else 0.15):
                targets[("unit", rng.choice(state.unit_ids))] = None
            else:
                targets[("user", rng.choice(others).user_id)] = None
        return list(targets)

    action: list[tuple[str, int]] = []
    information: list[tuple[str, int]] = []
    if qualification == "action":
        action = pick(rng.choice((1, 1, 1, 2, 2, 3)))
        if rng.random() < 0.2:
            information = [target for target in pick(1) if target not in action]
    elif qualification == "information" and rng.random() < 0.5:
        information = pick(rng.choice((1, 1, 2)))
    return action, information


def _draft_comments(rng, state: CommunityState, post_time: datetime, now: datetime) -> list[dict]:
    count = rng.choices((0, 1, 2, 3, 4, 5, 7), weights=(30, 20, 18, 12, 8, 7, 5))[0]
    comments: list[dict] = []
    top_level: list[dict] = []
    for moment in replies_after(rng, post_time, count, now):
        parent = rng.choice(top_level) if top_level and rng.random() < 0.3 else None
        body = comment_body(rng, reply=parent is not None)
        deleted = rng.random() < 0.03
        comment = {
            "parent": parent,
            "author_id": rng.choice(state.members).user_id,
            "body": body,
            "body_html": render_markdown(body),
            "created_at": moment,
            "updated_at": moment,
            "deleted_at": min(moment + timedelta(hours=1), now) if deleted else None,
        }
        comments.append(comment)
        if parent is None:
            top_level.append(comment)
    return comments


def _draft_reactions(rng, members: list[Member], post_time: datetime, now: datetime) -> list[dict]:
    count = min(rng.choice((0, 0, 0, 1, 1, 2, 3, 5)), len(members))
    reactions = []
    for member in rng.sample(members, count):
        emoji = rng.choices(REACTIONS, cum_weights=REACTION_CUM_WEIGHTS)[0]
        moment = post_time + timedelta(seconds=rng.randint(60, 2 * 86400))
        if moment <= now:
            reactions.append({"user_id": member.user_id, "emoji": emoji, "created_at": moment})
    return reactions


def write_posts(writer: BatchWriter, drafts: list[PostDraft]) -> list[int]:
    """Write the drafts in their order; returns their post ids, in the same order."""
    post_ids = IdCounter("posts")
    comments = []
    written = []
    for draft in drafts:
        post_id = post_ids.take()
        written.append(post_id)
        writer.add("posts", {**draft.row, "id": post_id})
        for kind, target_type, target_id in draft.addressees:
            writer.add(
                "post_addressees",
                {"post_id": post_id, "kind": kind, "target_type": target_type, "target_id": target_id},
            )
        writer.add_all("post_recipients", ({**row, "post_id": post_id} for row in draft.recipients))
        writer.add_all("post_tags", ({"post_id": post_id, "tag": tag} for tag in draft.tags))
        writer.add_all("post_mentions", ({"post_id": post_id, "user_id": uid} for uid in draft.mentions))
        writer.add_all(
            "post_reads",
            ({"post_id": post_id, "user_id": uid, "read_at": at} for uid, at in sorted(draft.reads.items())),
        )
        writer.add_all("reactions", ({**row, "post_id": post_id} for row in draft.reactions))
        comments.extend((post_id, draft.row["community_id"], comment) for comment in draft.comments)
    _write_comments(writer, comments)
    return written


def _write_comments(writer: BatchWriter, comments: list[tuple[int, int, dict]]) -> None:
    # Comment ids follow time across posts too; a reply always comes after its parent.
    comments.sort(key=lambda item: item[2]["created_at"])
    comment_ids, audit_ids = IdCounter("comments"), IdCounter("audit_events")
    new_ids = {id(comment): comment_ids.take() for _post_id, _community_id, comment in comments}
    deleted = []
    for post_id, _community_id, comment in comments:
        parent = comment["parent"]
        row = {key: value for key, value in comment.items() if key != "parent"}
        row.update(
            id=new_ids[id(comment)], post_id=post_id, parent_id=new_ids[id(parent)] if parent else None
        )
        writer.add("comments", row)
        if row["deleted_at"] is not None:
            deleted.append(row)
    # Deleting a comment leaves an audit trail, as feed.comments.delete_comment does.
    for row in sorted(deleted, key=lambda row: row["deleted_at"]):
        writer.add(
            "audit_events",
            {
                "id": audit_ids.take(),
                "at": row["deleted_at"],
                "actor_id": row["author_id"],
                "action": "comment.deleted",
                "target_type": "comment",
                "target_id": row["id"],
                "details": {"post_id": row["post_id"], "author_id": row["author_id"]},
            },
        )
