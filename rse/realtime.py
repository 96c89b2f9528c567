"""The Socket.IO server: who may connect, which rooms a socket is in, and the few inbound messages.

Connections are authenticated with the browser session or an API token (``auth={"token": ...}``);
anonymous ones are refused, and so are handshakes from an Origin outside ``RSE_SOCKETIO_ORIGINS``
(the page's own origin when unset). Rooms come from ``rse.permissions`` only. What is sent, and
when, is decided in ``rse.events``.

With ``RSE_REDIS_URL`` set, every process shares events through Flask-SocketIO's Redis message queue
and the sockets of each person are listed in Redis, so that any process can drop them.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import uuid

import marshmallow as ma
from flask import Flask, current_app, has_app_context, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from rse.events import PORTAL_ROOM, community_room, post_room, user_room
from rse.extensions import db, socketio

log = logging.getLogger(__name__)

NAMESPACE = "/"
# Inbound frames are tiny ({"post_id": 12}); anything larger is refused by the transport.
MAX_FRAME_BYTES = 16 * 1024
SOCKETS_TTL_SECONDS = 24 * 3600
# Without Redis, a command run in another process (``rse users deactivate``) cannot reach this
# process's sockets: they are checked this often instead.
SWEEP_SECONDS = 10
# Desk counts of one person are computed at most once per window, however many commits touch them,
# and for this many people at a time, so that posts and comments are not held up behind them.
DESK_COALESCE_SECONDS = 0.25
DESK_BATCH = 100
# Under gevent a batch holds the event loop (every request and socket of the process) while it is
# counted, a few milliseconds per person: smaller batches keep that wait short.
DESK_BATCH_COOPERATIVE = 25
# With Redis, each process checks this often that it still hears the message queue (a restarted
# Redis drops subscriptions and every socket list).
PROBE_SECONDS = 1.0
PROBE_PREFIX = b"rse-probe:"
# A probe not heard back this long means lost events. Generous: a busy process must not make every
# page reload for nothing.
PROBE_TIMEOUT_SECONDS = 5.0
# ...and lists its sockets in Redis again this often, well within ``SOCKETS_TTL_SECONDS``.
RELIST_SECONDS = 3600
# Under gevent, a request waits at most this long for the events of its commit to leave (see
# ``Realtime.deliver_later``).
EVENTS_FIRST_SECONDS = 1.0


class ListeningRedisManager:
    """Built lazily: Flask-SocketIO's Redis message queue, which also notices its own probes."""

    @staticmethod
    def create(url: str, channel: str):
        import socketio

        class Manager(socketio.RedisManager):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.probe = PROBE_PREFIX + uuid.uuid4().hex.encode()
                self.heard = threading.Event()

            def _listen(self):
                for message in super()._listen():
                    if message == self.probe:
                        self.heard.set()
                        continue
                    yield message

            def _redis_listen_with_retries(self):
                # The library waits up to a minute between attempts: retry every second instead,
                # so that a restarted Redis is heard again at once.
                while True:
                    try:
                        self._redis_connect()
                        self.pubsub.subscribe(self.channel)
                        yield from self.pubsub.listen()
                    except Exception as error:
                        log.warning("Cannot receive from Redis (%s), retrying in 1 s", error)
                        time.sleep(1)

        return Manager(url, channel=channel, write_only=False)


# Where each person's sockets are ---------------------------------------------------------------


