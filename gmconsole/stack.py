"""Run the web server, a Celery worker and Celery beat side by side for `make run`.

The `runstack` management command is a thin driver around this module: it builds the
process specs, starts the children in their own process groups, prefixes and logs their
output, waits for the web port and stops everything when asked or when a child dies.
Each piece is a plain function or small class so the tests can drive it with throwaway
children instead of the real stack.
"""

from __future__ import annotations

import collections
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

import redis

WEB = "web"
WORKER = "worker"
BEAT = "beat"
QUEUES = "sim,llm,default"
# With SQLite, web, worker and beat all write one file; two worker processes keep the
# writers few enough for WAL + IMMEDIATE transactions + busy timeout to never time out.
WORKER_CONCURRENCY = 2
STOP_TIMEOUT_SECONDS = 10.0
TAIL_LINES = 20
PREFIX_WIDTH = len(WORKER)

REDIS_UNREACHABLE = (
    "REDIS_URL={url} is not reachable ({error}); start that Redis or unset REDIS_URL to use the embedded one."
)
PORT_IN_USE = (
    "Port {port} on {host} is already in use; stop whatever listens there or choose another with --port."
)
ALREADY_RUNNING = "Another runstack is already running with the var dir {var_dir} (lock {lock})."
GM_PASSWORD_FILE = "gm-password.txt"  # noqa: S105 - a file name, not a password

_COLOURS = {WEB: "36", WORKER: "33", BEAT: "35"}


# --- Process specs -----------------------------------------------------------


@dataclass(frozen=True)
class ProcessSpec:
    """What to run for one child: its command line, environment and log file."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path
    log_path: Path

    @property
    def prefix(self) -> str:
        return f"{self.name:<{PREFIX_WIDTH}} | "


def addrport(host: str, port: int) -> str:
    """The runserver address argument; IPv6 literals need brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def display_host(host: str) -> str:
    """The host a browser (or our port probe) should use for a bind address."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - mapping a wildcard bind, not binding
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def web_url(host: str, port: int) -> str:
    shown = display_host(host)
    return f"http://{addrport(shown, port)}/"


def process_specs(
    *,
    python: str,
    base_dir: Path,
    var_dir: Path,
    host: str,
    port: int,
    redis_url: str,
    env: Mapping[str, str],
) -> list[ProcessSpec]:
    """The three children of the stack, all sharing one environment plus REDIS_URL."""
    child_env = {
        **env,
        "REDIS_URL": redis_url,
        # The children must agree with us on where the SQLite file lives.
        "GMCONSOLE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": env.get("DJANGO_SETTINGS_MODULE", "gmconsole.settings"),
        # Lines must reach our reader threads as they are written, not when a buffer fills.
        "PYTHONUNBUFFERED": "1",
    }
    logs = var_dir / "logs"
    celery = (python, "-m", "celery", "-A", "gmconsole")
    commands = {
        WEB: (python, str(base_dir / "manage.py"), "runserver", addrport(host, port), "--noreload"),
        WORKER: (
            *celery, "worker",
            "-Q", QUEUES,
            "-c", str(WORKER_CONCURRENCY),
            "--loglevel", "INFO",
            "-n", "gmconsole@%h",
        ),
        BEAT: (
            *celery, "beat",
            "-S", "django_celery_beat.schedulers:DatabaseScheduler",
            "--loglevel", "INFO",
            "--pidfile", str(var_dir / "celerybeat.pid"),
            "--schedule", str(var_dir / "celerybeat-schedule"),
        ),
    }  # fmt: skip
    return [
        ProcessSpec(name=name, argv=argv, env=child_env, cwd=base_dir, log_path=logs / f"{name}.log")
        for name, argv in commands.items()
    ]


# --- Output ------------------------------------------------------------------


class Console:
    """One writer for our own messages and every child's prefixed lines (threads share it)."""

    def __init__(self, out: TextIO, *, colour: bool = False) -> None:
        self.out = out
        self.colour = colour
        self._lock = threading.Lock()

    def say(self, text: str = "") -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def child_line(self, spec: ProcessSpec, text: str) -> None:
        prefix = spec.prefix
        if self.colour:
            prefix = f"\033[{_COLOURS.get(spec.name, '0')}m{prefix}\033[0m"
        self.say(prefix + text)


