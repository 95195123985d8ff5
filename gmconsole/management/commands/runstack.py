"""`make run`: migrate, import the demo world once, then run web + worker + beat until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from gmconsole import stack
from gmconsole.embedded_redis import EmbeddedRedis, start_embedded_redis

WORLD_FILE = Path(settings.BASE_DIR) / "data" / "worlds" / "mones.azgaar.json"
WEB_READY_TIMEOUT_SECONDS = 60.0
COMMAND_MISSING = "WARNING: the `{name}` command does not exist yet, so it was skipped."
WEB_NOT_READY = "web did not answer on {url} within {seconds:.0f}s."
CHILD_DIED = "{name} exited on its own (code {code}); see {log}"


# Ctrl-C, `kill`, and a closed terminal all stop the stack the same way.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum, frame):
    """Before the children run, every stop signal behaves like Ctrl-C so cleanup still happens."""
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Run the whole console locally: migrate, import the demo items and world on first run, "
        "create the GM login, start Redis if REDIS_URL is unset, then run web, a Celery worker "
        "and Celery beat with prefixed output until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address the web server binds (default 127.0.0.1)."
        )
        parser.add_argument("--port", type=int, default=8000, help="Web server port (default 8000).")
        parser.add_argument("--gm-user", default="gm", help="Username of the GM superuser (default gm).")
        parser.add_argument(
            "--skip-import",
            action="store_true",
            help="Do not import the demo items and world (schedules are still set up).",
        )

    def handle(self, *args, host: str, port: int, gm_user: str, skip_import: bool, **options):
        started = time.monotonic()
        console = stack.default_console()
        var_dir = Path(settings.VAR_DIR)
        lock = stack.InstanceLock(var_dir / "runstack.lock")
        if not lock.acquire():
            raise CommandError(stack.ALREADY_RUNNING.format(var_dir=var_dir, lock=lock.path))
        previous_handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
        for sig in STOP_SIGNALS:
            signal.signal(sig, _interrupt)
        embedded: EmbeddedRedis | None = None
        try:
            if not stack.port_is_free(host, port):
                raise CommandError(stack.PORT_IN_USE.format(host=host, port=port))
            redis_url, embedded = self._broker(console, var_dir)
            stack.point_celery_at(redis_url)
            self._prepare(console, skip_import=skip_import)
            login = stack.gm_login_ensure(username=gm_user, password_file=var_dir / stack.GM_PASSWORD_FILE)
            specs = stack.process_specs(
                python=sys.executable,
                base_dir=Path(settings.BASE_DIR),
                var_dir=var_dir,
                host=host,
                port=port,
                redis_url=redis_url,
                env=os.environ,
            )
            running = stack.Stack(specs, console)
            for sig in previous_handlers:
                signal.signal(sig, running.request_stop)
            running.start()
            try:
                failure = self._serve(console, running, host=host, port=port, login=login, started=started)
            finally:
                console.say("Stopping web, worker and beat ...")
                running.stop()
            if failure:
                raise CommandError(failure)
            console.say("Stopped cleanly.")
        except KeyboardInterrupt:
            console.say("Interrupted before the stack was up.")
            raise SystemExit(130) from None
        finally:
            if embedded is not None:
                Path(settings.EMBEDDED_REDIS_URL_FILE).unlink(missing_ok=True)
                embedded.stop()
            for sig, handler in previous_handlers.items():
                signal.signal(sig, handler)
            lock.release()

    def _broker(self, console: stack.Console, var_dir: Path) -> tuple[str, EmbeddedRedis | None]:
        url = os.environ.get("REDIS_URL")
        if url:
            error = stack.redis_error(url)
            if error:
                raise CommandError(stack.REDIS_UNREACHABLE.format(url=stack.redact_url(url), error=error))
            console.say(f"Redis: {stack.redact_url(url)} (from REDIS_URL)")
            return url, None
        try:
            embedded = start_embedded_redis(var_dir / "redis")
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        console.say(f"Redis: embedded at {embedded.url} (pid {embedded.process.pid})")
        # Other manage.py commands (simulate, shell) find this Redis through the file while we run.
        Path(settings.EMBEDDED_REDIS_URL_FILE).write_text(embedded.url + "\n")
        return embedded.url, embedded

    def _prepare(self, console: stack.Console, *, skip_import: bool) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        if not skip_import:
            from economy.models import Item
            from world.models import World

            # Items first: markets are stocked while the world is imported.
            if not Item.objects.exists():
                self._call_if_present(console, "import_items")
            if not World.objects.exists():
                self._call_if_present(console, "import_world", str(WORLD_FILE))
                self._call_if_present(console, "demo_events")
        self._call_if_present(console, "setup_schedules")

    def _call_if_present(self, console: stack.Console, name: str, *args: str) -> None:
        """Run a setup command; only a command that does not exist yet is skipped, errors propagate."""
        if name not in get_commands():
            console.say(self.style.WARNING(COMMAND_MISSING.format(name=name)))
            return
        began = time.monotonic()
        console.say(f"Running {name} {' '.join(args)}".rstrip() + " ...")
        call_command(name, *args)
        console.say(f"{name} done in {time.monotonic() - began:.1f}s")

    def _serve(
        self,
        console: stack.Console,
        running: stack.Stack,
        *,
        host: str,
        port: int,
        login: stack.GmLogin,
        started: float,
    ) -> str | None:
        """Wait for the web port, show the banner, then watch; returns a failure message or None."""
        url = stack.web_url(host, port)
        up = stack.wait_for_port(
            stack.display_host(host),
            port,
            timeout=WEB_READY_TIMEOUT_SECONDS,
            give_up=lambda: running.stop_requested.is_set() or running.first_dead() is not None,
        )
        if running.stop_requested.is_set():
            return None
        dead = running.first_dead()
        if dead is None and not up:
            return WEB_NOT_READY.format(url=url, seconds=WEB_READY_TIMEOUT_SECONDS)
        if dead is None:
            self._banner(console, url=url, login=login, seconds=time.monotonic() - started)
            dead = running.watch()
        if dead is None:
            return None
        console.say(
            self.style.ERROR(f"{dead.name} exited on its own (code {dead.returncode}); its last lines:")
        )
        for line in dead.last_lines():
            console.say(f"    {line}")
        return CHILD_DIED.format(name=dead.name, code=dead.returncode, log=dead.spec.log_path)

    def _banner(self, console: stack.Console, *, url: str, login: stack.GmLogin, seconds: float) -> None:
        rule = "=" * 72
        lines = [
            rule,
            f"  gmconsole is running: {url}   (up in {seconds:.1f}s)",
            f"  {login.describe()}",
        ]
        if login.created:
            lines.append(f"  (password saved in {Path(settings.VAR_DIR) / stack.GM_PASSWORD_FILE})")
        lines += [f"  Logs in {Path(settings.VAR_DIR) / 'logs'}.  Ctrl-C stops everything.", rule]
        console.say(self.style.SUCCESS("\n".join(lines)))
