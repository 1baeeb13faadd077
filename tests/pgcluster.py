"""A throwaway PostgreSQL cluster for fault tests: made with initdb in a temporary directory,
served on its own port, and stopped, started, frozen (SIGSTOP) and thawed at will."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: Debian's versioned directory, else the PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Cluster:
    """One cluster; as root, its files and processes belong to the `postgres` user (initdb
    refuses to run as root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="qi-fault-pg-"))
        self.log = self.data_dir.parent / f"{self.data_dir.name}.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.data_dir, "postgres", "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir}"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def _postmaster(self) -> int:
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def _children(self, postmaster: int) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return children

    @staticmethod
    def _signal(pids: list[int], signum: signal.Signals) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # a backend that had just ended
                os.kill(pid, signum)

    def freeze(self) -> None:
        """Stop every process of the server: connections stay open, nothing answers. The
        postmaster first, so it starts no new backend meanwhile."""
        postmaster = self._postmaster()
        self._signal([postmaster], signal.SIGSTOP)
        self._signal(self._children(postmaster), signal.SIGSTOP)

    def thaw(self) -> None:
        postmaster = self._postmaster()
        self._signal(self._children(postmaster), signal.SIGCONT)
        self._signal([postmaster], signal.SIGCONT)

    def remove(self) -> None:
        try:
            self.thaw()
            self.stop("immediate")
        except (OSError, subprocess.CalledProcessError, ValueError):
            pass
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.log.unlink(missing_ok=True)
