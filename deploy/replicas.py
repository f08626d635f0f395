"""Serve Latent Lab as several Streamlit replicas behind nginx, on this machine, and stop them again.

    python -m deploy.replicas start --replicas 3     # nginx on 127.0.0.1:8080, replicas on 127.0.0.1:8601...
    python -m deploy.replicas status                 # each process, its health and resident memory
    python -m deploy.replicas stop                   # every process start launched, by its process id

Why replicas: one Streamlit process runs every session's script in its own interpreter (one GIL), so a room of
viewers shares one core's worth of Python; N processes behind a proxy share N. Each replica loads its own models
(st.cache_resource is per process): `status` shows what that costs. nginx (Debian's package) routes each browser
to the replica holding its session by a cookie it sets itself (deploy/nginx.conf says how), passes the WebSocket
on, leaves out a replica that stops answering, and shows deploy/unavailable.html while none answers.

Everything runs as the calling user, in a run directory (default: <tmp>/latent-lab-<uid>): the rendered
nginx.conf, the friendly page, logs, and state.json with each process's id and start time, so that `stop`, from
another shell, ends exactly those processes (each in its own process group) and nothing else. Every wait is
bounded.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
TEMPLATE, FRIENDLY_PAGE = HERE / "nginx.conf", HERE / "unavailable.html"
COOKIE = "latent_lab_replica"
HEALTH = "/_stcore/health"
DEFAULT_PORT, DEFAULT_FIRST_REPLICA_PORT = 8080, 8601
STOP_WAIT_S = 10.0  # after SIGTERM, before SIGKILL


class DeployError(RuntimeError):
    """What went wrong, in a sentence for the command line (no traceback)."""


def default_run_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"latent-lab-{os.getuid()}"


def nginx_binary() -> str | None:
    """Debian's nginx (apt-get install nginx), found on PATH or in /usr/sbin (not on a normal user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def streamlit_command(port: int) -> list[str]:
    """One replica: the app headless on 127.0.0.1:<port>, no usage statistics, no file watcher."""
    return [sys.executable, "-m", "streamlit", "run", "dashboard/Home.py", "--server.address=127.0.0.1",
            f"--server.port={port}", "--server.headless=true", "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none", "--server.runOnSave=false"]


def max_upload_mb() -> int:
    """Streamlit's server.maxUploadSize as this project configures it (.streamlit/config.toml)."""
    text = (ROOT / ".streamlit" / "config.toml").read_text()
    found = re.search(r"^maxUploadSize\s*=\s*(\d+)", text, re.M)
    return int(found.group(1)) if found else 200  # Streamlit's own default


def render_config(run_dir: Path, address: str, port: int, replica_ports: list[int]) -> str:
    """deploy/nginx.conf with this run's directory, listening address and replicas filled in."""
    server = "        server 127.0.0.1:{} max_fails=1 fail_timeout=5s{};"
    groups = "".join(
        f"    upstream replica_{p} {{\n" + server.format(p, "") + "\n"
        + "\n".join(server.format(q, " backup") for q in replica_ports if q != p) + "\n    }\n"
        for p in replica_ports)
    fields = {"run_dir": str(run_dir), "address": address, "port": str(port), "replicas": str(len(replica_ports)),
              "cookie": COOKIE, "max_body_mb": str(max_upload_mb() + 1),
              "servers": "\n".join(server.format(p, "") for p in replica_ports),
              "group_map": "\n".join(f'        "127.0.0.1:{p}" replica_{p};' for p in replica_ports),
              "groups": groups.rstrip("\n")}
    text = re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], TEMPLATE.read_text())
    return text


def check_config(conf: Path, run_dir: Path) -> None:
    """`nginx -t` on a rendered configuration; DeployError with nginx's words when it refuses it."""
    binary = nginx_binary()
    if binary is None:
        raise DeployError("nginx is not installed: sudo apt-get install -y nginx")
    done = subprocess.run([binary, "-t", "-p", str(run_dir), "-e", str(run_dir / "nginx-error.log"),
                           "-c", str(conf)], capture_output=True, text=True, timeout=30)
    if done.returncode:
        raise DeployError(f"nginx refuses {conf}:\n{done.stderr.strip()}")


