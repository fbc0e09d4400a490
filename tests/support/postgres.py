"""A throwaway PostgreSQL cluster (Debian's `postgresql` package: initdb + pg_ctl) on a free loopback port, and a
fresh database per test on it. As root the server runs as the `postgres` user (PostgreSQL refuses root)."""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.ports import free_port


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


class PostgresServer:
    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        self.admin_url = f"postgresql+psycopg://coach@127.0.0.1:{self.port}/postgres"
        self._as = []

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        bindir = _bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.root / "data"
        self._run(str(bindir / "initdb"), "-D", str(data), "-U", "coach", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self._run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(self.root / "log"), "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c full_page_writes=off -c max_connections=200", "start")
        self._bindir = bindir
        return self

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return f"postgresql+psycopg://coach@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, AttributeError):
            self._run(str(self._bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
