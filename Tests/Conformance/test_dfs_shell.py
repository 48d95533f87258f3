"""`rfs dfs` and `rfs dfsadmin` judged by Hadoop's own FsShell (the 3.5.0 client jars from
pyspark): both run the same commands against the same `rfs namenode`, and stdout, stderr and
the exit code must match exactly.

Read-only commands run on one tree. Commands that change the namespace run on two identical
trees, `/r` for rfs and `/j` for FsShell, and their outputs are compared with `/j` read as
`/r`; afterwards both trees must list the same. Empty files only: there is no datanode yet.
Every FsShell call starts a JVM (~3 s), so they run a few at a time.
"""
import concurrent.futures
import os
import re
import subprocess
import time

from conftest import RFS_BIN

WORKERS = 3


def rfs_dfs(url, *args, tool="dfs", env=None):
    return subprocess.run([RFS_BIN, tool, "-fs", url, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def outcome(result):
    return result.returncode, result.stdout, result.stderr


def compare_all(fsshell, url, commands, rfs_root=None, java_root=None):
    """Runs each command (a tuple of arguments, `{root}` standing for the tree) with both shells
    and returns the mismatches as readable text."""
    def java(args):
        return fsshell(url, *[a.replace("{root}", java_root or "") for a in args])

    def ours(args):
        return rfs_dfs(url, *[a.replace("{root}", rfs_root or "") for a in args])

    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        java_results = list(pool.map(java, commands))
    mismatches = []
    for args, expected in zip(commands, java_results):
        got = ours(args)
        code, out, err = outcome(expected)
        if java_root and rfs_root:
            out, err = out.replace(java_root, rfs_root), err.replace(java_root, rfs_root)
        if (code, out, err) != outcome(got):
            mismatches.append(f"{' '.join(args)}\n  FsShell: {(code, out, err)!r}\n  rfs:     {outcome(got)!r}")
    return mismatches


def make_tree(url, root):
    """/root with directories, empty files, a nested directory and a relative home."""
    for args in (("-mkdir", "-p", f"{root}/d1/d2", f"{root}/e", f"{root}/empty"),
                 ("-touchz", f"{root}/f1", f"{root}/d1/g", f"{root}/e/h")):
        result = rfs_dfs(url, *args)
        assert result.returncode == 0, result


def test_dfs_read_commands_match_fsshell(namenode, fsshell):
    url = namenode.url
    make_tree(url, "/t")
    assert rfs_dfs(url, "-mkdir", "-p", "rel/sub", "/odd/sp ace", "/odd/pct%20", "/odd/ünï").returncode == 0
    assert rfs_dfs(url, "-touchz", "rel/x", "/odd/sp ace/f", "/odd/h#sh").returncode == 0
    commands = [
        ("-ls", "/t"), ("-ls", "/t/"), ("-ls", "-R", "/t"), ("-ls", "-d", "/t", "/t/f1"), ("-ls", "-C", "-R", "/t"),
        ("-ls", "-h", "/t"), ("-ls", "-S", "-r", "/t"), ("-ls", "/t/empty"), ("-ls", "/t/f1", "/nope", "/t/e"),
        ("-ls", f"{url}/t"), ("-ls", url), ("-ls", "-d", f"{url}/"), ("-stat", "%n", f"{url}/t/f1"),
        ("-ls", "-R", "/odd"), ("-ls", "/odd/sp ace", "/odd/pct%20"), ("-stat", "%n", "/odd/*"), ("-count", "/odd/ü*"),
        ("-ls", "/t/a:b"), ("-ls", "/t/../t/./e"), ("-ls", "-d", "rel/../rel/", "./rel"),
        ("-ls",), ("-ls", "rel"), ("-ls", "-R", "."), ("-ls", "-x", "/"), ("-ls", "-Rd", "/"),
        ("-stat", "/t/f1"), ("-stat", "%b|%F|%g|%n|%o|%r|%u|%y|%Y|%a|%A|%x|%X|%%|%q|", "/t/f1", "/t/d1", "/t"),
        ("-stat", "%y"), ("-stat",), ("-stat", "-R", "%n %F", "/t/d1"),
        ("-find", "/t"), ("-find", "/t", "-name", "d*"), ("-find", "/t", "/nope", "-iname", "F*", "-print"),
        ("-find", "/t", "-name", "*1", "-a", "-name", "f*"), ("-find", "/odd", "-print0"), ("-find", "-name", "x"),
        ("-find", "/t", "-bogus"),
        ("-du", "/t"), ("-du", "-s", "/t", "/t/f1"), ("-du", "-v", "-h", "/t"), ("-du", "/nope"), ("-du", "-s", "rel"),
        ("-df",), ("-df", "-h", "/t"),
        ("-count", "/t", "/t/f1"), ("-count", "-q", "/t"), ("-count", "-q", "-h", "-v", "/t"), ("-count", "-v", "/t"),
        ("-count", "-u", "/t"), ("-count", "/nope"), ("-count",), ("-count", "-e", "-v", "/t"), ("-count", "-s", "-v", "/t"),
        ("-count", "-t", "-q", "-v", "-h", "/t"), ("-count", "-t", "SSD,DISK", "-u", "/t"), ("-count", "-u", "-v", "/t"),
        ("-count", "-x", "-t", "/t"), ("-count", "-q", "-e", "-s", "/t"), ("-du", "-x", "-s", "/t"),
        ("-test", "-e", "/t/f1"), ("-test", "-e", "/nope"), ("-test", "-d", "/t/f1"), ("-test", "-d", "/t"),
        ("-test", "-f", "/t/f1"), ("-test", "-z", "/t/f1"), ("-test", "-s", "/t/f1"), ("-test", "/t"),
        ("-test", "-e", "-d", "/t"), ("-test", "-e"), ("-test", "-e", "/t", "/t/f1"),
        ("-ls", "/t/*"), ("-ls", "-d", "/t/{d1,e}", "/t/f?"), ("-ls", "/t/nope*"), ("-stat", "%n", "/t/*/*"),
        ("-ls", "-d", "rel/*"), ("-count", f"{url}/t/[de]*"), ("-du", "-s", "/*/e"),
        ("-usage", "ls"), ("-usage",), ("-usage", "mkdir", "rm"), ("-help", "ls", "test"), ("-help",), ("-help", "-put", "cat"), ("-help", "cat", "nosuch"), ("-usage", "nosuch"),
        ("-nosuch",), ("ls", "/"), (),
        ("-mkdir",), ("-mv", "/t/f1"), ("-rm",), ("-chmod", "bogus", "/t/f1"), ("-chmod", "644"),
        ("-chown", ":", "/t"), ("-chgrp", "a:b", "/t"), ("-setrep", "x", "/t/f1"), ("-setrep", "0", "/t/f1"),
        ("-truncate", "x", "/t/f1"), ("-truncate", "5", "/t/f1"), ("-touchz",), ("-rmdir",),
    ]
    mismatches = compare_all(fsshell, url, commands)
    assert not mismatches, "\n".join(mismatches)


def test_dfs_mutations_match_fsshell(namenode, fsshell):
    url = namenode.url
    make_tree(url, "/r")
    make_tree(url, "/j")
    # Each step runs with both shells in order on their own tree; steps depend on earlier ones.
    steps = [
        ("-mkdir", "{root}/new", "{root}/e", "{root}/nope/x", "{root}/f1/x"),
        ("-mkdir", "-p", "{root}/p/q/r", "{root}/e"),
        ("-touchz", "{root}/t1", "{root}/e", "{root}/nope/f", "{root}/f1"),
        ("-chmod", "700", "{root}/f1"), ("-chmod", "-R", "u+x,g-w,o=r", "{root}/d1"), ("-chmod", "1777", "{root}/e"),
        ("-chmod", "+t", "{root}/p"), ("-chmod", "a-x", "{root}/p/q"), ("-chmod", "644", "{root}/nope"),
        ("-chown", "alice:staff", "{root}/f1"), ("-chown", "-R", ":grp", "{root}/d1"), ("-chgrp", "other", "{root}/t1"),
        ("-chown", "bob", "{root}/nope"),
        ("-touch", "-c", "{root}/notmade"), ("-touch", "-t", "20260101:120000", "{root}/f1", "{root}/touched"),
        ("-touch", "-m", "-t", "20250102:030405", "{root}/f1"), ("-touch", "-a", "-t", "20240203:040506", "{root}/f1"),
        ("-stat", "%y|%x", "{root}/f1", "{root}/touched"), ("-touch", "-t", "yesterday", "{root}/f1"),
        ("-touch", "{root}/nope/x"), ("-head", "{root}/f1"), ("-head", "{root}/d1"), ("-head", "{root}/nope"),
        ("-setrep", "2", "{root}/f1"), ("-setrep", "-w", "1", "{root}/d1"), ("-setrep", "2", "{root}/nope"),
        ("-truncate", "0", "{root}/t1"), ("-truncate", "-w", "0", "{root}/t1", "{root}/d1"),
        ("-mv", "{root}/t1", "{root}/t2"), ("-mv", "{root}/nope", "{root}/x"), ("-mv", "{root}/t2", "{root}/f1"),
        ("-mv", "{root}/t2", "{root}/e"), ("-mv", "{root}/e/t2", "{root}/new/t3", "{root}/nope/dir"),
        ("-mv", "{root}/new/t3", "{root}/f1", "{root}/d1/g"),
        ("-rmdir", "{root}/d1", "{root}/nope", "{root}/empty", "{root}/f1"),
        ("-rmdir", "--ignore-fail-on-non-empty", "{root}/d1"),
        ("-rm", "{root}/d1", "{root}/nope", "{root}/new"), ("-rm", "-f", "{root}/nope"),
        ("-rm", "-r", "{root}/d1"), ("-rm", "-skipTrash", "{root}/f1"), ("-rm", "{root}/p/q/*", "{root}/zz*"),
        ("-rm", "-f", "{root}/zz*", "{root}/nope"), ("-rm", "-f", "-r", "{root}/p/q/*", "{root}/zz*"),
        ("-ls", "-R", "{root}"),
    ]
    mismatches = []
    for step in steps:
        mismatches += compare_all(fsshell, url, [step], rfs_root="/r", java_root="/j")
    assert not mismatches, "\n".join(mismatches)


def test_dfs_rm_moves_to_trash_as_fsshell(namenode, fsshell):
    url = namenode.url
    for root in ("/r", "/j"):
        assert rfs_dfs(url, "-mkdir", "-p", f"{root}/a").returncode == 0
        assert rfs_dfs(url, "-touchz", f"{root}/a/f", f"{root}/g").returncode == 0
    trash = ("-D", "fs.trash.interval=10")
    java = [fsshell(url, *trash, "-rm", "/j/a/f"), fsshell(url, *trash, "-rm", "-r", "/j/a"),
            fsshell(url, *trash, "-rm", "/j/g")]
    ours = [rfs_dfs(url, *trash, "-rm", "/r/a/f"), rfs_dfs(url, *trash, "-rm", "-r", "/r/a"),
            rfs_dfs(url, *trash, "-rm", "/r/g")]
    for expected, got in zip(java, ours):
        # FsShell logs the "Moved:" line through log4j (not configured here); rfs prints it.
        moved = [line for line in got.stdout.splitlines() if line.startswith("Moved: '")]
        assert len(moved) == 1 and ".Trash/Current" in moved[0], got.stdout
        rest = "".join(line + "\n" for line in got.stdout.splitlines() if not line.startswith("Moved: '"))
        assert (got.returncode, rest, got.stderr) == outcome(expected)
    # Both trees now sit in the user's trash the same way (the second deletion of each name
    # gets a time suffix, so only the first-level entries are compared).
    listing = rfs_dfs(url, "-ls", "-C", ".Trash/Current")
    assert listing.stdout.splitlines() == [".Trash/Current/j", ".Trash/Current/r"]
    inner = {root: rfs_dfs(url, "-ls", "-C", f".Trash/Current/{root}").stdout for root in ("j", "r")}
    def without_suffix(text):
        return re.sub(r"\d{13}$", "<ms>", text, flags=re.M)
    assert without_suffix(inner["j"].replace("/j/", "/r/")) == without_suffix(inner["r"])
    # A path that "contains" the trash (by Hadoop's string-prefix test) is refused the same way.
    assert rfs_dfs(url, "-mkdir", "/u").returncode == 0
    assert outcome(rfs_dfs(url, *trash, "-rm", "-r", "/u")) == outcome(fsshell(url, *trash, "-rm", "-r", "/u"))


def test_dfs_expunge_checkpoints_and_empties_the_trash(namenode, fsshell):
    """-expunge turns .Trash/Current into a yyMMddHHmmss checkpoint and deletes checkpoints older
    than the interval; -immediate deletes everything in the trash. Both shells, same outcome."""
    url = namenode.url
    trash = ("-D", "fs.trash.interval=10")
    for shell in ("rfs", "java"):
        run = (lambda *a: rfs_dfs(url, *a)) if shell == "rfs" else (lambda *a: fsshell(url, *a))
        assert rfs_dfs(url, "-touchz", "/x").returncode == 0
        assert rfs_dfs(url, *trash, "-rm", "/x").returncode == 0
        assert rfs_dfs(url, "-mkdir", ".Trash/990101000000").returncode == 0   # long expired
        assert outcome(run(*trash, "-expunge")) == (0, "", ""), shell
        entries = rfs_dfs(url, "-ls", "-C", ".Trash").stdout.split()
        assert len(entries) == 1 and re.fullmatch(r"\.Trash/\d{12}", entries[0]), (shell, entries)
        assert rfs_dfs(url, "-ls", "-C", entries[0]).stdout == f"{entries[0]}/x\n"
        assert outcome(run(*trash, "-expunge", "-immediate")) == (0, "", ""), shell
        assert rfs_dfs(url, "-ls", "-C", ".Trash").stdout == "", shell
    # Without a trash interval there is nothing to do.
    assert outcome(rfs_dfs(url, "-expunge")) == outcome(fsshell(url, "-expunge"))


def test_dfsadmin_commands(namenode):
    url = namenode.url
    assert rfs_dfs(url, "-mkdir", "/q").returncode == 0
    assert outcome(rfs_dfs(url, "-safemode", "get", tool="dfsadmin")) == (0, "Safe mode is OFF\n", "")
    assert outcome(rfs_dfs(url, "-safemode", "enter", tool="dfsadmin")) == (0, "Safe mode is ON\n", "")
    result = rfs_dfs(url, "-mkdir", "/q/in-safe-mode")
    assert result.returncode == 1 and "safe mode" in result.stderr.lower(), result
    assert outcome(rfs_dfs(url, "-safemode", "leave", tool="dfsadmin")) == (0, "Safe mode is OFF\n", "")
    assert outcome(rfs_dfs(url, "-safemode", "wait", tool="dfsadmin")) == (0, "Safe mode is OFF\n", "")
    code, out, err = outcome(rfs_dfs(url, "-safemode", "bogus", tool="dfsadmin"))
    assert code == 255 and "Usage: hdfs dfsadmin [-safemode" in err
    code, out, err = outcome(rfs_dfs(url, "-report", tool="dfsadmin"))
    assert code == 0 and out.startswith("Configured Capacity: ") and "Live datanodes (0):" in out, out
    assert outcome(rfs_dfs(url, "-refreshNodes", tool="dfsadmin")) == (0, "Refresh nodes successful\n", "")
    code, out, err = outcome(rfs_dfs(url, "-nosuch", tool="dfsadmin"))
    assert code == 255 and err.startswith("nosuch: Unknown command\nUsage: hdfs dfsadmin\n")
    code, out, err = outcome(rfs_dfs(url, "-setQuota", "/q", tool="dfsadmin"))
    assert code == 255 and "Usage: hdfs dfsadmin [-setQuota <quota> <dirname>...<dirname>]" in err


def test_dfsadmin_quotas(namenode):
    """setQuota is being added to the namenode in parallel: until it serves the call, the
    client's error names the missing method."""
    url = namenode.url
    assert rfs_dfs(url, "-mkdir", "/q").returncode == 0
    result = rfs_dfs(url, "-setQuota", "10", "/q", tool="dfsadmin")
    if result.returncode != 0:
        assert "setQuota" in result.stderr
        return
    assert rfs_dfs(url, "-setSpaceQuota", "1g", "/q", tool="dfsadmin").returncode == 0
    count = rfs_dfs(url, "-count", "-q", "/q")
    assert count.stdout.split()[:4] == ["10", "9", "1073741824", "1073741824"], count.stdout
    assert rfs_dfs(url, "-clrQuota", "/q", tool="dfsadmin").returncode == 0
    assert rfs_dfs(url, "-clrSpaceQuota", "/q", tool="dfsadmin").returncode == 0
    assert rfs_dfs(url, "-count", "-q", "/q").stdout.split()[:4] == ["none", "inf", "none", "inf"]


def test_dfs_permission_errors_match_fsshell(namenode, fsshell):
    """As a user who owns nothing, the namenode's AccessControlException lines reach the user
    the way FsShell shows them."""
    url = namenode.url
    make_tree(url, "/t")
    assert rfs_dfs(url, "-chmod", "700", "/t/d1").returncode == 0
    commands = [
        ("-mkdir", "/t/x"), ("-touchz", "/t/y"), ("-chmod", "777", "/t/f1"), ("-chown", "bob", "/t/f1"),
        ("-chgrp", "-R", "bob", "/t/e"), ("-ls", "/t/d1"), ("-rm", "-skipTrash", "/t/f1"), ("-mv", "/t/f1", "/t/f9"),
        ("-setrep", "2", "/t/f1"), ("-du", "/t/d1"), ("-count", "/t/d1"), ("-test", "-w", "/t/f1"), ("-test", "-r", "/t/f1"),
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        java = list(pool.map(lambda args: fsshell(url, *args, user="bob"), commands))
    mismatches = []
    for args, expected in zip(commands, java):
        got = rfs_dfs(url, *args, env={"HADOOP_USER_NAME": "bob"})
        if outcome(got) != outcome(expected):
            mismatches.append(f"{' '.join(args)}\n  FsShell: {outcome(expected)!r}\n  rfs:     {outcome(got)!r}")
    assert not mismatches, "\n".join(mismatches)


def test_dfs_paths_on_another_namenode_match_fsshell(namenode, fsshell, tmp_path):
    """A qualified path names its own filesystem, as in FsShell: one command can list two
    namenodes, and a move between them is refused."""
    from conftest import NameNodeFactory
    other_factory = NameNodeFactory(tmp_path / "other")
    (tmp_path / "other").mkdir()
    other = other_factory.start()
    try:
        url, other_url = namenode.url, other.url
        make_tree(url, "/t")
        make_tree(other_url, "/o")
        commands = [
            ("-ls", "/t/e", f"{other_url}/o/e"), ("-ls", "-R", f"{other_url}/o/d1"), ("-count", f"{other_url}/o", "/t"),
            ("-stat", "%n", f"{other_url}/o/*"), ("-mv", f"{other_url}/o/f1", "/t/x"), ("-test", "-d", f"{other_url}/o/d1"),
        ]
        mismatches = compare_all(fsshell, url, commands)
        assert not mismatches, "\n".join(mismatches)
    finally:
        other_factory.stop_all()


def test_a_name_directory_low_on_space_puts_the_namenode_in_safe_mode(namenode_factory, fsshell):
    """HDFS's NameNodeResourceChecker: less free space than dfs.namenode.resource.du.reserved
    (here 1 PiB, more than any disk has) turns safe mode on; both shells see the refusal."""
    namenode = namenode_factory.start("dfs.namenode.resource.du.reserved=1p",
                                      "dfs.namenode.resource.check.interval=50ms")
    url = namenode.url
    deadline = time.monotonic() + 30
    while rfs_dfs(url, "-safemode", "get", tool="dfsadmin").stdout != "Safe mode is ON\n":
        assert time.monotonic() < deadline, "safe mode never came on"
        time.sleep(0.1)
    # Both shells print the first line of the SafeModeException's message; its second line
    # says why (resources low), which the namenode's log says too.
    ours = rfs_dfs(url, "-mkdir", "/low")
    theirs = fsshell(url, "-mkdir", "/low")
    assert outcome(ours) == outcome(theirs)
    assert outcome(ours) == (1, "", "mkdir: Cannot create directory /low. Name node is in safe mode.\n")
    assert rfs_dfs(url, "-ls", "/").returncode == 0
    assert "the name directory is low on space" in namenode.log_text()


def test_dfs_reads_hadoop_xml_configuration_as_fsshell(namenode, fsshell, tmp_path):
    """Hadoop's configuration files: `$HADOOP_CONF_DIR`'s core-site.xml and hdfs-site.xml (as the
    `hdfs` command reads them), `-conf file.xml` given once or more, and `${…}` in values. The
    settings must take effect as they do in FsShell: the default filesystem, and the replication
    a new file gets."""
    def xml(**properties):
        body = "".join(f"  <property><name>{name.replace('_', '.')}</name><value>{value}</value></property>\n"
                       for name, value in properties.items())
        return f'<?xml version="1.0"?>\n<configuration>\n{body}</configuration>\n'

    site = tmp_path / "hadoop-conf"
    site.mkdir()
    (site / "core-site.xml").write_text(xml(fs_defaultFS="${env.RFS_TEST_NAMENODE}"))
    (site / "hdfs-site.xml").write_text(xml(dfs_replication="2"))
    (tmp_path / "one.xml").write_text(xml(dfs_replication="4"))
    (tmp_path / "two.xml").write_text(xml(dfs_replication="5"))
    env = dict(os.environ, HADOOP_CONF_DIR=str(site), RFS_TEST_NAMENODE=namenode.url)
    env.pop("RFS_CONF_DIR", None)

    def rfs(*args):
        return subprocess.run([RFS_BIN, "dfs", *args], capture_output=True, text=True, timeout=120, env=env)

    assert rfs("-mkdir", "/xml").returncode == 0
    # No -fs: fs.defaultFS comes from core-site.xml, dfs.replication from hdfs-site.xml.
    assert rfs("-touchz", "/xml/site").returncode == 0
    assert rfs("-conf", str(tmp_path / "one.xml"), "-touchz", "/xml/one").returncode == 0
    assert rfs("-conf", str(tmp_path / "one.xml"), "-conf", str(tmp_path / "two.xml"), "-touchz", "/xml/two").returncode == 0
    java = [fsshell(namenode.url, "-conf", str(tmp_path / name), "-touchz", f"/xml/j-{name}") for name in ("one.xml", "two.xml")]
    assert all(result.returncode == 0 for result in java), java
    stat = rfs("-stat", "%n %r", "/xml/*")
    assert stat.returncode == 0, stat
    assert stat.stdout.splitlines() == ["j-one.xml 4", "j-two.xml 5", "one 4", "site 2", "two 5"]

    # A file that is not a configuration is refused with where it goes wrong, and nothing runs.
    (tmp_path / "bad.xml").write_text("<configuration>\n  <property><name>dfs.replication</name><value>3</value>\n")
    bad = rfs("-conf", str(tmp_path / "bad.xml"), "-touchz", "/xml/bad")
    assert bad.returncode != 0
    assert f"{tmp_path / 'bad.xml'}:2: <property> is not closed by </property>" in bad.stderr
    assert rfs("-test", "-e", "/xml/bad").returncode == 1


def test_dfs_extended_attributes_match_fsshell(namenode, fsshell):
    """-setfattr and -getfattr against FsShell step by step on two trees: the three value
    encodings both ways, the most recently set first, -R, the namespaces' rules, and the
    errors (a missing attribute, a bad name, a bad hex value, usage)."""
    url = namenode.url
    make_tree(url, "/r")
    make_tree(url, "/j")
    steps = [
        ("-setfattr", "-n", "user.text", "-v", '"hello world"', "{root}/f1"),
        ("-setfattr", "-n", "user.hex", "-v", "0x00ff10", "{root}/f1"),
        ("-setfattr", "-n", "USER.b64", "-v", "0sAAEC/w==", "{root}/f1"),
        ("-setfattr", "-n", "user.plain", "-v", "x", "{root}/f1"),
        ("-setfattr", "-n", "user.novalue", "{root}/d1"),
        ("-setfattr", "-n", "trusted.t", "-v", "s", "{root}/d1/d2"),
        ("-getfattr", "-d", "{root}/f1"), ("-getfattr", "-d", "-e", "hex", "{root}/f1"),
        ("-getfattr", "-d", "-e", "base64", "{root}/f1"), ("-getfattr", "-n", "user.hex", "-e", "HEX", "{root}/f1"),
        ("-getfattr", "-n", "user.text", "{root}/f1"),
        ("-setfattr", "-n", "user.text", "-v", "0x6869", "{root}/f1"), ("-getfattr", "-d", "{root}/f1"),
        ("-getfattr", "-R", "-d", "{root}/d1"), ("-getfattr", "-d", "{root}/e"),
        ("-getfattr", "-n", "user.none", "{root}/f1"), ("-getfattr", "-d", "{root}/nope"),
        ("-setfattr", "-x", "user.plain", "{root}/f1"), ("-setfattr", "-x", "user.plain", "{root}/f1"),
        ("-setfattr", "-n", "system.s", "-v", "1", "{root}/f1"), ("-setfattr", "-n", "bad", "-v", "1", "{root}/f1"),
        ("-setfattr", "-n", "user.", "{root}/f1"),
        ("-setfattr", "-n", "user.a", "-x", "user.b", "{root}/f1"), ("-setfattr", "{root}/f1"),
        ("-setfattr", "-n", "user.a", "{root}/f1", "{root}/e"), ("-setfattr", "-n", "user.a", "-v", "1", "{root}/nope"),
        ("-getfattr", "{root}/f1"), ("-getfattr", "-d"), ("-getfattr", "-d", "-e", "rot13", "{root}/f1"),
        ("-getfattr", "-d", "-n"), ("-getfattr", "-d", "{root}/f1"),
        # -cp -px carries them (directories after their contents), -p alone does not.
        ("-cp", "-px", "{root}/f1", "{root}/copied"), ("-getfattr", "-d", "-e", "hex", "{root}/copied"),
        ("-cp", "-ptx", "{root}/d1", "{root}/d1copy"), ("-getfattr", "-R", "-d", "{root}/d1copy"),
        ("-cp", "-p", "{root}/f1", "{root}/plain"), ("-getfattr", "-d", "{root}/plain"),
    ]
    mismatches = []
    for step in steps:
        mismatches += compare_all(fsshell, url, [step], rfs_root="/r", java_root="/j")
    assert not mismatches, "\n".join(mismatches)
    # A bad hex value: the pyspark jars shade commons-codec, so FsShell names the exception
    # under org.apache.hadoop.shaded; a Hadoop install (and rfs) print the plain class name.
    java = fsshell(url, "-setfattr", "-n", "user.odd", "-v", "0xabc", "/j/f1")
    ours = rfs_dfs(url, "-setfattr", "-n", "user.odd", "-v", "0xabc", "/r/f1")
    expected = "setfattr: org.apache.commons.codec.DecoderException: Odd number of characters.\n"
    assert (java.returncode, java.stderr.replace("org.apache.hadoop.shaded.", "")) == (1, expected)
    assert (ours.returncode, ours.stdout, ours.stderr) == (1, "", expected)


def test_dfs_acl_commands_match_fsshell(namenode, fsshell):
    """-getfacl prints the minimal ACL of the permission bits (and the sticky flag) as FsShell
    does; -setfacl checks its options and ACL spec as FsShell does, and the namenode refuses
    the change as HDFS does with ACLs disabled."""
    url = namenode.url
    make_tree(url, "/r")
    make_tree(url, "/j")
    steps = [
        ("-chmod", "1777", "{root}/e"), ("-chmod", "1770", "{root}/d1"), ("-chmod", "640", "{root}/f1"),
        ("-getfacl", "{root}/f1"), ("-getfacl", "-R", "{root}"), ("-getfacl", "{root}/nope"), ("-getfacl",),
        ("-getfacl", "{root}/f1", "{root}/e"),
        ("-setfacl", "-m", "user:bob:rwx", "{root}/f1"), ("-setfacl", "-x", "user:bob", "{root}/f1"),
        ("-setfacl", "-b", "{root}/f1"), ("-setfacl", "-k", "{root}/d1"), ("-setfacl", "-R", "-m", "default:user:bob:r-x", "{root}/d1"),
        ("-setfacl", "--set", "user::rwx,group::r-x,other::---", "{root}/f1"), ("-setfacl", "-m", "user:bob:rwx", "{root}/nope"),
        ("-setfacl", "-b", "-m", "user:bob:rwx", "{root}/f1"), ("-setfacl", "-m", "{root}/f1"), ("-setfacl", "-m"),
        ("-setfacl", "-m", "usr:bob:rwx", "{root}/f1"), ("-setfacl", "-m", "user:bob:rwz", "{root}/f1"),
        ("-setfacl", "-m", "user:bob", "{root}/f1"), ("-setfacl", "-x", "user:bob:rwx:x", "{root}/f1"),
        ("-setfacl", "-m", ",", "{root}/f1"), ("-setfacl", "{root}/f1"), ("-setfacl", "-b", "{root}/f1", "{root}/e"),
    ]
    mismatches = []
    for step in steps:
        mismatches += compare_all(fsshell, url, [step], rfs_root="/r", java_root="/j")
    assert not mismatches, "\n".join(mismatches)
