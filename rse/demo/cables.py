"""A day of diplomatic cables in the MEAE: 1,000 posts for the forwarding funnel to narrow.

Posts abroad and directorates publish their cables ("télégrammes diplomatiques") in one open MEAE
community, addressed to the desk concerned: mostly information, a few calls for action, mostly
routine with a handful of flash messages. The day is the last working day before now, so that
everything has happened and a weekly funnel always shows it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from feed.rendering import parse_tags
from rse.demo.audience import Audience
from rse.demo.cables_text import ASKS, COMMENTS, DESKS, FACTS, FLASH_EVENTS, NOTE_KINDS, POSTS_ABROAD, Desk
from rse.demo.communities import CommunitySpec
from rse.demo.text import Renderer
from rse.demo.world_posts import CommunityState, PostDraft

CABLES_COMMUNITY = CommunitySpec(
    "telegrammes-diplomatiques", "Télégrammes diplomatiques", "open", "MEAE",
    "Les télégrammes des postes et les notes des directions, diffusés aux services concernés : "
    "chacun lit ce qui le concerne et fait remonter l'essentiel à son chef.",
    ("MEAE",),
    100,  # every MEAE agent of the demo world
    ("les télégrammes diplomatiques",),
    ("td",),
    animators=("admin",),
)  # fmt: skip

PRIORITIES = ("routine", "priority", "immediate", "flash")
PRIORITY_CUM_WEIGHTS = tuple(accumulate((78, 15, 6, 1)))
ACTION_SHARE = 0.09
NOTE_SHARE = 0.15  # notes of the desks themselves rather than cables of posts abroad
# Cables arrive with the working hours of their senders (UTC): Tokyo's night is Paris's morning.
PARIS_HOURS = tuple(range(6, 19))
PARIS_HOUR_WEIGHTS = tuple(accumulate((4, 8, 12, 12, 11, 9, 6, 7, 9, 9, 7, 4, 2)))
TOKYO_HOURS = tuple(range(0, 10))
# How much a cable matters, for those who choose what to send up.
WEIGHTS = {"routine": 1, "priority": 3, "immediate": 8, "flash": 60}
# Blocks are rendered once each (see rse.demo.text.Renderer); the cable number goes in afterwards.
NUMBER_SLOT = "7777777"


@dataclass
class Cable:
    draft: PostDraft
    desk: Desk
    city: str
    score: float

    @property
    def at(self) -> datetime:
        return self.draft.row["created_at"]

    @property
    def priority(self) -> str:
        return self.draft.row["priority"]


def cable_day(now: datetime) -> datetime:
    """Midnight of the last working day before today."""
    day = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def draft_cables(
    rng: random.Random,
    state: CommunityState,
    staff: dict[str, list[tuple[int, bool]]],
    unit_ids: dict[str, int],
    audience: Audience,
    day: datetime,
) -> list[Cable]:
    """The day's cables, in the order they were drawn. ``staff``: unit path -> (user id, is manager)."""
    drawn = []
    for desk in DESKS:
        for _ in range(desk.count):
            origin = rng.choice(desk.origins)
            hours = TOKYO_HOURS if origin.city == "Tokyo" else PARIS_HOURS
            weights = None if origin.city == "Tokyo" else PARIS_HOUR_WEIGHTS
            at = day + timedelta(
                hours=rng.choices(hours, cum_weights=weights)[0],
                minutes=rng.randrange(60),
                seconds=rng.randrange(60),
            )
            priority = rng.choices(PRIORITIES, cum_weights=PRIORITY_CUM_WEIGHTS)[0]
            action = rng.random() < ACTION_SHARE
            from_post = origin.city in POSTS_ABROAD or rng.random() >= NOTE_SHARE
            drawn.append((desk, origin, at, priority, action, from_post))
    # Each post numbers its cables through the day.
    posts = sorted({(d[1].kind, d[1].city) for d in drawn})
    numbers = {post: rng.randint(120, 880) for post in posts}
    renderer = Renderer()
    cables = []
    for desk, origin, at, priority, action, from_post in sorted(drawn, key=lambda d: d[2]):
        number = numbers[origin.kind, origin.city] = numbers[origin.kind, origin.city] + from_post
        event = rng.choice(FLASH_EVENTS if priority == "flash" else desk.events)
        authors = POSTS_ABROAD.get(origin.city, desk.relays) if from_post else desk.relays
        people = [uid for unit in authors for uid, manager in staff.get(unit, ()) if not manager]
        people = people or [uid for unit in authors for uid, _ in staff.get(unit, ())]
        author = rng.choice(people)
        title, blocks = _text(rng, desk, origin, event, action, from_post)
        title = title.replace(NUMBER_SLOT, str(number))
        body = "\n\n".join(blocks).replace(NUMBER_SLOT, str(number))
        body_html = "".join(renderer.html(block) for block in blocks).replace(NUMBER_SLOT, str(number))
        target = ("unit", unit_ids[desk.unit])
        parent = ("unit", unit_ids[desk.unit.rsplit("/", 1)[0]])
        action_to = [target] if action else []
        information = [] if action else [target]
        if rng.random() < (0.25 if action else 0.12):
            information.append(parent)
        recipients, reads = _reach(rng, state, audience, author, action_to, information, at, day, staff)
        row = {
            "community_id": state.circle.id,
            "author_id": author,
            "title": title,
            "body": body,
            "body_html": body_html,
            "qualification": "action" if action else "information",
            "priority": priority,
            "due_at": _due(rng, at) if action else None,
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
            "deleted_by_id": None,
            "comment_count": 0,
        }
        draft = PostDraft(
            row=row,
            addressees=[("action", *t) for t in action_to] + [("information", *t) for t in information],
            recipients=recipients,
            tags=parse_tags(body),
            mentions=[],
            comments=[],
            reads=reads,
            reactions=[],
        )
        score = WEIGHTS[priority] * (1.6 if action else 1.0) * rng.lognormvariate(0, 0.7)
        cables.append(Cable(draft, desk, origin.city, score))
    return cables


