"""The demo world: three ministries, 60 people, 37 communities, a few hundred posts and a day of cables.

``load_demo_world(seed)`` builds it in one transaction. The cast and the organisation are fixed;
the seed drives memberships, posts, comments, reads and reactions, so that the same seed gives
the same world. Timestamps are relative to now, so that the feed always looks recent.

On top of that, the MEAE lived through a day of 1,000 diplomatic cables (rse.demo.cables) that its
agents and managers forwarded up the hierarchy (rse.demo.forwarding), so that the selection and its
funnel have something to show.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from feed import tallies
from rse.accounts.services import create_user
from rse.db_types import utcnow
from rse.demo.audience import Audience, Circle
from rse.demo.bulk import BatchWriter, IdCounter, demo_password_hash, sync_sequences
from rse.demo.cables import CABLES_COMMUNITY, cable_day, draft_cables
from rse.demo.communities import COMMUNITIES
from rse.demo.forwarding import Org, simulate, write_selection
from rse.demo.org import DEMO_UNITS, DemoPerson, demo_people, person_by_key
from rse.demo.portal import load_demo_portal
from rse.demo.timeline import HISTORY_DAYS
from rse.demo.world_posts import CommunityState, Member, draft_posts, scripted_drafts, write_posts
from rse.extensions import db
from rse.units.services import ensure_path

# The logins the README lists; every one exists in the demo world and in the scale world.
_SHOWCASE = (
    ("admin", "admin", "Platform administrator (MEAE, digital directorate)"),
    ("curator", "curator", "Content curator (MEAE, communication and press directorate)"),
    ("meae_head", "manager", "Manager of a whole ministry (MEAE): the top of the hierarchy chain"),
    ("dgm_director", "manager", "Manager of a directorate (MEAE/DGM)"),
    ("agent", "agent", "Plain agent in an office (MEAE/DGM/Afrique/Bureau Afrique de l'Ouest)"),
    ("agent_minarm", "agent", "Agent of another ministry (MINARM/EMA/CPCO/Cellule Afrique)"),
)
_PEOPLE = person_by_key(demo_people())
SHOWCASE_LOGINS: list[dict[str, str]] = [
    {"email": _PEOPLE[key].email, "name": _PEOPLE[key].name, "role": role, "description": description}
    for key, role, description in _SHOWCASE
]


def load_demo_world(seed: int = 1, now: datetime | None = None) -> dict[str, int]:
    """Create the demo world and commit it; returns the number of rows written per table."""
    now = (now or utcnow()).replace(microsecond=0)
    rng = random.Random(seed)
    units = {path: ensure_path(path) for path in DEMO_UNITS}
    people = demo_people()
    user_ids = create_demo_people(people, units, now)
    audience = Audience(
        {user_ids[p.email]: units[p.unit].id for p in people},
        {unit.id: unit.id_path for unit in units.values()},
        {user_ids[p.email] for p in people if "admin" in p.roles},
    )
    writer = BatchWriter()
    community_ids = IdCounter("communities")
    communities = _create_communities(rng, writer, people, user_ids, units, now, COMMUNITIES, community_ids)
    drafts = draft_posts(rng, communities, audience, now)
    drafts += scripted_drafts(communities, people, user_ids, units, audience, now)
    # The day of cables draws from its own generator: the rest of the world does not depend on it.
    cables_rng = random.Random(f"rse-demo-cables-{seed}")
    (cables_state,) = _create_communities(
        cables_rng, writer, people, user_ids, units, now, (CABLES_COMMUNITY,), community_ids
    )
    selection, cables = _cables_day(cables_rng, cables_state, people, user_ids, units, audience, now)
    drafts += [cable.draft for cable in cables]
    # Ids follow time, as they would have if the posts had been written one after the other.
    drafts.sort(key=lambda draft: draft.row["created_at"])
    post_ids = write_posts(writer, drafts)
    unit_ids = {path: unit.id for path, unit in units.items()}
    write_selection(
        writer, selection, {id(d): pid for d, pid in zip(drafts, post_ids, strict=True)}, unit_ids
    )
    writer.flush()
    tallies.rebuild()  # the posts were written directly, not through the services that keep them
    sync_sequences()
    portal_counts = load_demo_portal(now)
    db.session.commit()
    return {"units": len(units), "users": len(people), **writer.written, **portal_counts}


def _cables_day(rng, state, people, user_ids, units, audience: Audience, now: datetime):
    """The MEAE's day of cables and what its hierarchy forwarded, kept and closed of them."""
    org = Org(
        {user_ids[p.email]: p.unit for p in people},
        {user_ids[p.email]: list(p.manages) for p in people},
    )
    staff: dict[str, list[tuple[int, bool]]] = {}
    for person in people:
        staff.setdefault(person.unit, []).append((user_ids[person.email], bool(person.manages)))
    unit_ids = {path: unit.id for path, unit in units.items()}
    day = cable_day(now)
    cables = draft_cables(rng, state, staff, unit_ids, audience, day)
    selection = simulate(rng, cables, org, lambda uid, cable: audience.can_read(uid, state.circle), day)
    return selection, cables


