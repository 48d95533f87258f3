"""`rfs dfs` moving bytes through real datanodes, judged by Hadoop's FsShell and hdfs-native:
what one writes the others read back byte for byte, checksums agree with FsShell's, and
errors look the same."""
import os
import subprocess

import hdfs_native

from conftest import RFS_BIN
from hdfs_checksum import md5_md5_crc32c


def rfs_dfs(url, *args, binary=False):
    return subprocess.run([RFS_BIN, "dfs", "-fs", url, *args], capture_output=True, text=not binary, timeout=300)


def test_put_cat_get_checksum_append_round_trip(cluster, fsshell, tmp_path):
    url = cluster.url
    data = os.urandom(3 * 1024 * 1024 + 11)
    local = tmp_path / "local.bin"
    local.write_bytes(data)

    assert rfs_dfs(url, "-mkdir", "-p", "/d").returncode == 0
    put = rfs_dfs(url, "-put", str(local), "/d/")
    assert put.returncode == 0, put.stderr
    # Written by rfs, read by Hadoop's own client and by hdfs-native.
    assert fsshell(url, "-cat", "/d/local.bin", binary=True).stdout == data
    assert hdfs_native.Client(url).read("/d/local.bin").read() == data

    cat = rfs_dfs(url, "-cat", "/d/local.bin", binary=True)
    assert cat.returncode == 0 and cat.stdout == data
    fetched = tmp_path / "fetched.bin"
    assert rfs_dfs(url, "-get", "/d/local.bin", str(fetched)).returncode == 0
    assert fetched.read_bytes() == data

    ours = rfs_dfs(url, "-checksum", "/d/local.bin")
    theirs = fsshell(url, "-checksum", "/d/local.bin")
    assert ours.returncode == 0 and ours.stdout == theirs.stdout
    assert ours.stdout.strip().endswith(md5_md5_crc32c(data))

    more = tmp_path / "more.bin"
    more.write_bytes(os.urandom(70_000))
    assert rfs_dfs(url, "-appendToFile", str(more), "/d/local.bin").returncode == 0
    assert fsshell(url, "-cat", "/d/local.bin", binary=True).stdout == data + more.read_bytes()
    # Appending nothing closes the file cleanly (its block moves to a new stamp), and the
    # lease is free for the next writer.
    assert rfs_dfs(url, "-appendToFile", "/dev/null", "/d/local.bin").returncode == 0
    assert fsshell(url, "-appendToFile", "/dev/null", "/d/local.bin").returncode == 0
    assert fsshell(url, "-cat", "/d/local.bin", binary=True).stdout == data + more.read_bytes()

    # A file written by FsShell, read by rfs.
    assert fsshell(url, "-put", str(more), "/d/by-java").returncode == 0
    assert rfs_dfs(url, "-cat", "/d/by-java", binary=True).stdout == more.read_bytes()

    # Empty files have HDFS's well-known empty checksum.
    assert rfs_dfs(url, "-touchz", "/d/empty").returncode == 0
    assert rfs_dfs(url, "-checksum", "/d/empty").stdout == fsshell(url, "-checksum", "/d/empty").stdout


def test_multi_block_put_crosses_block_boundaries(cluster, fsshell, tmp_path):
    url = cluster.url
    data = os.urandom(5 * 1024 * 1024 + 3)
    local = tmp_path / "multi.bin"
    local.write_bytes(data)
    put = rfs_dfs(url, "-D", "dfs.blocksize=1048576", "-put", str(local), "/multi")
    assert put.returncode == 0, put.stderr
    assert fsshell(url, "-cat", "/multi", binary=True).stdout == data
    assert hdfs_native.Client(url).get_file_info("/multi").blocksize == 1048576
    checksum = rfs_dfs(url, "-checksum", "/multi").stdout
    assert checksum == fsshell(url, "-checksum", "/multi").stdout
    assert "MD5-of-2048MD5-of-512CRC32C" in checksum  # crcPerBlock of a 1 MiB block: six blocks