def _text(rng, desk: Desk, origin, event: str, action: bool, from_post: bool):
    """The title and the Markdown blocks of a cable, its number left as NUMBER_SLOT."""
    facts = rng.sample(FACTS, 2)
    summary = f"{facts[0][0].upper()}{facts[0][1:]} ; {facts[1]}."
    desk_name = desk.unit.rsplit("/", 1)[1]
    subject = f"{event[0].upper()}{event[1:]}"
    if from_post:
        title = f"TD {origin.city} {NUMBER_SLOT} – " + (
            f"Demande d'instructions : {event}" if action else subject
        )
        lines = [
            f"**Objet :** {event}.",
            f"**Origine :** {origin.kind}, {origin.city} ({origin.country}) · TD n° {NUMBER_SLOT} · "
            f"**Diffusion :** {desk_name}",
            f"**Résumé :** {summary}",
            f"**Commentaire :** {rng.choice(COMMENTS)}",
        ]
        tags = f"#td #{origin.tag}"
    else:
        title = f"{rng.choice(NOTE_KINDS)} – {origin.country} : {event}"
        lines = [f"**Objet :** {event}.", f"**Rédaction :** {desk_name}", summary]
        tags = f"#note #{origin.tag}"
    if action:
        lines.append(f"**Demande :** {rng.choice(ASKS)}.")
    lines.append(tags)
    return title, lines


def _due(rng, at: datetime) -> datetime | None:
    if rng.random() < 0.3:
        return None
    return (at + timedelta(days=rng.choice((1, 1, 2, 3)))).replace(hour=16, minute=0, second=0)


def _reach(rng, state, audience: Audience, author, action_to, information, at, day, staff):
    """Recipients as feed.addressees writes them, with the reads and done marks of the day."""
    managers = {uid for people in staff.values() for uid, manager in people if manager}
    day_end = day + timedelta(hours=20, minutes=30)
    recipients, reads = [], {}
    for user_id, kind in audience.recipients(state.circle, author, action_to, information):
        moment = at + timedelta(minutes=rng.randint(3, 240))
        done = kind == "action" and rng.random() < 0.55 and moment <= day_end
        if moment <= day_end and (done or rng.random() < (0.5 if user_id in managers else 0.8)):
            reads[user_id] = moment
        recipients.append(
            {
                "user_id": user_id,
                "kind": kind,
                "unit_id": audience.user_units[user_id],
                "done_at": moment if done else None,
            }
        )
    return recipients, reads