class ManagedProcess:
    """A started child: its Popen, and a thread copying its output to the console and its log."""

    def __init__(self, spec: ProcessSpec, console: Console) -> None:
        self.spec = spec
        self.console = console
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.popen = subprocess.Popen(
            list(spec.argv),
            cwd=spec.cwd,
            env=dict(spec.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Own session and process group: a Ctrl-C in the terminal reaches only us,
            # and we signal each child once, in order, instead of all of them at once.
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._pump, name=f"stack-{spec.name}", daemon=True)
        self.reader.start()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        with open(self.spec.log_path, "a", encoding="utf-8", buffering=1) as log:
            for raw in iter(self.popen.stdout.readline, b""):
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tail.append(text)
                log.write(text + "\n")
                self.console.child_line(self.spec, text)
        self.popen.stdout.close()

    def last_lines(self, wait: float = 2.0) -> list[str]:
        """The last lines the child wrote, after giving the reader a moment to drain the pipe."""
        self.reader.join(timeout=wait)
        return list(self.tail)


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_processes(
    processes: Iterable[ManagedProcess],
    *,
    timeout: float = STOP_TIMEOUT_SECONDS,
    hurry: Callable[[], bool] = lambda: False,
) -> dict[str, int | None]:
    """SIGTERM every child, wait up to `timeout`, then SIGKILL whatever is left.

    Only each group leader gets SIGTERM (the Celery worker shuts its own pool down
    warmly); SIGKILL goes to the whole group so no pool process or grandchild
    outlives us. `hurry()` turning true (a second Ctrl-C) skips the rest of the wait.
    """
    processes = list(processes)
    for proc in processes:
        if proc.alive():
            try:
                proc.popen.send_signal(signal.SIGTERM)
            except ProcessLookupError:  # pragma: no cover - exited between poll and signal
                pass
    deadline = time.monotonic() + timeout
    while any(proc.alive() for proc in processes) and time.monotonic() < deadline and not hurry():
        time.sleep(0.05)
    for proc in processes:
        # Also after a clean exit of the leader: a grandchild left in the group is killed.
        _signal_group(proc.pid, signal.SIGKILL)
    for proc in processes:
        try:
            proc.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            pass
        proc.reader.join(timeout=2)
    return {proc.name: proc.returncode for proc in processes}


class Stack:
    """The running children and the stop flag that signal handlers set."""

    def __init__(
        self, specs: Iterable[ProcessSpec], console: Console, *, stop_timeout: float = STOP_TIMEOUT_SECONDS
    ):
        self.specs = list(specs)
        self.console = console
        self.stop_timeout = stop_timeout
        self.processes: list[ManagedProcess] = []
        self.stop_requested = threading.Event()
        self.signals_received = 0

    def start(self) -> None:
        for spec in self.specs:
            proc = ManagedProcess(spec, self.console)
            self.processes.append(proc)
            self.console.say(f"{spec.name} started (pid {proc.pid}), log {spec.log_path}")

    def request_stop(self, signum: int | None = None, frame: object = None) -> None:
        """Signal handler: the first signal stops gracefully, a second one stops hard."""
        self.signals_received += 1
        self.stop_requested.set()

    def first_dead(self) -> ManagedProcess | None:
        return next((proc for proc in self.processes if not proc.alive()), None)

    def by_name(self, name: str) -> ManagedProcess:
        return next(proc for proc in self.processes if proc.name == name)

    def watch(self, poll: float = 0.2) -> ManagedProcess | None:
        """Block until a stop is requested (None) or a child dies on its own (that child)."""
        while not self.stop_requested.wait(poll):
            dead = self.first_dead()
            if dead is not None:
                return dead
        return None

    def stop(self) -> dict[str, int | None]:
        return stop_processes(
            self.processes, timeout=self.stop_timeout, hurry=lambda: self.signals_received >= 2
        )


# --- Readiness probes --------------------------------------------------------


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def port_is_free(host: str, port: int) -> bool:
    """Whether runserver could bind host:port (it uses SO_REUSEADDR, so do we)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(
    host: str, port: int, *, timeout: float, give_up: Callable[[], bool] = lambda: False
) -> bool:
    """Poll until something accepts TCP connections on host:port; False on timeout or give_up()."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if give_up():
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def redis_error(url: str) -> str | None:
    """None when the Redis at `url` answers PING, else a short reason."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        return str(exc) or exc.__class__.__name__
    finally:
        client.close()
    return None


def redact_url(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def point_celery_at(url: str) -> None:
    """Make tasks dispatched from this process (e.g. during the world import) use `url`."""
    from django.conf import settings

    from gmconsole.celery import app

    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url


# --- One stack per var dir ---------------------------------------------------


class InstanceLock:
    """An flock on var/runstack.lock: two stacks on one var dir would run two beats."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


# --- GM login ----------------------------------------------------------------


@dataclass(frozen=True)
class GmLogin:
    username: str
    password: str | None  # None: the account exists but we do not know its password
    created: bool

    def describe(self) -> str:
        if self.password is not None:
            return f"GM login: {self.username} / {self.password}"
        return (
            f"GM login: {self.username} (password not stored by runstack; "
            f"set one with `python manage.py changepassword {self.username}`)"
        )


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed


def gm_login_ensure(*, username: str, password_file: Path) -> GmLogin:
    """Create the superuser `username` with a random password once; later runs reread it."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        _write_secret(password_file, password)
        return GmLogin(username=username, password=password, created=True)
    stored = password_file.read_text(encoding="utf-8").strip() if password_file.exists() else ""
    if stored and user.check_password(stored):
        return GmLogin(username=username, password=stored, created=False)
    return GmLogin(username=username, password=None, created=False)


def default_console() -> Console:
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return Console(sys.stdout, colour=colour)
