"""Post-to-delivery latency and memory per connection of the live events (a benchmark, not a test).

    .venv/bin/python bench/realtime.py --clients 100 500 1000 --processes 1
    .venv/bin/python bench/realtime.py --clients 100 500 1000 --processes 2 --redis-url redis://127.0.0.1:6399/0

Builds a fresh demo world (``rse demo``) in a temporary instance, starts ``rse serve`` processes on
loopback (gevent worker by default, ``--worker-class gthread`` to compare; two or more share Redis),
connects N Socket.IO clients (python-socketio's asyncio client, WebSocket, many per event loop, one
loop per client process) with the tokens of the demo people, spread over the processes and the
people, hence over the communities. An author then writes posts through the API at a steady rate,
one community after the other. For every ``post.created`` a client receives, the latency is the
time from just before the POST request was sent to the event's arrival (the write itself
included). Memory per connection is the growth of the server processes' resident memory while the
N clients connect, divided by N.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, where ``search.py`` would
# hide the ``search`` package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

RSE = str(Path(sys.executable).with_name("rse"))
# Clients connecting at once in each listening process (the server accepts them in turn anyway).
CONNECTING_AT_ONCE = 50
TOKEN_SCRIPT = """
from sqlalchemy import select
from rse import create_app
from rse.accounts.models import User
from rse.accounts.services import create_token
from rse.extensions import db
app = create_app()
with app.app_context():
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    tokens = {user.email: create_token(user, "bench")[1] for user in users}
    db.session.commit()
