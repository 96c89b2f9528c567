"""``rse serve``: the production server process (gunicorn, one process with many threads).

Socket.IO keeps per-connection state in the process that accepted it, so each ``rse serve`` process
is a single gunicorn worker serving HTTP, long-polling and WebSocket (through simple-websocket) with
a pool of threads. To use several cores or machines, start several processes on different ports with
the same ``RSE_REDIS_URL`` and put a proxy with sticky sessions in front (see the README).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--threads",
    default=64,
    show_default=True,
    type=int,
    help="Requests served at once; each open WebSocket holds one thread.",
)
@with_appcontext
def serve_command(host: str, port: int, threads: int):
    """Serve HTTP and Socket.IO with gunicorn (the production command)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            # One worker per process: a socket's polling requests must reach the process holding it.
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            # Each open WebSocket holds a thread and a connection: gunicorn's default cap of 1,000
            # connections would leave HTTP requests waiting once 1,000 sockets are open.
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
