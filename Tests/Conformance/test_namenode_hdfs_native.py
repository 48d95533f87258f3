"""The namenode's namespace (ClientProtocol) judged by hdfs-native, a Rust HDFS client from PyPI.

What HDFS does is the reference: every expectation here is HDFS's documented (or source-visible)
behaviour, and every refusal must reach the client as the Java exception class HDFS would send.

How hdfs-native (0.14) shows a server's RemoteException to Python:
- java.io.FileNotFoundException            -> FileNotFoundError (message only)
- org.apache.hadoop.fs.FileAlreadyExistsException and
  org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException -> FileExistsError (message only)
- any other class                          -> RuntimeError('RPCError("<class>", "<message>")')
So where no Python type exists, the test asserts the Java class name inside the message.

Acting as another user: hdfs-native sends HADOOP_USER_NAME (read when it connects), so a
non-superuser runs in a subprocess (`as_user`) with that variable set; the namenode's superuser
is whoever started it (the test user, root here).
"""
import concurrent.futures
import getpass
import json
import os
import subprocess
import sys
import time

import pytest
from hdfs_native import Client, WriteOptions

SUPERUSER = os.environ.get("HADOOP_USER_NAME", getpass.getuser())

FILE_NOT_FOUND = "java.io.FileNotFoundException"
ALREADY_EXISTS = "org.apache.hadoop.fs.FileAlreadyExistsException"
PARENT_NOT_DIRECTORY = "org.apache.hadoop.fs.ParentNotDirectoryException"
NOT_EMPTY = "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"
ACCESS_CONTROL = "org.apache.hadoop.security.AccessControlException"
INVALID_PATH = "org.apache.hadoop.fs.InvalidPathException"
COMPONENT_TOO_LONG = "org.apache.hadoop.hdfs.protocol.FSLimitException$PathComponentTooLongException"
IO_EXCEPTION = "java.io.IOException"

# setTimes' "leave this time alone" is -1 in a uint64 proto field; hdfs-native takes u64 values,
# so -1 is spelled as its bit pattern.
KEEP = 2**64 - 1


@pytest.fixture
def client(namenode):
    return Client(namenode.url)


def now_ms() -> int:
    return int(time.time() * 1000)


def touch(client: Client, path: str, **options) -> None:
    """Creates an empty file: create, write nothing, close (complete with no last block)."""
    client.create(path, WriteOptions(**options)).close()


def remote_error(exc_class: str, call, *args, **kwargs) -> str:
    """Runs `call`, which must fail with the Java class `exc_class`; returns the message."""
    with pytest.raises(Exception) as raised:
        call(*args, **kwargs)
    error = raised.value
    if exc_class == FILE_NOT_FOUND:
        assert isinstance(error, FileNotFoundError), repr(error)
    elif exc_class == ALREADY_EXISTS:
        assert isinstance(error, FileExistsError), repr(error)
    else:
        assert isinstance(error, RuntimeError), repr(error)
        assert exc_class in str(error), repr(error)
    return str(error)


# --- acting as another user (a subprocess, since hdfs-native reads HADOOP_USER_NAME) ---------

_AS_USER = r"""
import json, sys
from hdfs_native import Client, WriteOptions
url, calls = json.loads(sys.stdin.read())
client = Client(url)
out = []
for method, args in calls:
    try:
        if method == "touch":
            client.create(args[0], WriteOptions()).close()
            result = None
        elif method == "get_file_info":
            s = client.get_file_info(*args)
            result = {"owner": s.owner, "group": s.group, "permission": s.permission, "isdir": s.isdir}
        elif method == "list_status":
            result = [s.path for s in client.list_status(*args)]
        else:
            result = getattr(client, method)(*args)
        out.append(["ok", result])
    except Exception as error:
        out.append([type(error).__name__, str(error)])
print(json.dumps(out))
"""


