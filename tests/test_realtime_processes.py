"""Two real ``rse serve`` processes sharing Redis: an event written on one reaches sockets on the other.

This is the production command of the README, started on loopback with its own SQLite database, its
own Redis database number and a Socket.IO channel unique to the run.
"""

from __future__ import annotations

import json
import os
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


@pytest.fixture
def cluster(tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL} (.ci/run starts it): {error}", pytrace=False)
    env = {
        **os.environ,
        "RSE_ENV": "development",
        "RSE_INSTANCE_DIR": str(tmp_path),
        "RSE_DATABASE_URL": f"sqlite:///{tmp_path / 'rse.sqlite3'}",
        "RSE_SECRET_KEY": "two-processes-test",
        "RSE_REDIS_URL": REDIS_URL,
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
                [RSE, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            assert _wait_until(lambda url=url: _healthy(url)), f"{url} did not start"
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
