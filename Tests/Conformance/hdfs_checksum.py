"""HDFS's MD5-of-MD5-of-CRC32C file checksum, computed here independently of rfs so the
datanodes' BLOCK_CHECKSUM answers (as combined by Hadoop's client) can be judged."""
import hashlib
import struct

_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def md5_md5_crc32c(data: bytes, block_size: int = 128 << 20, bytes_per_crc: int = 512) -> str:
    """The hex digest FsShell -checksum prints after its algorithm name."""
    block_md5s = b""
    for start in range(0, max(len(data), 1), block_size):
        block = data[start:start + block_size]
        sums = b"".join(struct.pack(">I", crc32c(block[i:i + bytes_per_crc]))
                        for i in range(0, len(block), bytes_per_crc))
        block_md5s += hashlib.md5(sums).digest()
    # Hadoop's client digests the whole backing array of the DataOutputBuffer the block MD5s
    # were written to (java.io.ByteArrayOutputStream: 32 bytes, doubling as it fills), so the
    # unused tail of zeros is part of the file checksum.
    capacity = 32
    while capacity < len(block_md5s):
        capacity *= 2
    return hashlib.md5(block_md5s + bytes(capacity - len(block_md5s))).hexdigest()
