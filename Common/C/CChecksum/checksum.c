#include "cchecksum.h"

#include <isa-l/crc.h>
#include <limits.h>
#include <string.h>

// ISA-L takes an int length for CRC32C; larger buffers go through in slices of 1 GiB.
#define RFS_SLICE_BYTES ((size_t)1 << 30)

uint32_t rfs_crc32c_update(uint32_t crc, const void *buf, size_t len) {
    // ISA-L's crc32_iscsi neither pre- nor post-inverts; the standard CRC32C does both.
    uint32_t state = ~crc;
    const unsigned char *p = (const unsigned char *)buf;
    while (len > 0) {
        size_t n = len < RFS_SLICE_BYTES ? len : RFS_SLICE_BYTES;
        state = crc32_iscsi((unsigned char *)p, (int)n, state);
        p += n;
        len -= n;
    }
    return ~state;
}

uint32_t rfs_crc32_update(uint32_t crc, const void *buf, size_t len) {
    // crc32_gzip_refl already inverts on entry and exit, exactly like zlib's crc32.
    return crc32_gzip_refl(crc, (const unsigned char *)buf, (uint64_t)len);
}

static inline uint32_t rfs_sum(int type, const unsigned char *p, size_t n) {
    return type == RFS_CHECKSUM_CRC32C ? rfs_crc32c_update(0, p, n) : rfs_crc32_update(0, p, n);
}

static inline void rfs_store_be32(unsigned char *out, uint32_t v) {
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

static inline uint32_t rfs_load_be32(const unsigned char *in) {
    return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) | (uint32_t)in[3];
}

static int rfs_valid(int type, uint32_t bytes_per_checksum) {
    return (type == RFS_CHECKSUM_CRC32C || type == RFS_CHECKSUM_CRC32) && bytes_per_checksum > 0;
}

int64_t rfs_chunked_sums_compute(int type, const void *data, size_t len,
                                 uint32_t bytes_per_checksum, void *sums) {
    if (!rfs_valid(type, bytes_per_checksum)) return -1;
    const unsigned char *p = (const unsigned char *)data;
    unsigned char *out = (unsigned char *)sums;
    int64_t count = 0;
    for (size_t off = 0; off < len; off += bytes_per_checksum, count++) {
        size_t n = len - off < bytes_per_checksum ? len - off : bytes_per_checksum;
        rfs_store_be32(out + 4 * count, rfs_sum(type, p + off, n));
    }
    return count;
}

int64_t rfs_chunked_sums_verify(int type, const void *data, size_t len,
                                uint32_t bytes_per_checksum, const void *sums,
                                uint32_t *expected_out, uint32_t *actual_out) {
    if (!rfs_valid(type, bytes_per_checksum)) return -2;
    const unsigned char *p = (const unsigned char *)data;
    const unsigned char *in = (const unsigned char *)sums;
    int64_t index = 0;
    for (size_t off = 0; off < len; off += bytes_per_checksum, index++) {
        size_t n = len - off < bytes_per_checksum ? len - off : bytes_per_checksum;
        uint32_t actual = rfs_sum(type, p + off, n);
        uint32_t expected = rfs_load_be32(in + 4 * index);
        if (actual != expected) {
            if (expected_out) *expected_out = expected;
            if (actual_out) *actual_out = actual;
            return index;
        }
    }
    return -1;
}