def as_user(url: str, user: str, *calls):
    """Runs hdfs-native calls [(method, [args...]), ...] as `user`; returns [(outcome, value)]:
    ("ok", result) or (Python exception type name, message)."""
    env = dict(os.environ, HADOOP_USER_NAME=user)
    proc = subprocess.run([sys.executable, "-c", _AS_USER], input=json.dumps([url, calls]), env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [tuple(item) for item in json.loads(proc.stdout)]


def assert_denied(outcome):
    kind, message = outcome
    assert kind == "RuntimeError" and ACCESS_CONTROL in message, outcome


# --- mkdirs, get_file_info -----------------------------------------------------------------

def test_mkdirs_and_file_info(client):
    before = now_ms()
    client.mkdirs("/a")                                  # parent exists: no create_parent needed
    after = now_ms()
    status = client.get_file_info("/a")
    assert status.isdir
    assert status.path == "/a"
    assert status.length == 0
    assert status.owner == SUPERUSER
    assert status.group == "supergroup"                  # a new inode takes its parent's group
    assert status.permission == 0o755
    assert before - 2000 <= status.modification_time <= after + 2000

    client.mkdirs("/x/y/z", create_parent=True)
    for path in ("/x", "/x/y", "/x/y/z"):
        assert client.get_file_info(path).isdir, path

    client.mkdirs("/a")                                  # mkdirs of an existing directory succeeds
    client.mkdirs("/x/y/z", create_parent=True)
    client.mkdirs("/perm", permission=0o700)
    assert client.get_file_info("/perm").permission == 0o700
    client.mkdirs("/a/", permission=0o755)               # a trailing slash names the same directory
    assert [s.path for s in client.list_status("/a")] == []


def test_mkdirs_without_create_parent_needs_the_parent(client):
    remote_error(FILE_NOT_FOUND, client.mkdirs, "/missing/child")
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/missing")


def test_mkdirs_updates_the_parent_mtime(client):
    client.mkdirs("/p")
    client.set_times("/p", 1_000_000, KEEP)
    assert client.get_file_info("/p").modification_time == 1_000_000
    before = now_ms()
    client.mkdirs("/p/c")
    assert client.get_file_info("/p").modification_time >= before - 2000


def test_root_status(client):
    root = client.get_file_info("/")
    assert root.isdir and root.path == "/"
    assert root.owner == SUPERUSER and root.group == "supergroup"
    assert root.permission == 0o755


# --- create / close an empty file ----------------------------------------------------------

def test_create_and_close_an_empty_file(client):
    client.mkdirs("/d")
    before = now_ms()
    touch(client, "/d/f")
    status = client.get_file_info("/d/f")
    assert not status.isdir
    assert status.length == 0
    assert status.owner == SUPERUSER
    assert status.group == "supergroup"
    assert status.permission == 0o644                    # hdfs-native's default create permission
    assert status.replication and status.replication > 0
    assert status.blocksize and status.blocksize > 0
    assert status.modification_time >= before - 2000
    assert status.access_time >= before - 2000

    touch(client, "/d/g", replication=2, block_size=1 << 20, permission=0o600)
    status = client.get_file_info("/d/g")
    assert (status.replication, status.blocksize, status.permission) == (2, 1 << 20, 0o600)

    # create_parent (hdfs-native's default) makes the missing parents, each with the deepest
    # existing ancestor's permission plus u+wx and no sticky bit (HDFS's
    # createAncestorDirectories): never more open than what was already there.
    touch(client, "/deep/er/file")
    assert client.get_file_info("/deep/er").isdir
    assert client.get_file_info("/deep/er/file").length == 0
    assert [client.get_file_info(p).permission for p in ("/deep", "/deep/er")] == [0o755, 0o755]
    client.mkdirs("/shared", permission=0o1777)
    client.mkdirs("/closed", permission=0o050)
    touch(client, "/shared/x/y/file", permission=0o600)
    touch(client, "/closed/x/file")
    assert [client.get_file_info(p).permission for p in ("/shared/x", "/shared/x/y", "/closed/x")] == [0o777, 0o777, 0o350]

    listing = [(s.path, s.isdir, s.length) for s in client.list_status("/d")]
    assert listing == [("/d/f", False, 0), ("/d/g", False, 0)]


def test_create_existing_file(client):
    touch(client, "/f")
    remote_error(ALREADY_EXISTS, touch, client, "/f")
    touch(client, "/f", overwrite=True, permission=0o640)
    assert client.get_file_info("/f").permission == 0o640
    client.mkdirs("/dir")
    remote_error(ALREADY_EXISTS, touch, client, "/dir")            # a directory is in the way
    remote_error(ALREADY_EXISTS, touch, client, "/dir", overwrite=True)
    assert client.get_file_info("/dir").isdir


def test_create_without_create_parent_needs_the_parent(client):
    remote_error(FILE_NOT_FOUND, touch, client, "/nope/f", create_parent=False)


def test_a_file_open_for_writing_is_visible_and_leased(namenode, client):
    writer = client.create("/open", WriteOptions())
    try:
        status = client.get_file_info("/open")
        assert not status.isdir and status.length == 0
        # Another client (another lease holder) cannot create the same path.
        other = Client(namenode.url)
        remote_error(ALREADY_EXISTS, touch, other, "/open")
    finally:
        writer.close()
    assert client.get_file_info("/open").length == 0


def test_overwrite_replaces_a_file_another_client_has_open(namenode, client):
    """HDFS's create with OVERWRITE deletes whatever file is there, open or not, without
    asking its lease holder (FSDirWriteFileOp.startFile); the old writer then cannot complete."""
    writer = client.create("/open", WriteOptions(permission=0o644))
    try:
        other = Client(namenode.url)
        touch(other, "/open", overwrite=True, permission=0o600)
        assert client.get_file_info("/open").permission == 0o600
        with pytest.raises(Exception):
            writer.close()
        assert client.get_file_info("/open").permission == 0o600
    finally:
        # An unclosed writer keeps renewing its lease and, once the namenode is gone, holds the
        # interpreter's exit for minutes: close it while the namenode still answers.
        try:
            writer.close()
        except Exception:
            pass


# --- list_status -------------------------------------------------------------------------

def test_list_status(client):
    client.mkdirs("/l/sub", create_parent=True)
    touch(client, "/l/b-file")
    touch(client, "/l/a-file")
    client.mkdirs("/l/sub/inner")
    entries = list(client.list_status("/l"))
    assert [(s.path, s.isdir) for s in entries] == [("/l/a-file", False), ("/l/b-file", False), ("/l/sub", True)]
    assert all(s.owner == SUPERUSER and s.group == "supergroup" for s in entries)

    recursive = sorted(s.path for s in client.list_status("/l", recursive=True))
    assert recursive == ["/l/a-file", "/l/b-file", "/l/sub", "/l/sub/inner"]

    # Listing a file lists the file itself (HDFS getListing on a file: one entry, empty name).
    assert [(s.path, s.isdir) for s in client.list_status("/l/a-file")] == [("/l/a-file", False)]
    assert list(client.list_status("/l/sub/inner")) == []

    with pytest.raises(FileNotFoundError):
        list(client.list_status("/l/missing"))


def test_listing_of_5000_entries_is_paged_and_sorted(client):
    client.mkdirs("/big")
    names = [f"e{i}" for i in range(5000)]              # unpadded: byte order != numeric order
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda name: client.mkdirs(f"/big/{name}"), names))
    listed = [s.path for s in client.list_status("/big")]
    assert len(listed) == 5000                          # > dfs.ls.limit (1000): several pages
    assert listed == [f"/big/{name}" for name in sorted(names)]
    summary = client.get_content_summary("/big")
    assert summary.directory_count == 5001 and summary.file_count == 0


