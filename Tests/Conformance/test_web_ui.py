"""The web UI in a real browser: Debian's Chromium, headless, renders the namenode's overview
and the datanode page; the overview shows the active namenode and the live datanodes.
RFS_UPDATE_SCREENSHOT=1 also copies the overview's screenshot to docs/ for the README."""
import os
import shutil
import subprocess

import pytest
import requests

from conftest import ROOT


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium: scripts/bootstrap installs Debian's chromium package")


def headless(*args, timeout=90):
    # --no-sandbox: CI and this machine run as root, where Chromium's sandbox refuses to start.
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_overview_in_headless_chromium_shows_the_active_namenode_and_live_datanodes(cluster, tmp_path):
    data = b"rfs web ui\n" * 100_000
    redirect = requests.put(cluster.http_url + "/webhdfs/v1/ui/sample.txt?op=CREATE&user.name=root", allow_redirects=False)
    assert requests.put(redirect.headers["Location"], data=data).status_code == 201

    dom = headless("--dump-dom", cluster.http_url + "/")
    assert dom.returncode == 0, dom.stderr
    page = dom.stdout
    assert "<title>Cluster overview</title>" in page
    assert 'Live datanodes</dt><dd><span class="ok">3</span>' in page
    assert "<td><span class=\"ok\">active</span></td>" in page
    assert page.count('<span class="ok">live</span>') == 3
    assert 'http-equiv="refresh"' in page

    screenshot = tmp_path / "overview.png"
    shot = headless("--window-size=1280,1400", f"--screenshot={screenshot}", cluster.http_url + "/")
    assert shot.returncode == 0, shot.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    if os.environ.get("RFS_UPDATE_SCREENSHOT"):
        shutil.copy(screenshot, ROOT / "docs" / "webui-overview.png")

    # The file browser lists the file, shows its block's replicas and links the download.
    browse = headless("--dump-dom", cluster.http_url + "/explorer?path=/ui/sample.txt").stdout
    assert "Blocks</h2>" in browse and browse.count("127.0.0.1:") >= 3
    assert 'href="/webhdfs/v1/ui/sample.txt?op=OPEN"' in browse
    assert requests.get(cluster.http_url + "/webhdfs/v1/ui/sample.txt?op=OPEN").content == data

    datanode = headless("--dump-dom", cluster.datanode_http_url(0) + "/").stdout
    assert "<h2>Volumes</h2>" in datanode and "No failed volumes." in datanode and "Bytes written" in datanode
