"""deploy/: Streamlit replicas behind nginx. The rendered configuration passes `nginx -t`; the script's start and
stop leave no process behind; in a browser, a page whose replica is killed comes back by itself, through nginx, on
another replica, in the same state (its URL carries it).

    python -m pytest tests/test_deploy.py -q

Skips, with the reason, where nginx is not installed (sudo apt-get install -y nginx) or, for the browser test,
where Chromium cannot be driven.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import server as srv  # noqa: E402
from bench.replicas import RECONNECTED_JS  # noqa: E402
from deploy import replicas  # noqa: E402

needs_nginx = pytest.mark.skipif(replicas.nginx_binary() is None,
                                 reason="nginx is not installed (sudo apt-get install -y nginx)")


def group_members(pgids: set[int]) -> list[int]:
    """Every running process (zombies aside) whose process group is one of `pgids`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in pgids and fields[0] != "Z":
                found.append(int(entry))
    return found


@needs_nginx
def test_rendered_configuration_passes_nginx_t(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text(replicas.render_config(tmp_path, "127.0.0.1", 8080, [8601, 8602, 8603]))
    (tmp_path / "tmp").mkdir()
    replicas.check_config(conf, tmp_path)  # raises with nginx's words when it refuses the file
    text = conf.read_text()
    assert "{{" not in text
    for port in (8601, 8602, 8603):  # each replica's own group, the two others its backups
        group = text.split(f"upstream replica_{port} {{")[1].split("}")[0]
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" in group
        assert group.count(" backup;") == 2 and f"127.0.0.1:{port} max_fails=1 fail_timeout=5s backup" not in group


@needs_nginx
def test_a_broken_configuration_is_refused_with_nginx_words(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text(replicas.render_config(tmp_path, "127.0.0.1", 8080, [8601]).replace("proxy_pass", "proxy_pas"))
    with pytest.raises(replicas.DeployError, match="proxy_pas"):
        replicas.check_config(conf, tmp_path)


@needs_nginx
def test_start_and_stop_leave_no_process_behind(tmp_path):
    """The command line as a user runs it: start returns with everything up; stop, from another process, ends
    every process start launched, nginx's workers and the replicas' children included."""
    ports = [srv.free_port(), srv.free_port()]
    cli = [sys.executable, "-m", "deploy.replicas"]
    where = ["--run-dir", str(tmp_path / "run")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = subprocess.run([*cli, "start", "--replicas", "2", "--port", str(srv.free_port()),
                              "--first-replica-port", str(ports[0]), *where], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    deployment = replicas.Deployment(tmp_path / "run")
    deployment.load_state()
    try:
        assert started.returncode == 0, started.stderr
        assert [row["healthy"] for row in deployment.status()] == ["yes", "yes", "yes"], deployment.status()
        pgids = {info["pid"] for info in deployment.processes.values()}
        assert len(group_members(pgids)) >= 4  # two replicas, nginx's master and its worker
        again = subprocess.run([*cli, "start", *where], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        stopped = subprocess.run([*cli, "stop", *where], cwd=ROOT, env=env, capture_output=True, text=True,
                                 timeout=120)
    assert stopped.returncode == 0 and "nginx" in stopped.stdout, stopped.stderr
    deadline = time.monotonic() + 10
    while group_members(pgids) and time.monotonic() < deadline:  # orphans are reaped by init, not by us
        time.sleep(0.1)
    assert group_members(pgids) == []
    assert not (tmp_path / "run" / "state.json").exists()
    assert all(not replicas.healthy(f"http://127.0.0.1:{p}") for p in ports)


SLIDER = '[class*="st-key-grid_size"] input[type="range"]'


@needs_nginx
@pytest.mark.browser
def test_a_page_whose_replica_is_killed_comes_back_by_itself_in_the_same_state(tmp_path):
    reason = srv.browser_unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    deployment = replicas.Deployment(tmp_path, port=srv.free_port(), timeout=120,
                                     replica_ports=[srv.free_port(), srv.free_port()])
    with deployment, sync_playwright() as p, srv.chromium(p) as browser:
        with srv.loopback_tab(browser, 90_000) as (page, problems):
            page.goto(f"{deployment.url}/Decoded_grid?model=mnist-vae-2d")
            srv.wait_for_run(page, timeout_ms=120_000)
            slider = page.locator(SLIDER)
            start = int(slider.input_value())
            since = srv.runs_finished(page)
            slider.focus()
            page.keyboard.press("ArrowRight")
            srv.wait_for_run(page, since)
            page.wait_for_url(f"**n={start + 1}**")
            moved_url = page.url
            serving = deployment.replica_serving(next(c["value"] for c in page.context.cookies()
                                                      if c["name"] == replicas.COOKIE))
            assert serving in deployment.ports
            session, since = page.evaluate("() => window.__ll.sessionId"), srv.runs_finished(page)

            deployment.kill_replica(serving)
            killed = time.monotonic()
            page.wait_for_function(RECONNECTED_JS, arg=[session, since], polling=50, timeout=60_000)
            back_after = time.monotonic() - killed

            assert not page.evaluate("() => window.__ll.lost()")
            assert page.url == moved_url
            assert int(slider.input_value()) == start + 1
            assert srv.page_problems(page) == [] and problems == []
            now_serving = deployment.replica_serving(next(c["value"] for c in page.context.cookies()
                                                          if c["name"] == replicas.COOKIE))
            assert now_serving in deployment.ports and now_serving != serving
            assert back_after < 30, f"the page came back only after {back_after:.1f} s"