def test_data_command_errors_match_fsshell(cluster, fsshell, tmp_path):
    url = cluster.url
    local = tmp_path / "x"
    local.write_bytes(b"x")
    assert rfs_dfs(url, "-put", str(local), "/x").returncode == 0
    for args in (("-cat", "/nope"), ("-put", str(local), "/x"), ("-get", "/nope", str(tmp_path / "y")),
                 ("-checksum", "/nope"), ("-cat",)):
        ours, theirs = rfs_dfs(url, *args), fsshell(url, *args)
        assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr), args


def test_tail_cp_getmerge_text_match_fsshell(cluster, fsshell, tmp_path):
    url = cluster.url
    numbers = tmp_path / "numbers"
    numbers.write_text("".join(f"{i}\n" for i in range(1, 3001)))
    assert rfs_dfs(url, "-mkdir", "-p", "/t/src").returncode == 0
    for name in ("a", "b"):
        assert rfs_dfs(url, "-put", str(numbers), f"/t/src/{name}").returncode == 0

    ours, theirs = rfs_dfs(url, "-tail", "/t/src/a"), fsshell(url, "-tail", "/t/src/a")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
    assert rfs_dfs(url, "-text", "/t/src/a").stdout == numbers.read_text()

    assert rfs_dfs(url, "-cp", "/t/src", "/t/ours").returncode == 0
    assert fsshell(url, "-cp", "/t/src", "/t/theirs").returncode == 0
    listed = [line.split()[-1].replace("/t/theirs", "/t/ours") for line in fsshell(url, "-ls", "-R", "/t/theirs").stdout.splitlines()]
    assert [line.split()[-1] for line in fsshell(url, "-ls", "-R", "/t/ours").stdout.splitlines()] == listed
    assert fsshell(url, "-cat", "/t/ours/b").stdout == numbers.read_text()
    ours, theirs = rfs_dfs(url, "-cp", "/t/src/a", "/t/ours/a"), fsshell(url, "-cp", "/t/src/a", "/t/ours/a")
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)

    merged_ours, merged_theirs = tmp_path / "merged-ours", tmp_path / "merged-theirs"
    assert rfs_dfs(url, "-getmerge", "-nl", "/t/src", str(merged_ours)).returncode == 0
    assert fsshell(url, "-getmerge", "-nl", "/t/src", str(merged_theirs)).returncode == 0
    assert merged_ours.read_bytes() == merged_theirs.read_bytes()
    # Several sources, a file and a directory, in the order given; an empty file is skipped
    # with its newline under -skip-empty-file.
    assert rfs_dfs(url, "-touchz", "/t/src/empty").returncode == 0
    for flags in (["-nl"], ["-nl", "-skip-empty-file"]):
        args = ["-getmerge", *flags, "/t/src/b", "/t/src"]
        assert rfs_dfs(url, *args, str(merged_ours)).returncode == 0
        assert fsshell(url, *args, str(merged_theirs)).returncode == 0
        assert merged_ours.read_bytes() == merged_theirs.read_bytes(), flags
    # A missing source: the error, exit 1, and no file written; a directory as the destination.
    for name, args in (("missing", ["/t/src/a", "/t/nope"]), ("dir", ["/t/src/a"])):
        ours_target = tmp_path if name == "dir" else tmp_path / f"{name}-ours"
        theirs_target = tmp_path if name == "dir" else tmp_path / f"{name}-theirs"
        ours = rfs_dfs(url, "-getmerge", *args, str(ours_target))
        theirs = fsshell(url, "-getmerge", *args, str(theirs_target))
        assert (ours.returncode, ours.stderr.replace(str(ours_target), "T")) == \
               (theirs.returncode, theirs.stderr.replace(str(theirs_target), "T")), name
        if name == "missing":
            assert not ours_target.exists() and not theirs_target.exists()