class LocalRegistry:
    """One process: the sockets of each person in memory."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sids: dict[int, set[str]] = {}

    def add(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._sids.setdefault(user_id, set()).add(sid)

    def remove(self, user_id: int, sid: str) -> None:
        with self._lock:
            sids = self._sids.get(user_id, set())
            sids.discard(sid)
            if not sids:
                self._sids.pop(user_id, None)

    def sids(self, user_id: int) -> set[str]:
        with self._lock:
            return set(self._sids.get(user_id, ()))

    def connected(self, user_ids) -> set[int]:
        with self._lock:
            return {user_id for user_id in user_ids if self._sids.get(user_id)}

    def anyone(self) -> bool:
        with self._lock:
            return bool(self._sids)

    def online_users(self) -> set[int]:
        with self._lock:
            return set(self._sids)


class RedisRegistry:
    """Several processes: one Redis set of socket ids per person, under the channel's prefix."""

    def __init__(self, url: str, prefix: str):
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._remove_script = self._redis.register_script(
            "redis.call('SREM', KEYS[1], ARGV[1]) "
            "if redis.call('SCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end"
        )

    def _key(self, user_id: int) -> str:
        return f"{self._prefix}:sockets:{user_id}"

    @property
    def _online_key(self) -> str:
        return f"{self._prefix}:online"

    def add(self, user_id: int, sid: str) -> None:
        key = self._key(user_id)
        # Sockets of a crashed process linger until the key expires; dropping them is harmless.
        pipe = self._redis.pipeline().sadd(key, sid).expire(key, SOCKETS_TTL_SECONDS)
        pipe.sadd(self._online_key, user_id).expire(self._online_key, SOCKETS_TTL_SECONDS).execute()

    def remove(self, user_id: int, sid: str) -> None:
        # One script, run atomically: a socket added meanwhile by another process keeps the person
        # listed as online.
        self._remove_script(keys=[self._key(user_id), self._online_key], args=[sid, user_id])

    def publish_probe(self, channel: str, probe: bytes) -> None:
        self._redis.publish(channel, probe)

    def online_users(self) -> set[int]:
        """People who may have a socket on some process (a superset: check with ``connected``)."""
        return {int(user_id) for user_id in self._redis.smembers(self._online_key)}

    def sids(self, user_id: int) -> set[str]:
        return {sid.decode() for sid in self._redis.smembers(self._key(user_id))}

    def connected(self, user_ids) -> set[int]:
        user_ids = list(user_ids)
        if not user_ids:
            return set()
        pipe = self._redis.pipeline()
        for user_id in user_ids:
            pipe.scard(self._key(user_id))
        return {user_id for user_id, count in zip(user_ids, pipe.execute(), strict=True) if count}

    def anyone(self) -> bool:
        return True  # other processes may hold sockets


class Realtime:
    def __init__(self, app: Flask, registry):
        self.app = app
        self.registry = registry
        self.socket_users: dict[str, int] = {}  # sockets of this process -> their person
        # (intents, an event set once they are sent, or None): one item per commit.
        self._pending: queue.Queue = queue.Queue()
        self._worker_started = False
        self._serving_sockets = False
        self._lock = threading.Lock()

    def watch(self) -> None:
        """At the first connection: this process serves sockets; sweep them when alone."""
        with self._lock:
            if self._serving_sockets:
                return
            self._serving_sockets = True
        if self.app.config.get("TESTING"):
            return
        if self.app.config.get("REDIS_URL"):
            # Any process drops the sockets at once; watch the queue instead.
            socketio.start_background_task(self._keep_listening)
            return
        socketio.start_background_task(self._sweep_forever)

    def _keep_listening(self) -> None:
        """Publish a probe every second and wait to hear it back through the message queue.

        When Redis restarts, events published meanwhile are lost and the lists of sockets are gone.
        Once the probe is heard again, this process lists its sockets again and tells them to
        reload what they show from the API (``live.resync``): nothing is silently missed.
        """
        manager = socketio.server.manager
        deaf = False
        listed_at = time.monotonic()
        while True:
            time.sleep(PROBE_SECONDS)
            manager.heard.clear()
            try:
                self.registry.publish_probe(manager.channel, manager.probe)
                heard = manager.heard.wait(timeout=PROBE_TIMEOUT_SECONDS)
            except Exception:
                heard = False
            if not heard:
                if not deaf:
                    log.warning("The Socket.IO message queue is unreachable; waiting for it")
                deaf = True
                continue
            if deaf:
                deaf = False
                try:
                    self.resync()
                    listed_at = time.monotonic()
                except Exception:
                    deaf = True
                    log.exception("Could not list the sockets again")
            elif time.monotonic() - listed_at > RELIST_SECONDS:
                # Socket lists expire: those of a crashed process go away, those of a live one stay.
                try:
                    self.list_sockets()
                    listed_at = time.monotonic()
                except Exception:
                    log.exception("Could not list the sockets again")

    def list_sockets(self) -> None:
        for sid, user_id in dict(self.socket_users).items():
            self.registry.add(user_id, sid)

    def resync(self) -> None:
        self.list_sockets()
        # Only this process's sockets: every process resyncs its own once it hears Redis again.
        socketio.server.manager.emit("live.resync", {}, namespace=NAMESPACE, ignore_queue=True)
        log.warning("The Socket.IO message queue is back; %d sockets told to reload", len(self.socket_users))

    def _sweep_forever(self) -> None:
        while True:
            socketio.sleep(SWEEP_SECONDS)
            try:
                self.sweep()
            except Exception:
                log.exception("Could not check the open sockets")

    def sweep(self) -> None:
        """Drop the sockets of people deactivated by another process."""
        from sqlalchemy import select

        from rse.accounts.models import User

        owners = dict(self.socket_users)
        if not owners:
            return
        with self.app.app_context():
            try:
                active = set(
                    db.session.scalars(
                        select(User.id).where(User.id.in_(set(owners.values())), User.active.is_(True))
                    )
                )
            finally:
                db.session.remove()
        for sid, user_id in owners.items():
            if user_id not in active:
                self.registry.remove(user_id, sid)
                socketio.server.disconnect(sid, namespace=NAMESPACE)

    def deliver_later(self, intents) -> None:
        if self.app.config.get("TESTING") or not self._serving_sockets:
            # Tests see the events as soon as the request returns, and a process that serves no
            # socket (a command writing through Redis) may exit right after its commit: at once.
            self.deliver(intents)
            return
        with self._lock:
            if not self._worker_started:
                socketio.start_background_task(self._work)
                self._worker_started = True
        if not self._cooperative():
            self._pending.put((intents, None))
            return
        # Under gevent a greenlet runs until it waits on something: what this request still does
        # after its commit (the search index, its answer) would otherwise come before the events,
        # and add to their delay. It waits for them instead; the sockets' writers, woken by the
        # emit before this request is, send them first.
        sent = threading.Event()
        self._pending.put((intents, sent))
        sent.wait(timeout=EVENTS_FIRST_SECONDS)

    @staticmethod
    def _cooperative() -> bool:
        from rse.serve import patched_by_gevent

        return patched_by_gevent()

    def _work(self) -> None:
        """One thread per process: events leave in commit order; desk counts follow, coalesced.

        Posts, comments and notifications of each commit are sent at once. The people whose counts
        changed wait up to ``DESK_COALESCE_SECONDS`` in a set (ten posts to someone: one count),
        then are counted ``DESK_BATCH`` at a time (``DESK_BATCH_COOPERATIVE`` under gevent), the
        queue being looked at between batches.
        """
        due: set[int] = set()
        flush_at = 0.0
        batch_size = DESK_BATCH_COOPERATIVE if self._cooperative() else DESK_BATCH
        while True:
            wait = max(0.0, flush_at - time.monotonic()) if due else None
            try:
                intents, sent = self._pending.get(timeout=wait)
            except queue.Empty:
                intents = sent = None
            try:
                if intents is not None:
                    try:
                        changed = self._send(lambda intents=intents: self._immediate(intents))
                    finally:
                        if sent is not None:
                            sent.set()
                    if changed and not due:
                        flush_at = time.monotonic() + DESK_COALESCE_SECONDS
                    due |= changed
                    continue
                batch = set(itertools.islice(due, batch_size))
                due -= batch
                self._send(lambda batch=batch: (self._desk(batch), set())[1])
                # Under gevent, requests and sockets wait while a batch is counted: let them run.
                socketio.sleep(0)
            except Exception:
                log.exception("Could not deliver live events")

    @staticmethod
    def _immediate(intents):
        from rse.events import build_immediate

        outgoing, changed = build_immediate(intents)
        _emit(outgoing)
        return changed

    @staticmethod
    def _desk(user_ids):
        from rse.events import desk_counts

        _emit(desk_counts(user_ids))

    def _send(self, work):
        with self.app.app_context():  # its own session, which sees what was committed
            try:
                return work()
            finally:
                db.session.remove()

    def deliver(self, intents) -> None:
        """Everything at once (tests, and processes that serve no socket)."""
        from rse.events import build

        self._send(lambda: _emit(build(intents)))


def _emit(outgoing) -> None:
    for item in outgoing:
        socketio.emit(item.event, item.payload, to=item.room, namespace=NAMESPACE)


def init_realtime(app: Flask) -> None:
    origins = app.config.get("SOCKETIO_ORIGINS") or None  # None: the page's own origin only
    redis_url = app.config.get("REDIS_URL")
    channel = app.config.get("SOCKETIO_CHANNEL", "rse-socketio")
    from rse.serve import patched_by_gevent

    socketio.init_app(
        app,
        # Greenlets under ``rse serve``'s gevent worker; threads in tests and under ``rse run``.
        async_mode="gevent" if patched_by_gevent() else "threading",
        cors_allowed_origins=origins,
        message_queue=redis_url,
        # Always given: the extension object is shared by every app of a process (tests).
        client_manager=ListeningRedisManager.create(redis_url, channel) if redis_url else None,
        manage_session=False,
        max_http_buffer_size=MAX_FRAME_BYTES,
        logger=False,
        engineio_logger=False,
    )
    registry = RedisRegistry(redis_url, channel) if redis_url else LocalRegistry()
    app.extensions["rse_realtime"] = Realtime(app, registry)


def _state() -> Realtime | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("rse_realtime")


def is_live() -> bool:
    """Whether anyone may be listening: otherwise events are not even prepared (CLI, bulk loads)."""
    state = _state()
    return state is not None and state.registry.anyone()


def online_users() -> set[int]:
    state = _state()
    return state.registry.online_users() if state else set()


def connected_users(user_ids) -> set[int]:
    state = _state()
    return state.registry.connected(user_ids) if state else set()


def deliver_later(intents) -> None:
    state = _state()
    if state is not None:
        state.deliver_later(intents)


def disconnect_user(user_id: int) -> None:
    state = _state()
    if state is None:
        return
    for sid in state.registry.sids(user_id):
        state.registry.remove(user_id, sid)
        socketio.server.disconnect(sid, namespace=NAMESPACE)


# Handlers ---------------------------------------------------------------------------------------


def _authenticate(auth):
    from rse.accounts import services as accounts

    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return accounts.user_for_token(auth["token"][:200])
    if current_user.is_authenticated and current_user.active:
        return current_user._get_current_object()
    return None


@socketio.on("connect")
def on_connect(auth=None):
    from rse import permissions

    user = _authenticate(auth)
    if user is None:
        raise ConnectionRefusedError("Authentication is required (session or API token).")
    state = current_app.extensions["rse_realtime"]
    state.socket_users[request.sid] = user.id
    state.registry.add(user.id, request.sid)
    state.watch()
    join_room(user_room(user.id))
    join_room(PORTAL_ROOM)
    for community_id in db.session.scalars(permissions.readable_community_ids(user)):
        join_room(community_room(community_id))
    return True


@socketio.on("disconnect")
def on_disconnect(reason=None):
    state = current_app.extensions["rse_realtime"]
    user_id = state.socket_users.pop(request.sid, None)
    if user_id is not None:
        state.registry.remove(user_id, request.sid)


class SubscribeSchema(ma.Schema):
    post_id = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1))
    community_id = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1))

    @ma.validates_schema
    def _exactly_one(self, data, **kwargs):
        if len(data) != 1:
            raise ma.ValidationError("Give exactly one of post_id or community_id.")


def _refusal(error: str, fields: dict | None = None) -> dict:
    answer = {"ok": False, "error": error}
    if fields:
        answer["errors"] = fields
    return answer


def _room_asked(data) -> tuple[str | None, dict | None]:
    """The room a subscribe/unsubscribe frame names, once its shape is checked."""
    if not isinstance(data, dict):
        return None, _refusal("The message must be an object.")
    try:
        wanted = SubscribeSchema().load(data)
    except ma.ValidationError as error:
        return None, _refusal("Invalid message.", error.messages)
    if "post_id" in wanted:
        return post_room(wanted["post_id"]), None
    return community_room(wanted["community_id"]), None


def _socket_user():
    from rse.accounts.models import User

    user_id = current_app.extensions["rse_realtime"].socket_users.get(request.sid)
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None


@socketio.on("subscribe")
def on_subscribe(data=None):
    from communities.models import Community
    from feed.models import Post
    from rse import permissions

    room, refusal = _room_asked(data)
    if refusal:
        return refusal
    user = _socket_user()
    if user is None:
        return _refusal("Not authenticated.")
    kind, _, ident = room.partition(":")
    if kind == "post":
        post = db.session.get(Post, int(ident))
        allowed = post is not None and permissions.can_read_post(user, post)
    else:
        community = db.session.get(Community, int(ident))
        allowed = community is not None and permissions.can_read_community(user, community)
    if not allowed:
        # The same answer for hidden and missing, as on HTTP.
        return _refusal("Not found.")
    join_room(room)
    return {"ok": True}


@socketio.on("unsubscribe")
def on_unsubscribe(data=None):
    room, refusal = _room_asked(data)
    if refusal:
        return refusal
    leave_room(room)
    return {"ok": True}


@socketio.on_error_default
def on_error(error):
    # A faulty frame answers an error; the worker and the other sockets go on.
    db.session.rollback()
    log.exception("Socket.IO handler failed")
    return _refusal("The message could not be handled.")
