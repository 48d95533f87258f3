// Checksums for rfs through ISA-L (Intel's storage acceleration library).
// The per-chunk loops live here, in C, so that checksumming a 64 KiB packet of 512-byte
// chunks is one call from Swift rather than 128 calls with bounds checks in between.
#ifndef RFS_CCHECKSUM_H
#define RFS_CCHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Checksum algorithms, numbered as HDFS's DataChecksum.Type so the ids can go on the wire.
typedef enum {
    RFS_CHECKSUM_NULL = 0,
    RFS_CHECKSUM_CRC32 = 1,   // zlib/gzip polynomial 0x04C11DB7 (reflected)
    RFS_CHECKSUM_CRC32C = 2,  // Castagnoli polynomial 0x1EDC6F41 (reflected), as iSCSI
} rfs_checksum_type;

/// Extends a finished CRC32C (start from 0) over `len` more bytes; the result is finished
/// too, so CRC32C("123456789") == rfs_crc32c_update(0, "123456789", 9) == 0xE3069283.
uint32_t rfs_crc32c_update(uint32_t crc, const void *buf, size_t len);

/// Same contract for CRC32 with zlib's polynomial: equals zlib's crc32(crc, buf, len).
uint32_t rfs_crc32_update(uint32_t crc, const void *buf, size_t len);

/// Writes one 4-byte big-endian checksum per `bytes_per_checksum` chunk of `data` into
/// `sums` (the last chunk may be short). `sums` must hold 4 * ceil(len / bytes_per_checksum)
/// bytes. Returns the number of sums written, or -1 for a bad type or a zero chunk size.
int64_t rfs_chunked_sums_compute(int type, const void *data, size_t len,
                                 uint32_t bytes_per_checksum, void *sums);

/// Checks `data` against `sums` laid out as rfs_chunked_sums_compute writes them.
/// Returns -1 when every chunk matches, otherwise the index of the first bad chunk, and
/// stores the checksum found in `sums` and the one computed over the data into the two
/// out-parameters (either may be NULL). Returns -2 for a bad type or a zero chunk size.
int64_t rfs_chunked_sums_verify(int type, const void *data, size_t len,
                                uint32_t bytes_per_checksum, const void *sums,
                                uint32_t *expected_out, uint32_t *actual_out);

#ifdef __cplusplus
}
#endif

#endif
