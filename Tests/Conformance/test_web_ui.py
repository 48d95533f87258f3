"""The web UI in a real browser: Debian's Chromium, headless, renders the overview of the
namenodes of `rfs minicluster` (three, one Raft group) and a datanode's page; the active's
overview shows itself active, the group's HA table and the live datanodes.
RFS_UPDATE_SCREENSHOT=1 also copies the overview's screenshot to docs/ for the README."""
import os
import re
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


def test_overview_in_headless_chromium_shows_the_active_namenode_the_ha_group_and_live_datanodes(ha_minicluster, tmp_path):
    cluster = ha_minicluster
    active = cluster.active_index()
    active_url = cluster.http_urls[active]
    data = b"rfs web ui\n" * 100_000
    redirect = requests.put(active_url + "/webhdfs/v1/ui/sample.txt?op=CREATE&overwrite=true&user.name=root", allow_redirects=False)
    assert redirect.status_code == 307, redirect.text
    assert requests.put(redirect.headers["Location"], data=data).status_code == 201

    dom = headless("--dump-dom", active_url + "/")
    assert dom.returncode == 0, dom.stderr
    page = dom.stdout
    assert "<title>Cluster overview</title>" in page
    assert 'Live datanodes</dt><dd><span class="ok">3</span>' in page
    assert page.count('<span class="ok">live</span>') == 3
    assert 'http-equiv="refresh"' in page
    # The HA table: every namenode of the group, this one active and the two others standby,
    # the group's Raft term, each member's match index and lag as the leader tracks them.
    ha = page[page.index("<h2>Namenodes</h2>"):page.index("<h2>Recent operations</h2>")]
    assert "Nameservice rfscluster: Raft term " in ha
    assert all(f"<td>{nn}" in ha for nn in cluster.IDS) and f"<td>{cluster.IDS[active]} (this one)</td>" in ha
    assert ha.count('<td><span class="ok">active</span></td>') == 1 and ha.count('<td><span class="muted">standby</span></td>') == 2
    assert all(f'href="{url}/"' in ha for url in cluster.http_urls)
    lags = re.findall(r'<td class="num">(\d+)</td></tr>', ha)
    assert len(lags) == 3, ha

    screenshot = tmp_path / "overview.png"
    shot = headless("--window-size=1280,1500", f"--screenshot={screenshot}", active_url + "/")
    assert shot.returncode == 0, shot.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    if os.environ.get("RFS_UPDATE_SCREENSHOT"):
        shutil.copy(screenshot, ROOT / "docs" / "webui-overview.png")

    # A standby's page says so, still lists the datanodes (they report to every namenode),
    # and points to the active's page for the lag figures.
    standby = (active + 1) % 3
    standby_page = headless("--dump-dom", cluster.http_urls[standby] + "/").stdout
    assert f"<td>{cluster.IDS[standby]} (this one)</td>" in standby_page
    assert 'Live datanodes</dt><dd><span class="ok">3</span>' in standby_page
    assert f'<a href="{active_url}/">the active namenode\'s page</a>' in standby_page

    # The file browser lists the file, shows its block's replicas and links the download.
    browse = headless("--dump-dom", active_url + "/explorer?path=/ui/sample.txt").stdout
    assert "Blocks</h2>" in browse and browse.count("127.0.0.1:") >= 3
    assert 'href="/webhdfs/v1/ui/sample.txt?op=OPEN"' in browse
    assert requests.get(active_url + "/webhdfs/v1/ui/sample.txt?op=OPEN").content == data

    datanode = headless("--dump-dom", cluster.datanode_http_url(0) + "/").stdout
    assert "<h2>Volumes</h2>" in datanode and "No failed volumes." in datanode and "Bytes written" in datanode