def test_put_and_get_of_directories_match_fsshell(cluster, fsshell, tmp_path):
    url = cluster.url
    tree = tmp_path / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "a.txt").write_bytes(b"alpha\n")
    (tree / "sub" / "b.bin").write_bytes(os.urandom(100_000))
    (tree / "sub" / "deeper" / "c").write_bytes(b"")
    assert rfs_dfs(url, "-put", str(tree), "/ours").returncode == 0
    assert fsshell(url, "-put", str(tree), "/theirs").returncode == 0
    def listing(root):
        return sorted((line.split()[0], line.split()[4], line.split()[-1].replace(root, "ROOT"))
                      for line in fsshell(url, "-ls", "-R", root).stdout.splitlines() if not line.startswith("Found"))
    assert listing("/ours") == listing("/theirs")
    assert fsshell(url, "-cat", "/ours/sub/b.bin", binary=True).stdout == (tree / "sub" / "b.bin").read_bytes()

    ours, theirs = tmp_path / "got-ours", tmp_path / "got-theirs"
    assert rfs_dfs(url, "-get", "/ours", str(ours)).returncode == 0
    assert fsshell(url, "-get", "/theirs", str(theirs)).returncode == 0
    def local_listing(root):
        return sorted((str(p.relative_to(root)), p.is_dir(), p.read_bytes() if p.is_file() else b"") for p in root.rglob("*"))
    assert local_listing(ours) == local_listing(theirs) == local_listing(tree)


def test_put_from_standard_input(cluster):
    """`-put - <dst>` writes standard input to <dst> (to <dst>/- when it is a directory), as
    Hadoop's Put does; an existing <dst> needs -f."""
    url = cluster.url
    client = hdfs_native.Client(url)
    data = os.urandom(200_000)

    def put(*args, stdin=data):
        return subprocess.run([RFS_BIN, "dfs", "-fs", url, "-put", *args], input=stdin, capture_output=True, timeout=120)

    assert put("-", "/stdin.bin").returncode == 0
    with client.read("/stdin.bin") as reader:
        assert reader.read() == data
    refused = put("-", "/stdin.bin")
    assert refused.returncode == 1 and refused.stderr == b"put: `/stdin.bin': File exists\n"
    assert put("-f", "-", "/stdin.bin", stdin=b"again").returncode == 0
    with client.read("/stdin.bin") as reader:
        assert reader.read() == b"again"
    client.mkdirs("/into")
    assert put("-", "/into", stdin=b"x").returncode == 0
    assert [s.path for s in client.list_status("/into")] == ["/into/-"]


def test_concat_matches_fsshell(cluster, fsshell, tmp_path):
    """-concat joins files of any length in one directory, as Hadoop 3's; its refusals read as
    FsShell's."""
    url = cluster.url
    client = hdfs_native.Client(url)
    parts = [os.urandom(n) for n in (70_000, 1_000, 5)]
    for root in ("/cr", "/cj"):
        for name, data in zip(("t", "a", "b"), parts):
            with client.create(f"{root}/{name}") as writer:
                writer.write(data)
        client.mkdirs(f"{root}/dir")
    for args in (("-concat", "{root}/t", "{root}/a", "{root}/b"), ("-concat", "{root}/t", "{root}/a"),
                 ("-concat",), ("-concat", "{root}/nope", "{root}/t", "{root}/dir"), ("-concat", "{root}/t", "{root}/dir", "{root}/x")):
        ours = rfs_dfs(url, *[a.replace("{root}", "/cr") for a in args])
        theirs = fsshell(url, *[a.replace("{root}", "/cj") for a in args])
        expected = (theirs.returncode, theirs.stdout.replace("/cj", "/cr"), theirs.stderr.replace("/cj", "/cr"))
        assert (ours.returncode, ours.stdout, ours.stderr) == expected, args
    for root in ("/cr", "/cj"):
        with client.read(f"{root}/t") as reader:
            assert reader.read() == b"".join(parts)
        assert sorted(s.path for s in client.list_status(root)) == [f"{root}/dir", f"{root}/t"]