def test_listing_order_is_hdfs_byte_order(client):
    """HDFS orders children by their UTF-8 bytes compared as *signed* bytes
    (DFSUtilClient.compareBytes uses SignedBytes.lexicographicalComparator), so names with
    non-ASCII bytes (>= 0x80, negative) come before ASCII ones, and 'B' < 'a'."""
    client.mkdirs("/o")
    names = ["a", "B", "é", "Z", "_", "0", "ab", "a-"]
    for name in names:
        client.mkdirs(f"/o/{name}")
    signed = sorted(names, key=lambda n: [b - 256 if b >= 128 else b for b in n.encode()])
    assert [s.path.rsplit("/", 1)[1] for s in client.list_status("/o")] == signed


# --- rename ------------------------------------------------------------------------------

def test_rename_file_and_directory(client):
    client.mkdirs("/r/d/child", create_parent=True)
    touch(client, "/r/f")
    client.rename("/r/f", "/r/g")
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/r/f")
    assert not client.get_file_info("/r/g").isdir

    client.rename("/r/d", "/r/e")                       # a whole subtree moves
    assert client.get_file_info("/r/e/child").isdir
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/r/d")

    client.mkdirs("/other")
    client.rename("/r/g", "/other/g")                   # across directories
    assert [s.path for s in client.list_status("/r")] == ["/r/e"]
    assert [s.path for s in client.list_status("/other")] == ["/other/g"]


