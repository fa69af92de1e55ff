"""Serving the portal with uvicorn: in the foreground (`tieout portal serve`), or in a thread on a
free port for tests and screenshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from portal.app import create_app
from portal.config import PortalConfig


def serve(config: PortalConfig, host: str, port: int) -> None:
    uvicorn.run(create_app(config), host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


@contextmanager
def running_portal(config: PortalConfig, clock: Callable[[], float] = time.time) -> Iterator[str]:
    """The portal on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config, clock), host="127.0.0.1", port=0, log_level="warning", server_header=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the portal did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