def create_demo_people(people: list[DemoPerson], units: dict, now: datetime) -> dict[str, int]:
    """The demo cast through the account service; returns their ids by e-mail."""
    # Every demo account shares the documented password, so one argon2 hash serves them all.
    password_hash = demo_password_hash()
    ids = {}
    for number, person in enumerate(people):
        user = create_user(
            email=person.email,
            name=person.name,
            password=None,
            roles=list(person.roles),
            unit=units[person.unit],
            manages=[units[path] for path in person.manages],
            is_demo=True,
        )
        user.password_hash = password_hash
        user.created_at = now - timedelta(days=500, minutes=number)
        ids[person.email] = user.id
    db.session.flush()
    return ids


def _in_scope(path: str, ministry: str | None) -> bool:
    return ministry is None or path.split("/", 1)[0] == ministry


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def _create_communities(rng, writer, people, user_ids, units, now, specs, ids) -> list[CommunityState]:
    by_key = person_by_key(people)
    states = []
    for spec in specs:
        scope = [person for person in people if _in_scope(person.unit, spec.ministry)]
        chosen: dict[str, DemoPerson] = {}
        for key in (*spec.animators, *spec.include):
            person = by_key[key]
            if not _in_scope(person.unit, spec.ministry):
                raise ValueError(f"{key} is outside the scope of {spec.slug}")
            chosen[person.email] = person
        core = [p for p in scope if _under(p.unit, spec.core) and p.email not in chosen]
        rest = [p for p in scope if not _under(p.unit, spec.core) and p.email not in chosen]
        rng.shuffle(core)
        rng.shuffle(rest)
        for person in core + rest:
            if len(chosen) >= spec.size:
                break
            chosen[person.email] = person
        members = [
            Member(user_ids[p.email], units[p.unit].id, p.email.split("@")[0]) for p in chosen.values()
        ]
        creator = user_ids[by_key[spec.animators[0]].email] if spec.animators else members[0].user_id
        animators = {user_ids[by_key[key].email] for key in spec.animators} | {creator}
        if rng.random() < 0.3:
            animators.add(rng.choice(members).user_id)
        created_at = now - timedelta(days=rng.randint(90, 400), hours=rng.randint(0, 23))
        community_id = ids.take()
        ministry_id = units[spec.ministry].id if spec.ministry else None
        writer.add(
            "communities",
            {
                "id": community_id,
                "slug": spec.slug,
                "name": spec.name,
                "description": spec.description,
                "visibility": spec.visibility,
                "ministry_id": ministry_id,
                "created_by_id": creator,
                "created_at": created_at,
                "member_count": len(members),
            },
        )
        # Everyone joined before the posts began, so that no post predates its author's arrival.
        joining_days = max((now - created_at).days - HISTORY_DAYS - 1, 0)
        for member in members:
            joined = created_at
            if member.user_id != creator:
                joined += timedelta(days=rng.randint(0, joining_days), minutes=rng.randint(0, 600))
            writer.add(
                "memberships",
                {
                    "community_id": community_id,
                    "user_id": member.user_id,
                    "role": "animator" if member.user_id in animators else "member",
                    "joined_at": joined,
                },
            )
        # Members' units always have a reader; an open community may also address a whole
        # directorate of its scope, whose agents all read it.
        unit_ids = {member.unit_id for member in members}
        if spec.visibility == "open":
            unit_ids |= {
                unit.id for path, unit in units.items() if unit.depth == 1 and _in_scope(path, spec.ministry)
            }
        circle = Circle(community_id, spec.visibility, ministry_id, {m.user_id for m in members})
        states.append(CommunityState(circle, spec, members, animators, sorted(unit_ids)))
    return states