def test_rename_overwrite_replaces_an_existing_file(client):
    touch(client, "/src", permission=0o600)
    touch(client, "/dst", permission=0o644)
    remote_error(ALREADY_EXISTS, client.rename, "/src", "/dst")       # rename2 without OVERWRITE
    assert client.get_file_info("/src").permission == 0o600
    client.rename("/src", "/dst", overwrite=True)
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/src")
    assert client.get_file_info("/dst").permission == 0o600
    assert [s.path for s in client.list_status("/")] == ["/dst"]


def test_rename_overwrite_of_directories(client):
    client.mkdirs("/s/child", create_parent=True)
    client.mkdirs("/empty")
    client.mkdirs("/full/x", create_parent=True)
    touch(client, "/file")
    # HDFS: an empty directory may be replaced by a directory; a non-empty one may not.
    message = remote_error(IO_EXCEPTION, client.rename, "/s", "/full", overwrite=True)
    assert "not empty" in message
    client.rename("/s", "/empty", overwrite=True)
    assert client.get_file_info("/empty/child").isdir
    # A file and a directory never replace each other.
    remote_error(IO_EXCEPTION, client.rename, "/file", "/full", overwrite=True)
    remote_error(IO_EXCEPTION, client.rename, "/full", "/file", overwrite=True)
    assert client.get_file_info("/full/x").isdir and not client.get_file_info("/file").isdir


def test_rename_errors(client):
    client.mkdirs("/a/b", create_parent=True)
    remote_error(FILE_NOT_FOUND, client.rename, "/missing", "/m2")
    remote_error(FILE_NOT_FOUND, client.rename, "/a", "/no/parent")   # destination parent missing
    remote_error(IO_EXCEPTION, client.rename, "/a", "/a/b/c")         # into its own subtree
    remote_error(ALREADY_EXISTS, client.rename, "/a", "/a")           # rename2 onto itself
    touch(client, "/file")
    remote_error(PARENT_NOT_DIRECTORY, client.rename, "/a", "/file/a")
    assert client.get_file_info("/a/b").isdir


# --- delete ------------------------------------------------------------------------------

def test_delete(client):
    client.mkdirs("/t/sub/deeper", create_parent=True)
    touch(client, "/t/sub/file")
    touch(client, "/t/file")
    client.mkdirs("/t/empty")

    assert client.delete("/t/file") is True
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/t/file")
    assert client.delete("/t/empty") is True            # an empty directory, non-recursively

    message = remote_error(NOT_EMPTY, client.delete, "/t/sub", False)
    assert "/t/sub" in message
    assert client.get_file_info("/t/sub/file").length == 0

    assert client.delete("/t", True) is True
    for path in ("/t", "/t/sub", "/t/sub/deeper", "/t/sub/file"):
        with pytest.raises(FileNotFoundError):
            client.get_file_info(path)
    assert list(client.list_status("/")) == []

    assert client.delete("/t", True) is False           # HDFS: deleting a missing path is false
    assert client.delete("/never/was") is False


