"""The namenode's namespace judged by Hadoop's own FsShell (the 3.5.0 client jars from pyspark):
exit codes and the messages users see. The Java client refuses replies that miss proto2
`required` fields, and uses calls hdfs-native does not (the old `rename`, getContentSummary for
-count/-du, setReplication, the trash check before -rm), so it catches what hdfs-native misses.

Every FsShell call starts a JVM (~3 s): setup and most checks go through hdfs-native, and
read-only FsShell calls run a few at a time.
"""
import concurrent.futures
import getpass
import os
import re
import time

from hdfs_native import Client, WriteOptions

SUPERUSER = os.environ.get("HADOOP_USER_NAME", getpass.getuser())
LS_LINE = re.compile(r"^(?P<perm>[-dl][-rwxsStT]{9}\+?)\s+(?P<repl>-|\d+)\s+(?P<owner>\S+)\s+(?P<group>\S+)\s+"
                     r"(?P<size>\d+)\s+(?P<date>\d{4}-\d\d-\d\d \d\d:\d\d)\s+(?P<path>/.*)$")


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def failed(result):
    assert result.returncode == 1, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def ls_entries(stdout: str) -> dict:
    entries = {}
    for line in stdout.splitlines():
        if not line.strip() or line.startswith("Found "):
            continue
        match = LS_LINE.match(line)
        assert match, f"unexpected -ls line: {line!r}"
        entries[match["path"]] = match.groupdict()
    return entries


