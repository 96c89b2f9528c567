"""The organisation and the people of the scale world.

The tree starts from the demo units and grows, ministry by ministry, directorates, sub-directorates
and offices until offices average ~45 agents. Every unit has a manager, so hierarchy chains exist
at every level; the demo cast is there too, so the showcase logins work in this world as well.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rse.demo.bulk import BatchWriter, IdCounter, demo_password_hash
from rse.demo.org import DEMO_UNITS, FIRST_NAMES, LAST_NAMES, MINISTRIES, EmailBook, demo_people, ministry_of
from rse.demo.scale_data import OFFICES, SUBDIRECTORATES
from rse.demo.world import create_demo_people
from rse.units.services import ensure_path

AGENTS_PER_OFFICE = 45
# One ministry is much larger than the others (a quarter of the people, 5,000 agents in a world of
# 20,000), as the armed forces are in the real state: the manager view must hold at that size.
LARGE_MINISTRY = "MINARM"
LARGE_MINISTRY_SHARE = 0.25


@dataclass
class ScaleOrg:
    units: dict[str, object]  # path -> Unit
    leaves: list[str]
    user_units: dict[int, int] = field(default_factory=dict)
    handles: dict[int, str] = field(default_factory=dict)
    admins: set[int] = field(default_factory=set)
    key_people: dict[str, int] = field(default_factory=dict)  # demo key -> user id

    def ministry_users(self) -> dict[int, list[int]]:
        by_ministry: dict[int, list[int]] = {}
        ministry_of_unit = {unit.id: unit.ministry_id for unit in self.units.values()}
        for user_id, unit_id in self.user_units.items():
            by_ministry.setdefault(ministry_of_unit[unit_id], []).append(user_id)
        return by_ministry


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` shared among ``parts`` unevenly (largest remainders), summing exactly to it."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [weight * scale for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(parts), key=lambda index: counts[index] - shares[index])
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def unit_paths(rng: random.Random, users: int) -> list[str]:
    """Every unit path of the scale world, parents before children."""
    paths = list(DEMO_UNITS)
    demo_leaves = len(_leaves(paths))
    extra = max(0, round(users / AGENTS_PER_OFFICE) - demo_leaves)
    ministries = MINISTRIES[: min(len(MINISTRIES), 3 + users // 4000)]
    for ministry, quota in zip(ministries, _ministry_quotas(rng, paths, ministries, extra), strict=True):
        if quota == 0:
            continue
        paths.append(ministry.code)
        directorates = ministry.directorates[: max(1, math.ceil(quota / 6))]
        for directorate, directorate_quota in zip(
            directorates, split(rng, quota, len(directorates)), strict=True
        ):
            if directorate_quota == 0:
                continue
            paths.append(f"{ministry.code}/{directorate}")
            count = min(len(SUBDIRECTORATES), math.ceil(directorate_quota / 4))
            for sub, offices in zip(
                rng.sample(SUBDIRECTORATES, count), split(rng, directorate_quota, count), strict=True
            ):
                if offices == 0:
                    continue
                paths.append(f"{ministry.code}/{directorate}/{sub}")
                names = rng.sample(OFFICES, min(offices, len(OFFICES)))
                names += [f"Bureau {number}" for number in range(len(names) + 1, offices + 1)]
                paths.extend(f"{ministry.code}/{directorate}/{sub}/{name}" for name in names)
    return list(dict.fromkeys(paths))


def _ministry_quotas(rng: random.Random, paths: list[str], ministries, extra: int) -> list[int]:
    """Offices to add per ministry: the large ministry first gets enough to hold its share of all
    offices (people are spread evenly over offices), the others share the rest."""
    codes = [ministry.code for ministry in ministries]
    if LARGE_MINISTRY not in codes or len(codes) == 1:
        return split(rng, extra, len(codes))
    offices = len(_leaves(paths)) + extra
    present = sum(1 for leaf in _leaves(paths) if leaf.split("/", 1)[0] == LARGE_MINISTRY)
    large = min(extra, max(0, round(offices * LARGE_MINISTRY_SHARE) - present))
    others = iter(split(rng, extra - large, len(codes) - 1))
    return [large if code == LARGE_MINISTRY else next(others) for code in codes]


def _leaves(paths: list[str]) -> list[str]:
    parents = {path.rsplit("/", 1)[0] for path in paths if "/" in path}
    return [path for path in paths if path not in parents]


def build_org(rng: random.Random, users: int, writer: BatchWriter, now: datetime) -> ScaleOrg:
    paths = unit_paths(rng, users)
    org = ScaleOrg(units={path: ensure_path(path) for path in paths}, leaves=_leaves(paths))
    people = demo_people()
    demo_ids = create_demo_people(people, org.units, now)
    managed = set()
    for person in people:
        user_id = demo_ids[person.email]
        org.user_units[user_id] = org.units[person.unit].id
        org.handles[user_id] = person.email.split("@")[0]
        if "admin" in person.roles:
            org.admins.add(user_id)
        if person.key:
            org.key_people[person.key] = user_id
        managed.update(person.manages)

    # Who sits where: a manager for every unit still without one, then agents, mostly in offices.
    placements: list[tuple[str, str | None]] = [(path, path) for path in paths if path not in managed]
    remaining = users - len(people) - len(placements)
    if remaining < 0:
        raise ValueError(f"The organisation needs at least {users - remaining} users.")
    staff = remaining // 25
    leaves = set(org.leaves)
    inner = [path for path in paths if path not in leaves]
    placements += [(rng.choice(inner), None) for _ in range(staff)]
    for leaf, count in zip(org.leaves, split(rng, remaining - staff, len(org.leaves)), strict=True):
        placements += [(leaf, None)] * count
    _write_people(rng, org, placements, people, writer, now)
    return org


def _write_people(rng, org: ScaleOrg, placements, people, writer: BatchWriter, now: datetime) -> None:
    book = EmailBook()
    book.taken.update(person.email.split("@")[0] for person in people)
    ids = IdCounter("users")
    password_hash = demo_password_hash()
    curators = max(1, len(placements) // 1500)
    admins = 1 + len(placements) // 10000
    for number, (path, manages) in enumerate(placements):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = book.address(first, last, ministry_of(path).domain)
        user_id = ids.take()
        unit_id = org.units[path].id
        writer.add(
            "users",
            {
                "id": user_id,
                "email": email,
                "handle": email.split("@")[0],
                "name": f"{first} {last}",
                "unit_id": unit_id,
                "locale": "fr",
                "active": True,
                "password_hash": password_hash,
                "is_demo": True,
                "created_at": now - timedelta(days=450, seconds=number),
            },
        )
        org.user_units[user_id] = unit_id
        org.handles[user_id] = email.split("@")[0]
        roles = []
        if manages:
            roles.append("manager")
            writer.add("managed_units", {"user_id": user_id, "unit_id": org.units[manages].id})
        elif rng.random() < curators / len(placements):
            roles.append("curator")
        elif rng.random() < admins / len(placements):
            roles.append("admin")
            org.admins.add(user_id)
        writer.add_all("user_roles", ({"user_id": user_id, "role": role} for role in roles))