def test_the_root_is_never_deleted(client):
    client.mkdirs("/keep")
    try:
        assert client.delete("/", True) is False
    except RuntimeError:
        pass                                            # refusing outright is fine too
    assert client.get_file_info("/").isdir
    assert client.get_file_info("/keep").isdir


# --- attributes ----------------------------------------------------------------------------

def test_set_permission(client):
    client.mkdirs("/perm")
    touch(client, "/perm/f")
    client.set_permission("/perm/f", 0o600)
    assert client.get_file_info("/perm/f").permission == 0o600
    client.set_permission("/perm", 0o1777)              # the sticky bit is part of the permission
    assert client.get_file_info("/perm").permission == 0o1777
    client.set_permission("/perm", 0o750)
    assert client.get_file_info("/perm").permission == 0o750
    remote_error(FILE_NOT_FOUND, client.set_permission, "/nope", 0o700)


def test_set_owner(client):
    touch(client, "/o")
    client.set_owner("/o", "alice", "staff")            # the superuser may give anything away
    status = client.get_file_info("/o")
    assert (status.owner, status.group) == ("alice", "staff")
    client.set_owner("/o", group="other")               # only the group; the owner stays
    status = client.get_file_info("/o")
    assert (status.owner, status.group) == ("alice", "other")
    client.set_owner("/o", owner="bob")                 # only the owner; the group stays
    status = client.get_file_info("/o")
    assert (status.owner, status.group) == ("bob", "other")
    remote_error(FILE_NOT_FOUND, client.set_owner, "/nope", "alice", "staff")


def test_set_times(client):
    touch(client, "/tm")
    client.mkdirs("/tdir")
    client.set_times("/tm", 1_234_567_000, 1_111_111_000)
    status = client.get_file_info("/tm")
    assert (status.modification_time, status.access_time) == (1_234_567_000, 1_111_111_000)
    client.set_times("/tm", KEEP, 1_500_000_000_000)    # -1: leave that time alone
    status = client.get_file_info("/tm")
    assert (status.modification_time, status.access_time) == (1_234_567_000, 1_500_000_000_000)
    client.set_times("/tm", 1_600_000_000_000, KEEP)
    status = client.get_file_info("/tm")
    assert (status.modification_time, status.access_time) == (1_600_000_000_000, 1_500_000_000_000)
    client.set_times("/tdir", 42_000, KEEP)
    assert client.get_file_info("/tdir").modification_time == 42_000
    remote_error(FILE_NOT_FOUND, client.set_times, "/nope", 1, 1)


def test_set_replication(client):
    touch(client, "/rep", replication=3)
    assert client.set_replication("/rep", 2) is True
    assert client.get_file_info("/rep").replication == 2
    client.mkdirs("/repdir")
    assert client.set_replication("/repdir", 2) is False  # HDFS: false for a directory
    assert client.set_replication("/nope", 2) is False    # ... and for a missing path


def test_get_content_summary(client):
    client.mkdirs("/cs/a/aa", create_parent=True)
    client.mkdirs("/cs/b")
    for path in ("/cs/f1", "/cs/a/f2", "/cs/a/aa/f3"):
        touch(client, path)
    summary = client.get_content_summary("/cs")
    assert summary.directory_count == 4                 # /cs, /cs/a, /cs/a/aa, /cs/b
    assert summary.file_count == 3
    assert summary.length == 0
    assert summary.space_consumed == 0
    leaf = client.get_content_summary("/cs/a/f2")
    assert (leaf.directory_count, leaf.file_count, leaf.length) == (0, 1, 0)
    root = client.get_content_summary("/")
    assert (root.directory_count, root.file_count) == (5, 3)
    remote_error(FILE_NOT_FOUND, client.get_content_summary, "/nope")


# --- error classes -------------------------------------------------------------------------

