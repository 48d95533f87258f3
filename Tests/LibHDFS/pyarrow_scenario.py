"""pyarrow's HadoopFileSystem on rfs's libhdfs.so, run by Tests/Conformance/test_libhdfs.py in
its own process (pyarrow loads libhdfs once per process, from ARROW_LIBHDFS_DIR, after a
libjvm.so from JAVA_HOME, which the test points at our empty stub).

    python pyarrow_scenario.py <namenode host> <namenode port> <libhdfs dir>
"""
import sys

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

host, port, libhdfs_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]

fs = pafs.HadoopFileSystem(host, port, replication=2)
File, Directory, NotFound = pafs.FileType.File, pafs.FileType.Directory, pafs.FileType.NotFound

# The library pyarrow loaded is ours, and no JVM is in the process.
maps = open("/proc/self/maps").read()
assert f"{libhdfs_dir}/libhdfs.so" in maps, "pyarrow did not load rfs's libhdfs.so"
assert "libjvm.so" not in maps or f"{libhdfs_dir}/jvm-stub" in maps, "a real libjvm.so was loaded"

# create_dir and get_file_info, single and with a recursive selector.
fs.create_dir("/pa/data/nested")
info = fs.get_file_info("/pa/data")
assert info.type == Directory, info
assert fs.get_file_info("/pa/missing").type == NotFound
payload = bytes(range(256)) * 40_000  # 10 MB, several packets and READ_BLOCKs
with fs.open_output_stream("/pa/data/blob") as out:
    for start in range(0, len(payload), 1 << 20):
        out.write(payload[start:start + (1 << 20)])
with fs.open_output_stream("/pa/data/nested/small.txt") as out:
    out.write(b"hello from pyarrow\n")
info = fs.get_file_info("/pa/data/blob")
assert info.type == File and info.size == len(payload), info
assert info.mtime is not None
listing = {i.path: i for i in fs.get_file_info(pafs.FileSelector("/pa", recursive=True))}
assert set(listing) == {"/pa/data", "/pa/data/blob", "/pa/data/nested", "/pa/data/nested/small.txt"}, listing
assert listing["/pa/data/nested/small.txt"].size == 19
flat = fs.get_file_info(pafs.FileSelector("/pa/data"))
assert sorted(i.base_name for i in flat) == ["blob", "nested"], flat

# Reading: a stream, and random access with read_at.
with fs.open_input_stream("/pa/data/blob") as stream:
    assert stream.read() == payload
with fs.open_input_file("/pa/data/blob") as f:
    assert f.size() == len(payload)
    assert f.read_at(1000, 5_000_000) == payload[5_000_000:5_001_000]
    assert f.read_at(100, len(payload) - 10) == payload[-10:]
    f.seek(123)
    assert f.read(7) == payload[123:130]

# copy_file, move (onto an existing file too), delete_file.
fs.copy_file("/pa/data/blob", "/pa/data/copy")
with fs.open_input_stream("/pa/data/copy") as stream:
    assert stream.read() == payload
fs.move("/pa/data/copy", "/pa/data/moved")
assert fs.get_file_info("/pa/data/copy").type == NotFound
fs.move("/pa/data/nested/small.txt", "/pa/data/moved")  # replaces the file, as pyarrow's HDFS move does
with fs.open_input_stream("/pa/data/moved") as stream:
    assert stream.read() == b"hello from pyarrow\n"
fs.delete_file("/pa/data/moved")
assert fs.get_file_info("/pa/data/moved").type == NotFound
try:
    fs.delete_file("/pa/data/nested")
    raise AssertionError("delete_file of a directory succeeded")
except OSError:
    pass

# A Parquet dataset written and read back, partitioned, through pyarrow.parquet.
table = pa.table({
    "id": pa.array(range(50_000), pa.int64()),
    "group": pa.array([f"g{i % 5}" for i in range(50_000)]),
    "value": pa.array([i * 0.5 for i in range(50_000)]),
})
pq.write_to_dataset(table, "/pa/parquet", partition_cols=["group"], filesystem=fs)
parts = [i for i in fs.get_file_info(pafs.FileSelector("/pa/parquet", recursive=True)) if i.type == File]
assert len(parts) == 5, parts
back = pq.read_table("/pa/parquet", filesystem=fs).sort_by("id")
assert back.num_rows == 50_000
assert back.column("id").to_pylist() == list(range(50_000))
assert back.column("value").to_pylist() == [i * 0.5 for i in range(50_000)]
assert sorted(set(back.column("group").to_pylist())) == [f"g{i}" for i in range(5)]
filtered = ds.dataset("/pa/parquet", filesystem=fs, format="parquet", partitioning="hive").to_table(filter=ds.field("group") == "g3")
assert filtered.num_rows == 10_000
pq.write_table(table, "/pa/single.parquet", filesystem=fs)
assert pq.read_table("/pa/single.parquet", filesystem=fs).equals(table)

# delete_dir_contents leaves the directory, empty.
fs.delete_dir_contents("/pa")
assert fs.get_file_info("/pa").type == Directory
assert fs.get_file_info(pafs.FileSelector("/pa", recursive=True)) == []
fs.delete_dir("/pa")
print("pyarrow scenario passed")
