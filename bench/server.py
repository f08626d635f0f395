"""Start and stop `streamlit run dashboard/Home.py` on a free loopback port, and drive it from headless Chromium.

Shared by tests/test_browser.py and the browser benchmarks (bench.load, bench.cold_start):

    with StreamlitServer() as server:            # 127.0.0.1:<free port>, headless, no usage statistics
        with chromium() as browser:              # Debian's /usr/bin/chromium through Playwright
            page = browser.new_page(viewport=VIEWPORT)
            track_runs(page)                     # follow script runs on Streamlit's WebSocket
            page.goto(server.url)
            wait_for_run(page)                   # run finished, nothing loading, pictures drawn
            since = runs_finished(page)
            ...                                  # click, type, press a key
            wait_for_run(page, since)            # the run that caused has finished and is on screen

`browser_unavailable()` says why Chromium cannot be driven here (None when it can),
so callers skip with a reason instead of failing (a bench exits with it: `exit_without_browser`). Nothing here downloads a browser.
The page-side helpers rely on Streamlit 1.67's DOM test ids and protobuf field numbers; their JavaScript is in
run_tracker.js, vega_view.js, chart_dot.js and chart_images.js beside this file.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "dashboard" / "Home.py"
PAGES_DIR = HOME.parent / "pages"
SCREENSHOTS = ROOT / "screenshots"

CHROMIUM_ENV = "LATENT_LAB_CHROMIUM"  # overrides the browser binary
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 1000}

# Streamlit's DOM, as of 1.67 (data-testid attributes are its test hooks).
MAIN = '[data-testid="stMain"]'
EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'
# The console error of a session Streamlit's client has given up on (it then shows "Connection error").
LOST_SESSION = re.compile(r"Websocket connection encountered fatal error|Failed to process a Websocket message")
SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
EXPAND_SIDEBAR = '[data-testid="stExpandSidebarButton"]'  # drawn only while the sidebar is collapsed


@dataclass(frozen=True)
class Address:
    """Where a browser session goes (its `url`), standing for a server the caller did not start: one replica."""
    url: str


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the server

class ServerFailed(RuntimeError):
    pass


class StreamlitServer:
    """One `streamlit run dashboard/Home.py` child process on 127.0.0.1:<free port>, in its own process group.

    Headless, no usage statistics, no file watcher (nothing reloads mid-test), XSRF protection
    as .streamlit/config.toml sets it. `extra_env` adds environment variables; output goes to a log
    file whose tail is shown if the server fails to come up.
    """

    def __init__(self, port: int | None = None, extra_env: dict | None = None, timeout: float = 60.0,
                 turnaround_log: str | Path | None = None, script: Path = HOME, options: tuple[str, ...] = ()):
        self.script = script
        self.options = options  # more `--section.option=value` flags for `streamlit run`
        self.turnaround_log = str(turnaround_log) if turnaround_log else None
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None
        self._log = None

    def command(self) -> list[str]:
        # With a turnaround log, the same `streamlit run`, started through record_turnaround() (benchmarks only).
        launcher = (["-c", f"import sys; from bench.server import record_turnaround; "
                           f"record_turnaround({self.turnaround_log!r}); from streamlit.web.cli import main; "
                           f"sys.argv[0] = 'streamlit'; main()"]
                    if self.turnaround_log else ["-m", "streamlit"])
        return [sys.executable, *launcher, "run", str(self.script.relative_to(ROOT)),
                "--server.address=127.0.0.1", f"--server.port={self.port}", "--server.headless=true",
                "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", "--server.runOnSave=false",
                *self.options]

    def start(self, wait: bool = True) -> "StreamlitServer":
        # The background warm-up on, as a user's server has it, even when started from a test process (which turns
        # it off for its own AppTests); extra_env can still turn it off.
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "LATENT_LAB_WARMUP": "1", **self.extra_env}
        self._log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self) -> float:
        """Block until /_stcore/health answers ok; returns seconds since start()."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerFailed(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started_at
            except OSError:
                pass
            time.sleep(0.05)
        raise ServerFailed(f"streamlit did not answer on {self.url} within {self.timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """SIGTERM to the server's own process group (only what start() launched), SIGKILL if it lingers."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()
        with contextlib.suppress(OSError):
            os.unlink(self._log.name)
        self.proc = None

    def rss_bytes(self) -> int:
        """Resident memory of the server and all its descendants, from /proc."""
        return tree_rss_bytes(self.proc.pid) if self.proc else 0

    def cpu_seconds(self) -> float:
        """CPU time the server and all its descendants have used so far, from /proc."""
        return tree_cpu_seconds(self.proc.pid) if self.proc else 0.0

    def __enter__(self) -> "StreamlitServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def record_turnaround(path: str) -> None:
    """Inside the server process: log each session's rerun turnaround to `path`, one line per finished run.

    "<session id> <request received> <run finished>" (time.time() seconds): from the rerun request
    reaching the session to its "run finished" message being queued for the browser, so the figure
    holds the server's work and waiting only, no network and no browser. Patches two AppSession
    methods of Streamlit 1.67; used by the benchmarks, never by the app.
    """
    import threading

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.app_session import AppSession

    log, lock, received = open(path, "a", buffering=1), threading.Lock(), {}
    handle_backmsg, enqueue = AppSession.handle_backmsg, AppSession._enqueue_forward_msg

    def timed_handle_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            received[self.id] = time.time()
        return handle_backmsg(self, msg)

    def timed_enqueue(self, msg):
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            start = received.pop(self.id, None)
            if start is not None:
                with lock:
                    log.write(f"{self.id} {start:.4f} {time.time():.4f}\n")
        return enqueue(self, msg)

    AppSession.handle_backmsg, AppSession._enqueue_forward_msg = timed_handle_backmsg, timed_enqueue


def read_turnarounds(path: str | Path) -> dict[str, list[tuple[float, float]]]:
    """record_turnaround's log: session id -> [(received, finished)] in time.time() seconds."""
    runs: dict[str, list[tuple[float, float]]] = {}
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            session, start, end = line.split()
            runs.setdefault(session, []).append((float(start), float(end)))
    return runs


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid`, from /proc."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4, after the parenthesised name
                kids.append(int(entry))
    return kids


def idle_tree(pid: int) -> int:
    """Put every thread of `pid` and its descendants under Linux's SCHED_IDLE policy (they run only on cores nothing
    else wants; processes they start later inherit it), and return how many threads were set. Used to put the
    measuring browsers below the server they measure. Not nice levels: Chromium sets its threads' own nice values
    (display threads to -8, renderers to 0) whatever it inherited, but keeps the policy."""
    done, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{p}/task"):
                with contextlib.suppress(OSError):
                    os.sched_setscheduler(int(tid), os.SCHED_IDLE, os.sched_param(0))
                    done += 1
            todo += children(p)
    return done


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and every live descendant, from /proc."""
    total, todo, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15)
            todo += children(p)
    return total


def tree_rss_bytes(pid: int) -> int:
    """VmRSS of `pid` plus every descendant (0 for processes that are gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text(), re.M)
            total += int(match.group(1)) * 1024 if match else 0
            todo += children(p)
    return total


# ---------------------------------------------------------------- pages

@dataclass(frozen=True)
class Page:
    file: str        # relative to dashboard/, as st.switch_page and AppTest want
    title: str       # "Decoded grid"
    url_path: str    # "Decoded_grid"; "" for Home
    slug: str        # "decoded_grid": the screenshot's name

    def url(self, server: StreamlitServer, **query: str) -> str:
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{server.url}/{self.url_path}" + (f"?{q}" if q else "")


def discover_pages() -> list[Page]:
    """Home, then every dashboard/pages/*.py in Streamlit's order, named the way Streamlit names them."""
    pages = [Page("Home.py", "Home", "", "home")]
    for path in sorted(PAGES_DIR.glob("*.py"), key=_page_order):
        stem = re.sub(r"^\d+[_ -]*", "", path.stem)  # "2_Decoded_grid" -> "Decoded_grid"
        pages.append(Page(f"pages/{path.name}", stem.replace("_", " "), stem, stem.lower()))
    return pages


def _page_order(path: Path):
    number = re.match(r"^(\d+)", path.stem)
    return (int(number.group(1)) if number else float("inf"), path.stem)


# ---------------------------------------------------------------- the browser

def chromium_path() -> str | None:
    if os.environ.get(CHROMIUM_ENV):
        return os.environ[CHROMIUM_ENV]
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


def browser_unavailable() -> str | None:
    """Why headless Chromium cannot be driven here, or None when it can (launched once to be sure)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        return f"the playwright package is not installed ({e}); pip install -r requirements.txt"
    path = chromium_path()
    if path is None:
        return ("no Chromium found (tried $%s, %s); install Debian's `chromium chromium-driver`"
                % (CHROMIUM_ENV, ", ".join(CHROMIUM_CANDIDATES)))
    try:
        with sync_playwright() as p:
            p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=30_000).close()
    except Exception as e:  # noqa: BLE001 - any launch failure means "cannot test in a browser here"
        return f"Chromium at {path} cannot be launched headless: {type(e).__name__}: {str(e).splitlines()[0]}"
    return None


def exit_without_browser(bench: str) -> None:
    """A browser benchmark's first step: exit at once, saying why, when Chromium cannot be driven here, rather
    than fail part way through a run of minutes."""
    reason = browser_unavailable()
    if reason:
        sys.exit(f"cannot run the {bench} benchmark: {reason}")


LOOPBACK = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]")


@contextlib.contextmanager
def bench_browser(bench: str, timeout_s: float):
    """A browser bench's server and headless Chromium, (server, browser); exits at once, saying why, where Chromium
    cannot be driven."""
    exit_without_browser(bench)
    from playwright.sync_api import sync_playwright
    with StreamlitServer(timeout=timeout_s) as server, sync_playwright() as pw, chromium(pw) as browser:
        yield server, browser


@contextlib.contextmanager
def loopback_tab(browser, timeout_ms: float):
    """A tab in a context of its own (one session) that follows script runs (track_runs) and blocks every request
    leaving 127.0.0.1: (page, problems), the blocked requests listed in problems."""
    context = browser.new_context(viewport=VIEWPORT)
    track_runs(context)
    problems: list[str] = []
    context.route(lambda url: not LOOPBACK.match(url),
                  lambda route: (problems.append(f"request leaving 127.0.0.1 (blocked): {route.request.url}"),
                                 route.abort()))
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    try:
        yield page, problems
    finally:
        context.close()


@contextlib.contextmanager
def chromium(playwright=None):
    """A headless Chromium browser (Debian's binary; never a downloaded one)."""
    from playwright.sync_api import sync_playwright
    with contextlib.ExitStack() as stack:
        p = playwright or stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        yield browser


# Installed in every document before Streamlit's own scripts (track_runs). Streamlit's WebSocket carries one
# ForwardMsg (protobuf) per frame; reading each frame's top-level field numbers is enough to follow script
# runs: field 6 = script_finished (a ScriptFinishedStatus; 2 = "stopped early for a rerun"), field 9 =
# session_status_changed (its field 2 = script_is_running). window.__ll then offers:
#   finished            runs finished so far in this document
#   settled(since)      a run finished after `since`, none is running, and nothing on screen is still loading
#                       (status widget, spinner, skeleton, stale element, unloaded <img>, undrawn chart)
#   pictures()          a signature of every picture in the main area (<img> sources, SVG <image> hrefs)
#   shown()             pictures() and the main area's title (its first h1): also tells apart a tour's steps,
#                       whose first two draw only on canvases
#   sessionId           the Streamlit session this tab is (from new_session), for record_turnaround's log
#   arm(), inputAt, done  after arm(), performance.now() of the next user input (keydown, pointerdown, change)
#                       and of the moment changed() first came true: a latency measured inside the page
#   changed(since, before, what), until(since, before, timeoutMs, what)  compare `before` with pictures(), or
#                       with shown() when `what` is 'shown'; 'settled': a run after `since` on screen is enough
#   received, receivedAtArm  bytes of WebSocket messages so far, and at the last arm(): what a move cost the wire
#   lost()              the page shows Streamlit's "Connection error" dialog: its session is gone until a reload
#   finishedAtInput     runs finished at the latest key press or pointer press: a burst of keys waits for a run
#                       after its last key
RUN_TRACKER = Path(__file__).with_name("run_tracker.js").read_text()


def track_runs(context_or_page) -> None:
    """Install RUN_TRACKER in every document a browser context (or page) opens; call before page.goto."""
    context_or_page.add_init_script(RUN_TRACKER)


# Page-side expressions over window.__ll, for sync and async Playwright alike (page.evaluate / wait_for_function).
RUNS_FINISHED_JS = "() => window.__ll ? window.__ll.finished : 0"
PICTURES_JS = "() => window.__ll.pictures()"
SETTLED_JS = "since => !!window.__ll && window.__ll.settled(since)"
CHANGED_JS = "([since, before]) => !!window.__ll && window.__ll.changed(since, before)"


VEGA_CHART = '[data-testid="stVegaLiteChart"]'
# vegaView(): the Vega view of the main area's Vega-Lite chart. Streamlit keeps it inside React, so it is
# found through React's own bookkeeping (the __reactFiber property of the chart's DOM nodes).
_VEGA_VIEW = Path(__file__).with_name("vega_view.js").read_text()
# Where dot `i` (mod their number) of that chart is on screen, its datum's `index`, how many dots there are and
# whether it is inside the window. The dots are the largest symbol mark whose data carry an `index`.
CHART_DOT_JS = "(i) => {" + _VEGA_VIEW + Path(__file__).with_name("chart_dot.js").read_text()
# How many pictures the chart has drawn (image marks whose picture has loaded), and their size on screen.
CHART_IMAGES_JS = "() => {" + _VEGA_VIEW + Path(__file__).with_name("chart_images.js").read_text()


def runs_finished(page) -> int:
    """How many script runs have finished in this document: take it before an action, pass it to the waits."""
    return page.evaluate(RUNS_FINISHED_JS)


def pictures(page) -> str:
    return page.evaluate(PICTURES_JS)


def wait_for_run(page, since: int = 0, timeout_ms: float = 60_000) -> None:
    """Wait until a script run that finished after `since` is on screen, all its pictures loaded and drawn.

    Needs track_runs() on the page or its context before the page was loaded.
    """
    page.wait_for_function(SETTLED_JS, arg=since, polling=20, timeout=timeout_ms)


def wait_for_new_pictures(page, since: int, before: str, timeout_ms: float = 60_000) -> None:
    """wait_for_run, and also until the pictures differ from `before` (pictures() taken before the action)."""
    page.wait_for_function(CHANGED_JS, arg=[since, before], polling=10, timeout=timeout_ms)


SIDEBAR_FOLDED_JS = "() => document.querySelector('section[data-testid=\"stSidebar\"]').dataset.collapsed"


def open_sidebar(page) -> bool:
    """Open the sidebar when it is folded (the app folds it once in a window under 1024 px), as a user would;
    True when it was folded."""
    if page.locator('section[data-testid="stSidebar"]').get_attribute("data-collapsed") != "true":
        return False
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.wait_for_function(f"{SIDEBAR_FOLDED_JS} === 'false'")
    return True


def fold_sidebar(page) -> None:
    """Fold the sidebar again, as a reader in a narrow window does once the page is chosen."""
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    page.wait_for_function(f"{SIDEBAR_FOLDED_JS} === 'true'")
    page.wait_for_timeout(500)  # the main area widens as the sidebar slides away


def page_problems(page) -> list[str]:
    """Exception elements and error alerts on the page, as text."""
    problems = [f"exception: {t.strip()[:800]}" for t in page.locator(EXCEPTION).all_inner_texts()]
    problems += [f"error alert: {t.strip()[:400]}" for t in page.locator(ERROR_ALERT).all_inner_texts()]
    return problems