def test_file_not_found_cases(client):
    with pytest.raises(FileNotFoundError):
        client.get_file_info("/nope")                   # a reply without `fs`
    with pytest.raises(FileNotFoundError):
        list(client.list_status("/nope"))               # a reply without `dirList`
    remote_error(FILE_NOT_FOUND, client.mkdirs, "/nope/x", 0o755, False)


def test_a_path_through_a_file(client):
    """HDFS (FSDirectory.resolvePath) checks that every existing ancestor is a directory: for
    operations that create it throws ParentNotDirectoryException("/file (is not a directory)"),
    for all others it rethrows that as an AccessControlException with the same message."""
    touch(client, "/file")
    remote_error(ACCESS_CONTROL, client.get_file_info, "/file/below")
    remote_error(ACCESS_CONTROL, lambda: list(client.list_status("/file/below")))
    remote_error(ACCESS_CONTROL, client.delete, "/file/below", True)
    remote_error(ACCESS_CONTROL, client.set_permission, "/file/below", 0o700)
    remote_error(PARENT_NOT_DIRECTORY, client.mkdirs, "/file/below", 0o755, True)


def test_file_already_exists_cases(client):
    touch(client, "/f")
    remote_error(ALREADY_EXISTS, client.mkdirs, "/f")                    # mkdirs over a file
    remote_error(ALREADY_EXISTS, client.mkdirs, "/f", 0o755, True)
    remote_error(ALREADY_EXISTS, touch, client, "/f")                    # create without overwrite
    assert not client.get_file_info("/f").isdir


def test_parent_not_directory_cases(client):
    touch(client, "/f")
    remote_error(PARENT_NOT_DIRECTORY, client.mkdirs, "/f/sub", 0o755, True)
    remote_error(PARENT_NOT_DIRECTORY, client.mkdirs, "/f/sub/deeper", 0o755, True)
    remote_error(PARENT_NOT_DIRECTORY, touch, client, "/f/child")
    assert [(s.path, s.isdir) for s in client.list_status("/")] == [("/f", False)]


def test_path_is_not_empty_directory(client):
    client.mkdirs("/full/x", create_parent=True)
    remote_error(NOT_EMPTY, client.delete, "/full", False)
    assert client.get_file_info("/full/x").isdir


@pytest.mark.parametrize("path", ["/a/../b", "/a/./b", "/..", "/a:b", "/a//b", "/x/y:z"])
def test_invalid_paths(client, path):
    client.mkdirs("/a")
    remote_error(INVALID_PATH, client.mkdirs, path, 0o755, True)
    remote_error(INVALID_PATH, touch, client, path)
    assert sorted(s.path for s in client.list_status("/")) == ["/a"]
    assert list(client.list_status("/a")) == []


def test_path_component_too_long(client):
    client.mkdirs("/" + "x" * 255)                      # dfs.namenode.fs-limits.max-component-length
    message = remote_error(COMPONENT_TOO_LONG, client.mkdirs, "/" + "y" * 256)
    assert "limit=255" in message and "length=256" in message
    client.mkdirs("/short")
    remote_error(COMPONENT_TOO_LONG, client.mkdirs, "/short/" + "é" * 128)  # 256 bytes, 128 chars
    client.mkdirs("/short/" + "é" * 127 + "e")                              # 255 bytes
    remote_error(COMPONENT_TOO_LONG, touch, client, "/" + "z" * 256)
    remote_error(COMPONENT_TOO_LONG, client.rename, "/short", "/" + "w" * 256)
    assert sorted(s.path for s in client.list_status("/")) == ["/short", "/" + "x" * 255]