def in_parallel(fsshell, url, *calls, workers=3):
    """Runs independent FsShell calls (tuples of arguments) a few JVMs at a time."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda args: fsshell(url, *args), calls))


def test_fsshell_namespace_workflow(namenode, fsshell):
    url = namenode.url
    client = Client(url)

    # mkdir: -p makes parents; without -p an existing directory and a missing parent are errors.
    ok(fsshell(url, "-mkdir", "-p", "/a/b/c", "/a/e"))
    assert all(client.get_file_info(p).isdir for p in ("/a", "/a/b", "/a/b/c", "/a/e"))
    result = failed(fsshell(url, "-mkdir", "/a", "/nope/x"))
    assert "mkdir: `/a': File exists" in result.stderr
    # FsShell 3.5.0 names the missing parent, fully qualified.
    assert f"mkdir: `{url}/nope': No such file or directory" in result.stderr
    assert [s.path for s in client.list_status("/")] == ["/a"]

    # touchz: create + complete of an empty file through the Java client; a missing parent is refused.
    result = failed(fsshell(url, "-touchz", "/a/f", "/a/b/g", "/nope/f"))
    assert "touchz: `/nope/f': No such file or directory" in result.stderr
    for path in ("/a/f", "/a/b/g"):
        status = client.get_file_info(path)
        assert not status.isdir and status.length == 0
        assert status.permission == 0o644                # 0666 under the client's 022 umask
        assert status.owner == SUPERUSER and status.group == "supergroup"
    with_umask = client.get_file_info("/a/b/c")
    assert with_umask.permission == 0o755                # 0777 under the 022 umask

    # Reads, a few JVMs at a time.
    listing, recursive, stat, empty, not_dir, du, count = in_parallel(
        fsshell, url,
        ("-ls", "/a"),
        ("-ls", "-R", "/a"),
        ("-stat", "%F|%u|%g|%a|%r|%b|%n|%Y", "/a/f", "/a/b"),
        ("-test", "-z", "/a/f"),
        ("-test", "-d", "/a/f"),
        ("-du", "-s", "/a"),
        ("-count", "/a"),
    )
    ok(listing)
    assert listing.stdout.splitlines()[0] == "Found 3 items"
    entries = ls_entries(listing.stdout)
    assert list(entries) == ["/a/b", "/a/e", "/a/f"]
    assert (entries["/a/b"]["perm"], entries["/a/b"]["repl"], entries["/a/b"]["size"]) == ("drwxr-xr-x", "-", "0")
    assert (entries["/a/f"]["perm"], entries["/a/f"]["size"]) == ("-rw-r--r--", "0")
    assert entries["/a/f"]["repl"] == str(client.get_file_info("/a/f").replication)
    assert all((e["owner"], e["group"]) == (SUPERUSER, "supergroup") for e in entries.values())

    ok(recursive)
    assert list(ls_entries(recursive.stdout)) == ["/a/b", "/a/b/c", "/a/b/g", "/a/e", "/a/f"]

    ok(stat)
    file_line, dir_line = stat.stdout.splitlines()
    *fields, mtime = file_line.split("|")
    assert fields == ["regular file", SUPERUSER, "supergroup", "644", str(client.get_file_info("/a/f").replication),
                      "0", "f"]
    assert abs(int(mtime) - time.time() * 1000) < 10 * 60 * 1000
    assert dir_line.split("|")[:7] == ["directory", SUPERUSER, "supergroup", "755", "0", "0", "b"]

    assert empty.returncode == 0, empty.stderr
    assert not_dir.returncode == 1, not_dir.stderr

    ok(du)
    assert du.stdout.split() == ["0", "0", "/a"]
    ok(count)
    assert count.stdout.split() == ["4", "2", "0", "/a"]     # dirs /a /a/b /a/b/c /a/e; files f, g

    # Changes.
    ok(fsshell(url, "-mv", "/a/f", "/a/b/c"))               # into a directory: the old `rename`
    assert not client.get_file_info("/a/b/c/f").isdir
    ok(fsshell(url, "-chmod", "-R", "700", "/a/b"))
    assert client.get_file_info("/a/b").permission == 0o700
    assert client.get_file_info("/a/b/c/f").permission == 0o700
    ok(fsshell(url, "-chown", "alice:staff", "/a/b/g"))
    status = client.get_file_info("/a/b/g")
    assert (status.owner, status.group) == ("alice", "staff")
    result = ok(fsshell(url, "-setrep", "2", "/a/b/g"))
    assert "Replication 2 set: /a/b/g" in result.stdout
    assert client.get_file_info("/a/b/g").replication == 2

    # rm: a directory needs -r; -r removes the tree (no trash: fs.trash.interval is 0).
    result = failed(fsshell(url, "-rm", "/a/b"))
    assert "rm: `/a/b': Is a directory" in result.stderr
    result = ok(fsshell(url, "-rm", "-r", "/a"))
    assert "Deleted /a" in result.stdout
    assert list(client.list_status("/")) == []


def test_fsshell_lists_a_directory_of_several_pages(namenode, fsshell):
    client = Client(namenode.url)
    client.mkdirs("/big")
    names = [f"n{i:04d}" for i in range(2500)]                # 3 pages of dfs.ls.limit=1000
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda name: client.mkdirs(f"/big/{name}"), names[::2]))
        list(pool.map(lambda name: client.create(f"/big/{name}", WriteOptions()).close(), names[1::2]))
    listing, count = in_parallel(fsshell, namenode.url, ("-ls", "/big"), ("-count", "/big"))
    ok(listing)
    assert listing.stdout.splitlines()[0] == "Found 2500 items"
    entries = ls_entries(listing.stdout)
    assert list(entries) == [f"/big/{name}" for name in names]
    assert all(entries[f"/big/{name}"]["perm"].startswith("d") for name in names[::2])
    assert all(entries[f"/big/{name}"]["perm"].startswith("-") for name in names[1::2])
    ok(count)
    assert count.stdout.split() == ["1251", "1250", "0", "/big"]


def test_fsshell_permissions_as_a_non_superuser(namenode, fsshell):
    client = Client(namenode.url)
    client.mkdirs("/locked")                                  # root:supergroup 0755
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        mkdir_future = pool.submit(fsshell, namenode.url, "-mkdir", "/locked/x", user="alice")
        chown_future = pool.submit(fsshell, namenode.url, "-chown", "alice", "/locked", user="alice")
        mkdir, chown = mkdir_future.result(), chown_future.result()
    failed(mkdir)
    # HDFS's FSPermissionChecker wording: inode="<path>":<owner>:<group>:<d><rwx...>
    assert mkdir.stderr.strip() == (
        f'mkdir: Permission denied: user=alice, access=WRITE, inode="/locked":{SUPERUSER}:supergroup:drwxr-xr-x')
    failed(chown)
    assert chown.stderr.strip() == (
        "chown: changing ownership of '/locked': Permission denied. user=alice is not the owner of inode=/locked")
    status = client.get_file_info("/locked")
    assert status.owner == SUPERUSER
    assert list(client.list_status("/locked")) == []