def start_time(pid: int) -> int | None:
    """The process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with its id, it names one
    process for good (an id alone may be reused after it exits). None when no such process is running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[19])


def rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
        if found:
            return int(found.group(1)) / 1024
    return 0.0


def healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


class Deployment:
    """nginx and N replicas on loopback ports, their process ids kept in <run dir>/state.json.

    `replica_command(port)` builds a replica's command line (default streamlit_command; the benchmarks start
    the same app through a launcher that logs turnaround). Use start()/stop(), or `with Deployment(...) as d:`.
    """

    def __init__(self, run_dir: Path | None = None, replicas: int = 3, port: int = DEFAULT_PORT,
                 first_replica_port: int = DEFAULT_FIRST_REPLICA_PORT, address: str = "127.0.0.1",
                 timeout: float = 180.0, replica_command=streamlit_command, replica_ports: list[int] | None = None):
        self.run_dir = Path(run_dir or default_run_dir()).resolve()
        self.address, self.port, self.timeout = address, port, timeout
        self.ports = replica_ports or [first_replica_port + i for i in range(replicas)]
        self.replica_command = replica_command
        self.state_file = self.run_dir / "state.json"
        self.processes: dict[str, dict] = {}   # name ("nginx", "replica-8601") -> {"pid", "start", "port"}
        self._children: dict[int, subprocess.Popen] = {}  # those started by this Python process, to reap
        self._secret = secrets.token_hex(32)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in ("0.0.0.0", "127.0.0.1") else self.address
        return f"http://{host}:{self.port}"

    # ------------------------------------------------------------ starting
    def start(self) -> "Deployment":
        """Render and check the configuration, start the replicas, wait until each answers its health check,
        then start nginx and wait until it answers too. On any failure, stop what was started and raise."""
        if self.load_state() and self.running():
            raise DeployError(f"already running from {self.run_dir} (python -m deploy.replicas stop first)")
        if nginx_binary() is None:
            raise DeployError("nginx is not installed: sudo apt-get install -y nginx")
        (self.run_dir / "tmp").mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o755)  # nginx's workers (user nobody when started by root) read the friendly page
        conf = self.run_dir / "nginx.conf"
        conf.write_text(render_config(self.run_dir, self.address, self.port, self.ports))
        shutil.copyfile(FRIENDLY_PAGE, self.run_dir / FRIENDLY_PAGE.name)
        check_config(conf, self.run_dir)
        self.processes = {}
        try:
            for port in self.ports:
                self.start_replica(port, wait=False)
            self.save_state()
            for port in self.ports:
                self.wait_healthy(f"replica-{port}", f"http://127.0.0.1:{port}")
            self._spawn("nginx", [nginx_binary(), "-p", str(self.run_dir), "-e", str(self.run_dir / "nginx-error.log"),
                                  "-c", str(conf)], self.run_dir / "nginx-console.log", {})
            self.save_state()
            self.wait_healthy("nginx", self.url)
        except BaseException:
            self.stop()
            raise
        return self

    def start_replica(self, port: int, wait: bool = True) -> None:
        """Start (or start again) the replica on `port`; with `wait`, until it answers its health check."""
        env = {"TF_CPP_MIN_LOG_LEVEL": "2", "LATENT_LAB_WARMUP": "1",
               # One cookie secret for all replicas, as Streamlit asks of replicated deployments.
               "STREAMLIT_SERVER_COOKIE_SECRET": self._secret}
        self._spawn(f"replica-{port}", self.replica_command(port), self.run_dir / f"replica-{port}.log", env, port)
        self.save_state()
        if wait:
            self.wait_healthy(f"replica-{port}", f"http://127.0.0.1:{port}")

    def _spawn(self, name: str, command: list[str], log: Path, env: dict, port: int | None = None) -> None:
        with open(log, "ab") as out:
            proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._children[proc.pid] = proc
        self.processes[name] = {"pid": proc.pid, "start": start_time(proc.pid), "port": port, "log": str(log)}

    def wait_healthy(self, name: str, url: str) -> float:
        """Seconds until `url` answers Streamlit's health check (through nginx: a replica's answer); DeployError
        with the log's tail when the process exits or the time runs out."""
        started = time.monotonic()
        while time.monotonic() - started < self.timeout:
            if not self.alive(name):
                raise DeployError(f"{name} exited while starting:\n{self.log_tail(name)}")
            if healthy(url):
                return time.monotonic() - started
            time.sleep(0.1)
        raise DeployError(f"{name} did not answer on {url} within {self.timeout:.0f} s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, chars: int = 2000) -> str:
        with contextlib.suppress(OSError, KeyError):
            return Path(self.processes[name]["log"]).read_text(errors="replace")[-chars:]
        return ""

    # ------------------------------------------------------------ state
    def save_state(self) -> None:
        self.state_file.write_text(json.dumps({"address": self.address, "port": self.port, "ports": self.ports,
                                               "processes": self.processes}, indent=1))

    def load_state(self) -> bool:
        """Take the processes (and ports) of a run started from this run directory, maybe by another shell."""
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return False
        self.address, self.port, self.ports = state["address"], state["port"], state["ports"]
        self.processes = state["processes"]
        return True

    def alive(self, name: str) -> bool:
        """Whether the process started as `name` still runs (same id and start time: not a reused id)."""
        info = self.processes.get(name)
        if not info:
            return False
        proc = self._children.get(info["pid"])
        if proc is not None and proc.poll() is not None:
            return False
        return start_time(info["pid"]) == info["start"]

    def running(self) -> list[str]:
        return [name for name in self.processes if self.alive(name)]

    def replica_serving(self, cookie_value: str) -> int | None:
        """The port of the replica a browser's affinity cookie names ("127.0.0.1:<port>")."""
        found = re.fullmatch(r"127\.0\.0\.1:(\d+)", cookie_value or "")
        return int(found.group(1)) if found and int(found.group(1)) in self.ports else None

    def status(self) -> list[dict]:
        rows = []
        for name, info in self.processes.items():
            up = self.alive(name)
            url = f"http://127.0.0.1:{info['port']}" if info.get("port") else self.url
            rows.append({"process": name, "pid": info["pid"], "running": "yes" if up else "no",
                         "healthy": "yes" if up and healthy(url) else "no",
                         "rss_mb": round(rss_mb(info["pid"]), 1) if up else None})
        return rows

    def rss_mb(self) -> float:
        """Resident memory of every running replica together (MB)."""
        return sum(rss_mb(self.processes[n]["pid"]) for n in self.running() if n.startswith("replica-"))

    def pids(self) -> list[int]:
        return [self.processes[name]["pid"] for name in self.running()]

    # ------------------------------------------------------------ stopping
    def kill_replica(self, port: int, sig: int = signal.SIGKILL) -> None:
        """Stop one replica at once, as a crash would (SIGKILL to its process group)."""
        self._end(f"replica-{port}", sig)

    def stop(self) -> list[str]:
        """nginx first (no new requests reach a stopping replica), then every replica: SIGTERM to each process
        group, SIGKILL to any left after STOP_WAIT_S. Returns the names of the processes it stopped."""
        stopped = [name for name in sorted(self.processes, key=lambda n: n != "nginx") if self._end(name)]
        self.processes = {}
        with contextlib.suppress(OSError):
            self.state_file.unlink()
        return stopped

    def _end(self, name: str, sig: int = signal.SIGTERM) -> bool:
        if not self.alive(name):
            self._reap(self.processes.get(name, {}).get("pid"))
            return False
        pid = self.processes[name]["pid"]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # its own process group (start_new_session): nginx's workers, TensorFlow's helpers
        if not self._wait_gone(pid, STOP_WAIT_S) and sig != signal.SIGKILL:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            self._wait_gone(pid, STOP_WAIT_S)
        return True

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._reap(pid)
            if start_time(pid) is None and not _group_alive(pid):
                return True
            time.sleep(0.05)
        return False

    def _reap(self, pid: int | None) -> None:
        proc = self._children.get(pid)
        if proc is not None:
            proc.poll()

    def __enter__(self) -> "Deployment":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group remains (a worker outliving its master)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def print_rows(rows: list[dict]) -> None:
    if not rows:
        print("nothing running")
        return
    widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in rows[0]}
    print("  ".join(k.ljust(w) for k, w in widths.items()))
    for row in rows:
        print("  ".join(str(row[k]).ljust(w) for k, w in widths.items()))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m deploy.replicas", description=__doc__.split("\n")[0])
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--replicas", type=int, default=3, help="Streamlit processes (default 3)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"nginx's port (default {DEFAULT_PORT})")
    p.add_argument("--first-replica-port", type=int, default=DEFAULT_FIRST_REPLICA_PORT,
                   help=f"replicas on this port and the next ones, always on 127.0.0.1 "
                        f"(default {DEFAULT_FIRST_REPLICA_PORT})")
    p.add_argument("--address", default="127.0.0.1",
                   help="where nginx listens (default 127.0.0.1, this machine only; 0.0.0.0: the network)")
    p.add_argument("--run-dir", type=Path, default=None, help=f"default {default_run_dir()}")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds each process may take to answer")
    a = p.parse_args(argv)
    if a.replicas < 1:
        p.error("--replicas takes 1 or more")
    deployment = Deployment(a.run_dir, a.replicas, a.port, a.first_replica_port, a.address, a.timeout)
    try:
        if a.action == "start":
            deployment.start()
            print(f"Latent Lab: {len(deployment.ports)} replicas behind nginx at {deployment.url} "
                  f"(run directory {deployment.run_dir})")
            print_rows(deployment.status())
            print("Each replica loads its models on its first visit: `status` then shows its memory. "
                  "Stop: python -m deploy.replicas stop" + (f" --run-dir {a.run_dir}" if a.run_dir else ""))
        elif a.action == "stop":
            deployment.load_state()
            stopped = deployment.stop()
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
        else:
            deployment.load_state()
            print_rows(deployment.status())
    except DeployError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
