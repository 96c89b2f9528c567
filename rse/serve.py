"""``rse serve``: the production server process (gunicorn, one worker).

Socket.IO keeps per-connection state in the process that accepted it, so each ``rse serve`` process
is a single gunicorn worker serving HTTP, long-polling and WebSocket (through simple-websocket). To
use several cores or machines, start several processes on different ports with the same
``RSE_REDIS_URL`` and put a proxy with sticky sessions in front (see the README).

The default worker is gevent: one event loop runs every request and every open socket in a
greenlet, so that a thousand sockets cost a thousand greenlets of a few KiB, not a thousand threads
queueing for the interpreter lock. gevent must patch the standard library before anything imports
``socket``, ``ssl``, ``threading`` or psycopg (which picks its wait function at import time): the
command therefore checks the configuration (it builds the app once), then replaces itself by a fresh
interpreter that patches first and starts gunicorn (see ``PATCHED_START``). ``--worker-class
gthread`` keeps the former worker, a thread per request, without patching.
"""

from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

WORKER_CLASSES = ("gevent", "gthread")
# Run by the fresh interpreter: the patch comes before any other import, the app's included. It
# starts gunicorn straight away: the app is built in the worker only, as no state of the gunicorn
# process (a timer of the rate limiter's memory storage...) must be copied into the forked worker.
PATCHED_START = (
    "from gevent import monkey; monkey.patch_all(); import sys; from rse.serve import run_gunicorn; "
    "run_gunicorn(host=sys.argv[1], port=int(sys.argv[2]), worker_class='gevent', "
    "connections=int(sys.argv[3]), threads=0)"
)


def patched_by_gevent() -> bool:
    """Whether this process runs under gevent's monkey patching (``rse serve``'s default worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def _restart_patched(host: str, port: int, connections: int) -> None:
    """Replace this process (same pid: supervisors and tests keep their handle) by a patched one."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", PATCHED_START, host, str(port), str(connections)])


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--worker-class",
    type=click.Choice(WORKER_CLASSES),
    default="gevent",
    show_default=True,
    help="gevent: one event loop for every request and socket; gthread: a thread per request.",
)
@click.option(
    "--connections",
    default=10000,
    show_default=True,
    type=int,
    help="gevent: open connections (sockets included) served at once.",
)
@click.option(
    "--threads",
    default=64,
    show_default=True,
    type=int,
    help="gthread: requests served at once; each open WebSocket holds one thread.",
)
@with_appcontext
def serve_command(host: str, port: int, worker_class: str, connections: int, threads: int):
    """Serve HTTP and Socket.IO with gunicorn (the production command)."""
    # The app was built here once all the same: a wrong configuration stops the command at once.
    if worker_class == "gevent" and not patched_by_gevent():
        _restart_patched(host, port, connections)
    run_gunicorn(host, port, worker_class, connections, threads)


def run_gunicorn(host: str, port: int, worker_class: str, connections: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            # One worker per process: a socket's polling requests must reach the process holding it.
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", worker_class)
            if worker_class == "gevent":
                self.cfg.set("worker_connections", connections)
            else:
                self.cfg.set("threads", threads)
                # Each open WebSocket holds a thread and a connection: gunicorn's default cap of
                # 1,000 connections would leave HTTP requests waiting once 1,000 sockets are open.
                self.cfg.set("worker_connections", max(1000, 2 * threads))
            self.cfg.set("timeout", 0)  # WebSocket and long-polling requests stay open
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("accesslog", None)
            if "control_socket_disable" in self.cfg.settings:
                # Its default path is per user, not per process: several processes would collide.
                self.cfg.set("control_socket_disable", True)

        def load(self):
            # Built again inside the worker, after the fork: no database or Redis connection is shared.
            from rse import create_app
            from search.outbox import start_background_writer

            app = create_app()
            start_background_writer(app)
            return app

    Server().run()