print(__import__("json").dumps(tokens))
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (gunicorn's worker), in KiB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pids.extend(int(child) for child in children)
        except FileNotFoundError:
            continue
    return total


def api(url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


class World:
    """A demo instance with its servers."""

    def __init__(self, processes: int, redis_url: str | None, worker_class: str, threads: int):
        self.dir = tempfile.mkdtemp(prefix="rse-bench-realtime-")
        self.env = {
            **os.environ,
            "RSE_ENV": "development",
            "RSE_INSTANCE_DIR": self.dir,
            "RSE_DATABASE_URL": f"sqlite:///{self.dir}/rse.sqlite3",
            "RSE_SECRET_KEY": "bench-realtime",
            "RSE_SOCKETIO_CHANNEL": f"rse-bench-{uuid.uuid4().hex}",
        }
        if redis_url:
            self.env["RSE_REDIS_URL"] = redis_url
        self.run("db", "upgrade")
        self.run("demo")
        done = subprocess.run(
            [sys.executable, "-c", TOKEN_SCRIPT], env=self.env, capture_output=True, text=True, check=True
        )
        self.tokens: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
        self.servers, self.urls = [], []
        for _ in range(processes):
            port = free_port()
            command = [
                RSE,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--worker-class",
                worker_class,
            ]
            if worker_class == "gthread":
                command += ["--threads", str(threads)]
            self.servers.append(
                subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        for url in self.urls:
            if not wait_until(lambda url=url: self.healthy(url), 30):
                raise SystemExit(f"{url} did not start")

    def run(self, *args: str) -> None:
        subprocess.run([RSE, *args], env=self.env, check=True, capture_output=True)

    @staticmethod
    def healthy(url: str) -> bool:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def memory_kib(self) -> int:
        return sum(rss_kib(server.pid) for server in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            server.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


def listen(urls: list[str], tokens: list[str], ready, stop, arrivals) -> None:
    """One listening process: its share of the clients; sends back (post id, arrival time) pairs.

    The clients are asyncio ones (python-socketio's ``AsyncClient``), many on one event loop, so
    that they cost the machine little next to the servers measured. They are spread over a few
    processes all the same, so that one loop busy reading does not add to the latency measured.
    ``time.monotonic`` is one clock for every process of a machine.
    """
    import asyncio

    asyncio.run(_listen(urls, tokens, ready, stop, arrivals))


async def _listen(urls: list[str], tokens: list[str], ready, stop, arrivals) -> None:
    import asyncio

    import socketio

    seen: list[tuple[int, float]] = []

    async def on_post(data):
        seen.append((data.get("id"), time.monotonic()))

    async def connect(index: int, token: str, gate: asyncio.Semaphore):
        client = socketio.AsyncClient(reconnection=False)
        client.on("post.created", on_post)
        async with gate:
            await client.connect(
                urls[index % len(urls)], auth={"token": token}, transports=["websocket"], wait_timeout=60
            )
        return client

    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    clients = await asyncio.gather(*(connect(index, token, gate) for index, token in enumerate(tokens)))
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.1)
    await asyncio.gather(*(client.disconnect() for client in clients))
    arrivals.put(seen)


def connect_clients(world: World, count: int, listeners_at_most: int):
    """Start the listening processes; returns a function that stops them and gives the arrivals."""
    import multiprocessing

    people = sorted(world.tokens)
    tokens = [world.tokens[people[index % len(people)]] for index in range(count)]
    shares = max(1, min(listeners_at_most, count // 50))
    context = multiprocessing.get_context("spawn")
    stop, arrivals = context.Event(), context.Queue()
    listeners = []
    for share in range(shares):
        ready = context.Event()
        # Each process gets every n-th client, and so the same mix of people and servers.
        process = context.Process(
            target=listen, args=(world.urls, tokens[share::shares], ready, stop, arrivals), daemon=True
        )
        process.start()
        listeners.append((process, ready))
    for _process, ready in listeners:
        if not ready.wait(timeout=600):
            raise SystemExit("the clients did not connect")

    def finish() -> list[tuple[int, float]]:
        stop.set()
        seen = []
        for _ in listeners:
            seen += arrivals.get(timeout=120)
        for process, _ in listeners:
            process.join(timeout=30)
        return seen

    return finish


def readers(world: World, author_token: str) -> list[dict]:
    """Open communities the author may write in, with their member counts (largest first)."""
    listed = api(world.urls[0], author_token, "GET", "/communities?member=true&limit=100")["items"]
    return sorted(listed, key=lambda community: -community["member_count"])


def run_one(world: World, count: int, posts: int, rate: float, listeners: int) -> dict:
    author_email = "claire.lefevre@diplomatie.gouv.fr"
    author = world.tokens[author_email]
    communities = readers(world, author)[:5]
    sent_at: dict[int, float] = {}
    before = world.memory_kib()
    finish = connect_clients(world, count, listeners)
    time.sleep(2.0)  # let the connections settle before measuring memory
    per_connection = (world.memory_kib() - before) / count
    interval = 1.0 / rate
    started = time.monotonic()
    for index in range(posts):
        community = communities[index % len(communities)]
        # The id is only known once the POST answers: the clock starts before it is sent, and the
        # events that arrive before the answer are matched afterwards.
        clock = time.monotonic()
        created = api(world.urls[index % len(world.urls)], author, "POST",
                      f"/communities/{community['id']}/posts",
                      {"title": f"Bench {index}", "body": "Texte de mesure"})  # fmt: skip
        sent_at[created["id"]] = clock
        next_at = started + (index + 1) * interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    time.sleep(3.0)
    latencies = [(arrived - sent_at[post_id]) * 1000 for post_id, arrived in finish() if post_id in sent_at]
    return {
        "clients": count,
        "received": len(latencies),
        "p50": percentile(latencies, 0.50) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99) if latencies else float("nan"),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "kib_per_connection": per_connection,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--redis-url", default=None, help="Required with more than one process.")
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--rate", type=float, default=2.0, help="Posts per second.")
    parser.add_argument("--worker-class", choices=["gevent", "gthread"], default="gevent")
    parser.add_argument(
        "--client-processes", type=int, default=2, help="Processes holding the clients (at most)."
    )
    options = parser.parse_args()
    if options.processes > 1 and not options.redis_url:
        parser.error("several processes share events through Redis: give --redis-url")
    threads = max(options.clients) + 64  # gthread: a WebSocket holds one server thread while open
    print(f"load average before: {os.getloadavg()}")
    print(f"worker class: {options.worker_class}, client processes: {options.client_processes}")
    print("processes | clients | events received | p50 ms | p95 ms | p99 ms | KiB per connection")
    for count in options.clients:
        world = World(options.processes, options.redis_url, options.worker_class, threads)
        try:
            result = run_one(world, count, options.posts, options.rate, options.client_processes)
        finally:
            world.stop()
        print(
            f"{options.processes} | {result['clients']} | {result['received']} | {result['p50']:.1f} | "
            f"{result['p95']:.1f} | {result['p99']:.1f} | {result['kib_per_connection']:.0f}",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
