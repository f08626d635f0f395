"""Start and stop `streamlit run dashboard/Home.py` on a free loopback port, and drive it from headless Chromium.

Shared by tests/test_browser.py and the browser benchmarks (bench.load, bench.cold_start):

    with StreamlitServer() as server:            # 127.0.0.1:<free port>, headless, no usage statistics
        with chromium() as browser:              # Debian's /usr/bin/chromium through Playwright
            page = browser.new_page()
            page.goto(server.url)
            wait_for_run(page)                   # status widget gone, main element rendered

`browser_unavailable()` says why Chromium cannot be driven here (None when it can),
so callers skip with a reason instead of failing. Nothing here downloads a browser.
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
                 "--disable-sync", "--disable-dev-shm-usage",
                 # Plotly's WebGL scatter (Scattergl) needs a software WebGL context without a GPU.
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
VIEWPORT = {"width": 1400, "height": 1000}

# Streamlit's DOM, as of 1.67 (data-testid attributes are its documented test hooks).
STATUS = '[data-testid="stStatusWidget"]'
MAIN = '[data-testid="stMain"]'
SPINNER = '[data-testid="stSpinner"]'
SKELETON = '[data-testid="stSkeleton"]'
EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'
STALE = '[data-stale="true"]'


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

    def __init__(self, port: int | None = None, extra_env: dict | None = None, timeout: float = 60.0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "streamlit", "run", str(HOME.relative_to(ROOT)),
                "--server.address=127.0.0.1", f"--server.port={self.port}", "--server.headless=true",
                "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", "--server.runOnSave=false"]

    def start(self, wait: bool = True) -> "StreamlitServer":
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **self.extra_env}
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

    def __enter__(self) -> "StreamlitServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _children(pid: int) -> list[int]:
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


def tree_rss_bytes(pid: int) -> int:
    """VmRSS of `pid` plus every descendant (0 for processes that are gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text(), re.M)
            total += int(match.group(1)) * 1024 if match else 0
            todo += _children(p)
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


@contextlib.contextmanager
def chromium(playwright=None):
    """A headless Chromium browser (Debian's binary; never a downloaded one)."""
    from playwright.sync_api import sync_playwright
    with contextlib.ExitStack() as stack:
        p = playwright or stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        yield browser


def wait_for_run(page, timeout_ms: float = 60_000, settle_ms: int = 150) -> None:
    """Wait until the script run finished: main rendered, no status widget, spinner, skeleton or stale element.

    The status widget appears only once a run lasts a moment, so "absent" must hold for
    `settle_ms` in a row before the run counts as finished.
    """
    page.wait_for_selector(MAIN, state="attached", timeout=timeout_ms)
    page.wait_for_function(
        """([status, spinner, skeleton, stale, settle]) => {
            const busy = document.querySelector(status) || document.querySelector(spinner)
                || document.querySelector(skeleton) || document.querySelector(stale);
            const now = performance.now();
            if (busy || !window.__llQuietSince) { window.__llQuietSince = busy ? null : now; return false; }
            return now - window.__llQuietSince >= settle;
        }""",
        arg=[STATUS, SPINNER, SKELETON, STALE, settle_ms], polling=25, timeout=timeout_ms)
    page.evaluate("window.__llQuietSince = null")


def image_sources(page) -> list[str]:
    """Every picture in the main area: <img> sources and SVG <image> hrefs (Plotly images and sprite sheets)."""
    return page.evaluate(
        """(main) => {
            const root = document.querySelector(main) || document;
            const out = [];
            root.querySelectorAll('img').forEach(i => out.push(i.currentSrc || i.src));
            root.querySelectorAll('image').forEach(i => out.push(i.getAttribute('href') || i.getAttribute('xlink:href')));
            return out.map(s => s && s.length > 200 ? s.length + ':' + s.slice(-120) : s);
        }""", MAIN)


def page_problems(page) -> list[str]:
    """Exception elements and error alerts on the page, as text."""
    problems = [f"exception: {t.strip()[:800]}" for t in page.locator(EXCEPTION).all_inner_texts()]
    problems += [f"error alert: {t.strip()[:400]}" for t in page.locator(ERROR_ALERT).all_inner_texts()]
    return problems
