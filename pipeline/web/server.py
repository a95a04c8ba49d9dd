"""Starting the page: a socket bound first (so the address is known, port 0 included), then
uvicorn serving the application on it until Ctrl+C."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def server(workspace_root: Path, sock: socket.socket, *, password: str | None = None,
           token: str | None = None) -> Any:
    """An uvicorn server for the page (not started); quiet: its English log stays off."""
    import uvicorn

    from pipeline.web.app import create_app

    app = create_app(workspace_root, token=token, password=password)
    config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config)
