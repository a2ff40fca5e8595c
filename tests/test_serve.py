"""`prr serve`: the app in a browser, on localhost by default; started, fetched, stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import httpx
from conftest import REPO_ROOT
from gitrepos import make_repo
from records import SERVICE_FILES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def first_screen(url: str, wanted: bytes, timeout: float = 30.0) -> bytes:
    """What the app sends a browser session until WANTED shows (or the timeout)."""
    seen = b""
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        deadline = time.monotonic() + timeout
        while wanted not in seen and time.monotonic() < deadline:
            message = await ws.receive(timeout=deadline - time.monotonic())
            if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                seen += message.data if isinstance(message.data, bytes) else message.data.encode()
            else:
                break
    return seen


def test_serve_answers_with_the_app_page_on_localhost_and_stops_on_sigterm(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", SERVICE_FILES)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PRR_CACHE_DIR=str(tmp_path / "cache"))
    server = subprocess.Popen(
        [sys.executable, "-m", "prr", "serve", str(repo), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        page = None
        for _ in range(200):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                time.sleep(0.1)
        assert page is not None and page.status_code == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page.text
        screen = asyncio.run(first_screen(f"ws://127.0.0.1:{port}/ws?width=120&height=40", b"payments"))
        assert b"payments" in screen  # the browser's session runs the real review app
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err.decode()
    assert f"on http://127.0.0.1:{port}" in err.decode()
    assert "warning" not in err.decode()


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "prr", "serve", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_folder_that_is_not_a_repository_is_refused_before_serving(tmp_path: Path) -> None:
    done = run_serve(str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"prr: {tmp_path}: not inside a git repository"]


def test_a_port_already_taken_is_one_line_and_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", SERVICE_FILES)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve(str(repo), "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(f"prr: http://127.0.0.1:{port}: cannot listen there: ")
    assert "Traceback" not in done.stderr