def test_move_from_local_and_move_to_local_match_fsshell(cluster, fsshell, tmp_path):
    url = cluster.url
    client = hdfs_native.Client(url)
    data = os.urandom(100_000)
    for shell, root in (("rfs", "/mr"), ("java", "/mj")):
        run = (lambda *a: rfs_dfs(url, *a)) if shell == "rfs" else (lambda *a: fsshell(url, *a))
        local = tmp_path / f"{shell}.bin"
        local.write_bytes(data)
        moved = run("-moveFromLocal", str(local), f"{root}.bin")
        assert (moved.returncode, moved.stdout, moved.stderr) == (0, "", ""), shell
        assert not local.exists()
        with client.read(f"{root}.bin") as reader:
            assert reader.read() == data
        # A refused copy keeps the local file.
        local.write_bytes(b"again")
        refused = run("-moveFromLocal", str(local), f"{root}.bin")
        assert refused.returncode == 1 and refused.stderr == f"moveFromLocal: `{root}.bin': File exists\n", (shell, refused)
        assert local.exists()
    ours, theirs = rfs_dfs(url, "-moveToLocal", "/mr.bin", str(tmp_path / "x")), fsshell(url, "-moveToLocal", "/mr.bin", str(tmp_path / "x"))
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


def test_preserve_attributes_like_fsshell(cluster, fsshell, tmp_path):
    """-put -p, -get -p and -cp -p / -p[topax] keep what Hadoop's keep: times, owner and group,
    permission; files once in place, directories once their contents are copied."""
    url = cluster.url
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "f").write_bytes(b"preserved\n")
    os.chmod(tree / "sub" / "f", 0o640)
    os.chmod(tree / "sub", 0o750)
    os.utime(tree / "sub" / "f", (1_000_000_000.25, 1_100_000_000.5))
    os.utime(tree / "sub", (1_200_000_000, 1_300_000_000))

    def stat(path):
        # Hadoop's FsShell says what each copy holds: permission, owner, group, mtime, atime.
        run = fsshell(url, "-stat", "%a %u %g %Y %X", path)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert rfs_dfs(url, "-put", "-p", str(tree), "/keep-ours").returncode == 0
    assert fsshell(url, "-put", "-p", str(tree), "/keep-theirs").returncode == 0
    for suffix in ("/sub", "/sub/f"):
        assert stat("/keep-ours" + suffix) == stat("/keep-theirs" + suffix), suffix
    assert stat("/keep-ours/sub/f").split()[0] == "640" and stat("/keep-ours/sub/f").split()[3] == "1100000000500"

    for flag in ("-p", "-pt", "-pop"):
        assert rfs_dfs(url, "-cp", flag, "/keep-ours/sub", f"/cp-ours{flag}").returncode == 0
        assert fsshell(url, "-cp", flag, "/keep-ours/sub", f"/cp-theirs{flag}").returncode == 0
        for suffix in ("", "/f"):
            ours, theirs = stat(f"/cp-ours{flag}{suffix}").split(), stat(f"/cp-theirs{flag}{suffix}").split()
            if flag == "-pop":
                # Times are not kept: each copy's are its own.
                ours, theirs = ours[:3], theirs[:3]
            assert ours == theirs, (flag, suffix)
    bad = rfs_dfs(url, "-cp", "-pz", "/keep-ours/sub", "/cp-bad")
    assert bad.returncode != 0 and "No attribute for z" in bad.stderr

    for who, run in (("ours", rfs_dfs), ("theirs", fsshell)):
        assert run(url, "-get", "-p", "/keep-ours/sub", str(tmp_path / f"got-{who}")).returncode == 0
    for suffix in ("", "/f"):
        ours, theirs = os.stat(str(tmp_path / "got-ours") + suffix), os.stat(str(tmp_path / "got-theirs") + suffix)
        assert (ours.st_mode, ours.st_uid, ours.st_gid, ours.st_mtime_ns // 1_000_000) == \
               (theirs.st_mode, theirs.st_uid, theirs.st_gid, theirs.st_mtime_ns // 1_000_000), suffix
    assert oct(os.stat(tmp_path / "got-ours" / "f").st_mode & 0o777) == "0o640"
    assert os.stat(tmp_path / "got-ours" / "f").st_mtime_ns // 1_000_000 == 1_100_000_000_500
