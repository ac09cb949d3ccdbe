"""Headless Chromium for the tests: the DOM of a page after its scripts ran, or a screenshot.

Chromium comes from Debian (`make debs`). The flags keep it off the network it would
otherwise call home to; ``offline=True`` also makes every host name fail to resolve, so a
page that still needs a CDN shows it.
"""
import shutil
import subprocess
import tempfile

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium이 없습니다: `make debs` (Debian 패키지)로 설치하세요")
    return found


def dump_dom(url: str, *, size=(1280, 720), budget_ms=8000, offline=False) -> str:
    """The serialised DOM of `url` once its scripts have had `budget_ms` of virtual time."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, *(OFFLINE if offline else []), f"--user-data-dir={profile}",
             f"--window-size={size[0]},{size[1]}", f"--virtual-time-budget={budget_ms}",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120).stdout


def screenshot(url: str, path, *, size=(1280, 720), budget_ms=4000, offline=False) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium(), *FLAGS, *(OFFLINE if offline else []), f"--user-data-dir={profile}",
             f"--window-size={size[0]},{size[1]}", f"--virtual-time-budget={budget_ms}",
             f"--screenshot={path}", url],
            capture_output=True, timeout=120, check=True)
