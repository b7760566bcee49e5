"""A throwaway PostgreSQL cluster on a free port, for the tests that run the core on PostgreSQL."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.process import free_port


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A new cluster run as the `postgres` user; yields the URL of its `postgres` database (user `hall`)."""
    binaries = _postgres_bin()
    assert binaries is not None, "PostgreSQL is not installed: `make test` installs it (Debian package postgresql)"
    # outside pytest's private temporary folder, which the postgres user cannot enter
    base = Path(tempfile.mkdtemp(prefix="onewindow-pg-"))
    data, sock_dir = base / "data", base / "sock"
    data.mkdir()
    sock_dir.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (base, data, sock_dir):
            os.chown(path, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*run_as, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "hall"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *run_as,
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "pg.log"),
            "-o",
            f"-p {port} -k {sock_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://hall@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)
