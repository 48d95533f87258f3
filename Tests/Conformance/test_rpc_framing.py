"""Hadoop RPC framing, judged by hdfs-native (a Rust HDFS client from PyPI) against `rfs namenode`."""
import getpass
import os
import signal
import socket
import struct

import pytest
from hdfs_native import Client


def test_hdfs_native_reads_root_status(namenode):
    status = Client(namenode.url).get_file_info("/")
    assert status.isdir
    assert status.path == "/"
    assert status.length == 0
    assert status.permission == 0o755
    assert status.owner == os.environ.get("HADOOP_USER_NAME", getpass.getuser())
    assert status.group == "supergroup"
    assert status.modification_time > 0


def test_missing_path_is_file_not_found(namenode):
    with pytest.raises(FileNotFoundError):
        Client(namenode.url).get_file_info("/no/such/path")


def test_empty_root_lists_empty(namenode):
    assert list(Client(namenode.url).list_status("/")) == []


def _raw(port, payload, read=True):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        if not read:
            return b""
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


@pytest.mark.parametrize("payload", [
    b"xrpc\x09\x00\x00",                                     # wrong magic
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",                    # a browser on the RPC port
    b"hrpc\x09\x00\x00" + struct.pack(">I", 100) + b"x" * 10,  # truncated frame
    b"hrpc\x09\x00\x00" + struct.pack(">I", 2**31),            # 2 GiB length prefix
    b"hrpc\x09\x00\x00" + struct.pack(">I", 0xFFFFFFFF),       # 4 GiB - 1
    b"hrpc\x09\x00\x00" + struct.pack(">I", 5) + b"\xff" * 5,  # garbage header
    b"hrpc\x07\x00\x00",                                     # old protocol version
    b"hrpc\x09\x00\x51",                                     # unknown auth protocol
])
def test_bad_input_gets_an_answer_or_a_close_and_the_server_lives(namenode, payload):
    _raw(namenode.port, payload)
    assert namenode.alive()
    # The same server still serves a real client afterwards.
    assert Client(namenode.url).get_file_info("/").isdir


def test_oversized_frame_is_refused_with_a_fatal_reply(namenode):
    reply = _raw(namenode.port, b"hrpc\x09\x00\x00" + struct.pack(">I", 2**31))
    assert len(reply) > 4
    (length,) = struct.unpack(">I", reply[:4])
    assert length == len(reply) - 4
    assert b"exceeds the limit" in reply
    assert b"org.apache.hadoop.ipc.IpcException" in reply


def test_sigterm_stops_the_namenode_cleanly(namenode):
    namenode.proc.send_signal(signal.SIGTERM)
    assert namenode.proc.wait(timeout=10) == 0
    assert "namenode stopped" in namenode.log_text()