def test_error_messages_use_hdfs_wording(client):
    """Users read these (FsShell prints them after "cmd: "): HDFS's own wording, each once."""
    touch(client, "/f")
    client.mkdirs("/a/b", create_parent=True)
    cases = [  # (call, HDFS's message)
        (lambda: client.delete("/a", False), "`/a is non empty': Directory is not empty"),
        (lambda: touch(client, "/f"), "/f for client 127.0.0.1 already exists"),
        (lambda: client.mkdirs("/f"), "Path is not a directory: /f"),
        (lambda: client.rename("/f", "/f"), "The source /f and destination /f are the same"),
        (lambda: client.mkdirs("/nope/x"), "Parent directory doesn't exist: /nope"),
        (lambda: client.rename("/a", "/no/parent"), "rename destination parent /no/parent not found."),
        (lambda: client.rename("/a", "/a/b/c"), "Rename destination /a/b/c is a directory or file under source /a"),
    ]
    wrong = []
    for call, expected in cases:
        try:
            call()
        except (FileNotFoundError, FileExistsError) as error:
            message = str(error)
        except RuntimeError as error:  # 'RPCError("<class>", "<message>")'
            message = str(error).split('", "', 1)[1][:-2]
        else:
            wrong.append(f"no error where HDFS says: {expected}")
            continue
        if message != expected:
            wrong.append(f"got {message!r}, HDFS says {expected!r}")
    assert not wrong, "\n".join(wrong)


# --- permissions: a non-superuser ------------------------------------------------------------

def test_access_control_for_a_non_superuser(namenode, client):
    client.mkdirs("/locked")                            # root:supergroup 0755
    touch(client, "/locked/rootfile")
    client.mkdirs("/open")
    client.set_permission("/open", 0o777)
    client.mkdirs("/private/inside", create_parent=True)
    client.set_permission("/private", 0o700)

    outcomes = as_user(
        namenode.url, "alice",
        ("mkdirs", ["/locked/x", 0o755, False]),
        ("touch", ["/locked/y"]),
        ("delete", ["/locked/rootfile", False]),
        ("set_owner", ["/locked/rootfile", "alice", None]),
        ("set_permission", ["/locked/rootfile", 0o777]),
        ("rename", ["/locked/rootfile", "/open/stolen", False]),
        ("list_status", ["/private"]),
        ("get_file_info", ["/private/inside"]),
        ("get_file_info", ["/locked/rootfile"]),          # 0755 parents: reading is fine
        ("mkdirs", ["/open/mine", 0o755, False]),
        ("get_file_info", ["/open/mine"]),
        ("set_permission", ["/open/mine", 0o700]),        # the owner may chmod
        ("set_owner", ["/open/mine", "bob", None]),       # only the superuser may chown
    )
    for outcome in outcomes[:8]:
        assert_denied(outcome)
    assert outcomes[8][0] == "ok" and outcomes[8][1]["owner"] == SUPERUSER
    assert outcomes[9] == ("ok", None)
    mine = outcomes[10][1]
    assert (mine["owner"], mine["group"], mine["isdir"]) == ("alice", "supergroup", True)
    assert outcomes[11] == ("ok", None)
    assert_denied(outcomes[12])

    # Nothing changed where alice was refused; the superuser sees through 0700.
    assert [s.path for s in client.list_status("/locked")] == ["/locked/rootfile"]
    assert client.get_file_info("/locked/rootfile").owner == SUPERUSER
    assert client.get_file_info("/locked/rootfile").permission == 0o644
    assert client.get_file_info("/open/mine").permission == 0o700
    assert client.get_file_info("/open/mine").owner == "alice"
    assert client.get_file_info("/private/inside").isdir


def test_sticky_directory_protects_other_users_files(namenode, client):
    client.mkdirs("/tmp")
    client.set_permission("/tmp", 0o1777)
    assert as_user(namenode.url, "alice", ("touch", ["/tmp/alices"])) == [("ok", None)]
    bob = as_user(namenode.url, "bob",
                  ("delete", ["/tmp/alices", False]),
                  ("rename", ["/tmp/alices", "/tmp/bobs", False]),
                  ("touch", ["/tmp/bobs"]),
                  ("delete", ["/tmp/bobs", False]))
    assert_denied(bob[0])
    assert_denied(bob[1])
    assert bob[2] == ("ok", None) and bob[3] == ("ok", True)
    assert client.get_file_info("/tmp/alices").owner == "alice"
