"""Communities of the scale world, with power-law sizes: a few with thousands of members, most small.

Sizes follow Zipf's law (the community of rank r has about N/r members); the large ones are open or
restricted, secret ones stay small, and each visibility gets about a third of the communities. The
curated communities of the demo world come first, so familiar names appear at scale too.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from rse.demo.audience import Audience, Circle
from rse.demo.bulk import BatchWriter, IdCounter
from rse.demo.communities import COMMUNITIES, CommunitySpec
from rse.demo.org import ascii_slug
from rse.demo.scale_data import COMMUNITY_PREFIXES, COMMUNITY_TOPICS, SUBJECTS, TAGS
from rse.demo.scale_org import ScaleOrg
from rse.demo.timeline import HISTORY_DAYS

VISIBILITIES = ("open", "restricted", "secret")


@dataclass
class ScaleCommunity:
    circle: Circle
    members: list[int]  # animators first: they write the most
    subjects: tuple[str, ...]
    tags: tuple[str, ...]


def zipf_sizes(rng: random.Random, count: int, users: int) -> list[int]:
    top = max(10, round(0.4 * users))
    return [max(3, min(users, round(top / rank * rng.uniform(0.85, 1.15)))) for rank in range(1, count + 1)]


def _visibilities(rng: random.Random, sizes: list[int], users: int) -> list[str]:
    third = math.ceil(len(sizes) / 3)
    quota = {"open": third, "restricted": third, "secret": max(0, len(sizes) - 2 * third)}
    big = max(200, users * 0.03)
    chosen = []
    for size in sizes:  # largest first
        options = [v for v in VISIBILITIES if quota[v] > 0 and (v != "secret" or size <= big)]
        visibility = rng.choices(options, weights=[quota[v] for v in options])[0] if options else "open"
        quota[visibility] = max(0, quota[visibility] - 1)
        chosen.append(visibility)
    return chosen


def build_communities(
    rng: random.Random, org: ScaleOrg, audience: Audience, count: int, writer: BatchWriter, now: datetime
) -> list[ScaleCommunity]:
    users = len(org.user_units)
    sizes = zipf_sizes(rng, count, users)
    visibilities = _visibilities(rng, sizes, users)
    curated = {v: [spec for spec in COMMUNITIES if spec.visibility == v] for v in VISIBILITIES}
    by_ministry = org.ministry_users()
    ministry_codes = {unit.id: path for path, unit in org.units.items() if unit.depth == 0}
    every_user = sorted(org.user_units)
    inner_units = [unit for unit in org.units.values() if unit.depth in (1, 2)]
    ids, slugs = IdCounter("communities"), set()
    result = []
    for size, visibility in zip(sizes, visibilities, strict=True):
        spec: CommunitySpec | None = curated[visibility].pop(0) if curated[visibility] else None
        ministry_id = _scope(rng, spec, size, org, by_ministry)
        pool = by_ministry[ministry_id] if ministry_id else every_user
        size = min(size, len(pool))
        if spec:
            name, description, subjects, tags = spec.name, spec.description, spec.subjects, spec.tags
            base_slug = spec.slug
            keys = [org.key_people[key] for key in (*spec.animators, *spec.include)]
            keys = [uid for uid in keys if ministry_id is None or audience.ministry_of(uid) == ministry_id]
            lead = len([uid for uid in keys if uid in {org.key_people[key] for key in spec.animators}])
            homes = [unit.id for path, unit in org.units.items() if path in spec.core]
        else:
            topic = rng.choice(COMMUNITY_TOPICS)
            name = f"{rng.choice(COMMUNITY_PREFIXES)} {topic}"
            if ministry_id:
                name += f" ({ministry_codes[ministry_id]})"
            description = f"Échanges et partage de documents autour du thème « {topic} »."
            subjects, tags = tuple(rng.sample(SUBJECTS, 6)), tuple(rng.sample(TAGS, 4))
            keys, lead = [], 0
            base_slug = ascii_slug(name)[:72]
            in_scope = [u for u in inner_units if ministry_id is None or u.ministry_id == ministry_id]
            homes = [rng.choice(in_scope).id]
        slug = _unique_slug(base_slug, slugs)
        members = _members(rng, audience, pool, homes, keys, size)
        # Big communities need several animators; the curated ones keep theirs.
        animators = members[: max(1, lead, min(5, 1 + size // 500))]
        created_at = now - timedelta(days=rng.randint(90, 700), hours=rng.randint(0, 23))
        community_id = ids.take()
        writer.add(
            "communities",
            {
                "id": community_id,
                "slug": slug,
                "name": name,
                "description": description,
                "visibility": visibility,
                "ministry_id": ministry_id,
                "created_by_id": members[0],
                "created_at": created_at,
                "member_count": len(members),
            },
        )
        joining_days = max((now - created_at).days - HISTORY_DAYS - 1, 0)
        animator_set = set(animators)
        for position, user_id in enumerate(members):
            joined = (
                created_at
                if position == 0
                else created_at + timedelta(minutes=rng.randint(0, joining_days * 1440))
            )
            writer.add(
                "memberships",
                {
                    "community_id": community_id,
                    "user_id": user_id,
                    "role": "animator" if user_id in animator_set else "member",
                    "joined_at": joined,
                },
            )
        circle = Circle(community_id, visibility, ministry_id, set(members))
        result.append(ScaleCommunity(circle, members, subjects, tags))
    return result


def _scope(rng, spec: CommunitySpec | None, size: int, org: ScaleOrg, by_ministry) -> int | None:
    # A ministry-scoped community must fit in its ministry with room to spare.
    if spec is not None:
        if spec.ministry is None:
            return None
        ministry_id = org.units[spec.ministry].id
        return ministry_id if len(by_ministry.get(ministry_id, ())) >= size else None
    if rng.random() < 0.45:
        return None
    fitting = sorted(m for m, people in by_ministry.items() if len(people) >= size * 1.25)
    return rng.choice(fitting) if fitting else None


def _members(
    rng, audience: Audience, pool: list[int], homes: list[int], keys: list[int], size: int
) -> list[int]:
    """Key people, then colleagues of the home units (communities gather around a service), then
    anyone in scope."""
    chosen = dict.fromkeys(keys)
    near = sorted({uid for home in homes for uid in audience.subtree.get(home, ())} - set(chosen))
    for user_id in rng.sample(near, min(len(near), max(0, int(size * 0.6) - len(chosen)))):
        chosen[user_id] = None
    while len(chosen) < size:
        for user_id in rng.sample(pool, min(len(pool), size - len(chosen))):
            chosen.setdefault(user_id, None)
    members = list(chosen)
    head, tail = members[: len(keys) or 1], members[len(keys) or 1 :]
    rng.shuffle(tail)
    return head + tail


def _unique_slug(base: str, taken: set[str]) -> str:
    slug, number = base or "communaute", 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug
