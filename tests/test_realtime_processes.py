"""Two real ``rse serve`` processes sharing Redis: an event written on one reaches sockets on the other.

This is the production command of the README, started on loopback with its own SQLite database, its
own Redis database number and a Socket.IO channel unique to the run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

RSE = str(Path(sys.executable).with_name("rse"))
REDIS_URL = os.environ.get("RSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# gevent is the default worker of ``rse serve``; gthread, a thread per request, stays available.
@pytest.fixture(params=["gevent", "gthread"])
def cluster(tmp_path, request):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL} (.ci/run starts it): {error}", pytrace=False)
    yield from _cluster(tmp_path, REDIS_URL, request.param)


def _cluster(tmp_path, redis_url: str, worker_class: str = "gevent"):
    env = {
        **os.environ,
        "RSE_ENV": "development",
        "RSE_INSTANCE_DIR": str(tmp_path),
        "RSE_DATABASE_URL": f"sqlite:///{tmp_path / 'rse.sqlite3'}",
        "RSE_SECRET_KEY": "two-processes-test",
        "RSE_REDIS_URL": redis_url,
        "RSE_SOCKETIO_CHANNEL": f"rse-test-{uuid.uuid4().hex}",
    }

    def rse(*args: str) -> str:
        done = subprocess.run([RSE, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    rse("db", "upgrade")
    tokens = {}
    for name in ("author", "member", "outsider"):
        email = f"{name}@example.gouv.fr"
        rse("users", "create", "--email", email, "--name", name.title(), "--password", "x" * 16,
            "--unit", "MEAE/DGM")  # fmt: skip
        tokens[name] = rse("tokens", "create", "--email", email)
    servers, urls = [], []
    for _ in range(2):
        port = _free_port()
        servers.append(
            subprocess.Popen(
                [RSE, "serve", "--host", "127.0.0.1", "--port", str(port), "--worker-class", worker_class],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            # Generous: on a loaded machine a server process takes tens of seconds to boot.
            assert _wait_until(lambda url=url: _healthy(url), timeout=90), f"{url} did not start"
        yield {"a": urls[0], "b": urls[1], "tokens": tokens, "rse": rse}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _api(url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _listen(url: str, token: str):
    import socketio

    client = socketio.Client(reconnection=False)
    received: list[tuple[str, dict]] = []
    client.on("*", lambda event, data: received.append((event, data)))
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client, received


def test_a_post_written_on_a_reaches_members_connected_to_b(cluster):
    tokens, a, b = cluster["tokens"], cluster["a"], cluster["b"]
    community = _api(a, tokens["author"], "POST", "/communities", {"name": "Crise", "visibility": "secret"})
    me = _api(b, tokens["member"], "GET", "/me")
    _api(a, tokens["author"], "POST", f"/communities/{community['id']}/members", {"user_id": me["id"]})
    member, member_events = _listen(b, tokens["member"])
    outsider, outsider_events = _listen(b, tokens["outsider"])
    # A socket on A too: A then builds its events in its delivery thread, not in the request.
    author, author_events = _listen(a, tokens["author"])
    try:
        post = _api(a, tokens["author"], "POST", f"/communities/{community['id']}/posts",
                    {"title": "Point", "body": "Réunion à 10 h"})  # fmt: skip
        assert _wait_until(lambda: any(name == "post.created" for name, _ in member_events), timeout=10)
        created = [data for name, data in member_events if name == "post.created"]
        assert created[0]["id"] == post["id"] and created[0]["body"] == "Réunion à 10 h"
        assert _wait_until(lambda: any(name == "post.created" for name, _ in author_events), timeout=10)
        time.sleep(1.0)  # time enough for a stray event to arrive
        assert outsider_events == []
        # Deactivated from a third process (the CLI): its sockets on B are dropped at once.
        cluster["rse"]("users", "deactivate", "--email", "member@example.gouv.fr")
        assert _wait_until(lambda: not member.connected, timeout=10)
        assert outsider.connected
    finally:
        for client in (member, outsider, author):
            client.disconnect()


class OwnRedis:
    """A Redis server of this test alone, on a free port, that the test may stop and start again."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                return redis.Redis.from_url(self.url).ping()
            except redis.RedisError:
                return False

        assert _wait_until(answers, timeout=10), "redis-server did not start"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed to restart Redis during a test", pytrace=False)
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cluster_on_own_redis(tmp_path, own_redis):
    yield from _cluster(tmp_path, own_redis.url)


def _names(events: list) -> list[str]:
    return [name for name, _ in events]


def test_after_a_redis_restart_events_flow_again_on_every_process(cluster_on_own_redis, own_redis):
    cluster = cluster_on_own_redis
    tokens, a, b = cluster["tokens"], cluster["a"], cluster["b"]
    community = _api(a, tokens["author"], "POST", "/communities", {"name": "Veille", "visibility": "secret"})
    member_id = _api(b, tokens["member"], "GET", "/me")["id"]
    _api(a, tokens["author"], "POST", f"/communities/{community['id']}/members", {"user_id": member_id})
    on_a, events_on_a = _listen(a, tokens["author"])
    on_b, events_on_b = _listen(b, tokens["member"])

    def write(title: str) -> dict:
        return _api(a, tokens["author"], "POST", f"/communities/{community['id']}/posts",
                    {"title": title, "body": "Texte", "qualification": "action",
                     "action_addressees": [{"type": "user", "id": member_id}]})  # fmt: skip

    def received(events, name: str, post_id: int | None = None) -> bool:
        return any(got == name and (post_id is None or data.get("id") == post_id) for got, data in events)

    try:
        before = write("Avant")
        assert _wait_until(lambda: received(events_on_b, "post.created", before["id"]), timeout=10)
        own_redis.stop()
        # Written while Redis is down: B cannot hear of it...
        lost = write("Pendant")
        own_redis.start()
        # ...so once each process hears Redis again, it tells its sockets to reload from the API.
        assert _wait_until(lambda: "live.resync" in _names(events_on_a), timeout=20)
        assert _wait_until(lambda: "live.resync" in _names(events_on_b), timeout=20)
        events_on_a.clear()
        events_on_b.clear()
        after = write("Après")
        # Both processes deliver again: the post to the member on B, its desk counts (B's socket
        # was listed again in the restarted Redis), and the post to the author on A.
        assert _wait_until(lambda: received(events_on_b, "post.created", after["id"]), timeout=10)
        assert _wait_until(lambda: received(events_on_b, "desk.counts"), timeout=10)
        counts = [data for name, data in events_on_b if name == "desk.counts"][-1]
        assert counts["todo"]["total"] == 3
        assert _wait_until(lambda: received(events_on_a, "post.created", after["id"]), timeout=10)
        # The member's client caught up: the API shows the post written while Redis was down.
        todo = _api(b, tokens["member"], "GET", "/desk/todo")
        assert lost["id"] in [item["id"] for item in todo["items"]]
    finally:
        on_a.disconnect()
        on_b.disconnect()
