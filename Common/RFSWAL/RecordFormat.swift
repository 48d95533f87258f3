import RFSChecksum

/// One record on disk: a 24-byte header, then the payload. Integers are little-endian, the byte
/// order of every machine rfs runs on, so encoding and decoding are plain loads and stores.
///
///     0          4          8                   16                  24
///     +----------+----------+-------------------+-------------------+------------------+
///     | length   | crc32c   | term              | index             | payload          |
///     | u32 LE   | u32 LE   | u64 LE            | u64 LE            | `length` bytes   |
///     +----------+----------+-------------------+-------------------+------------------+
///
///     crc32c = CRC32C(payload ‖ header[0..<4] ‖ header[8..<24])
///
/// The CRC covers the payload first, then the length, term and index: the appending task
/// computes the payload's CRC before it queues the record, off the writer thread, and the
/// writer extends it over 20 header bytes once the record has its index. A zero-filled region
/// never decodes as a record (the CRC32C of zeros is not zero, and no record has index 0).
/// Records follow each other with no padding; a segment is a sequence of them and nothing else.
enum RecordFormat {
    static let headerBytes = 24
    static let lengthOffset = 0
    static let crcOffset = 4
    static let termOffset = 8
    static let indexOffset = 16

    struct Header: Hashable {
        var length: UInt32
        var crc: UInt32
        var term: UInt64
        var index: UInt64

        var recordBytes: Int { RecordFormat.headerBytes + Int(length) }
    }

    /// The CRC of a record whose header (crc field aside) is already in `header`.
    static func recordCRC(header: UnsafeRawBufferPointer, payloadCRC: UInt32) -> UInt32 {
        let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: header[lengthOffset..<crcOffset]),
                                        seed: payloadCRC)
        return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: header[termOffset..<headerBytes]), seed: lengthCRC)
    }

    /// Writes a complete header into the first 24 bytes of `destination`.
    static func storeHeader(into destination: UnsafeMutableRawBufferPointer, length: UInt32, term: UInt64,
                            index: UInt64, payloadCRC: UInt32) {
        precondition(destination.count >= headerBytes)
        destination.storeBytes(of: length.littleEndian, toByteOffset: lengthOffset, as: UInt32.self)
        destination.storeBytes(of: term.littleEndian, toByteOffset: termOffset, as: UInt64.self)
        destination.storeBytes(of: index.littleEndian, toByteOffset: indexOffset, as: UInt64.self)
        let crc = recordCRC(header: UnsafeRawBufferPointer(destination), payloadCRC: payloadCRC)
        destination.storeBytes(of: crc.littleEndian, toByteOffset: crcOffset, as: UInt32.self)
    }

    /// The header fields at `offset`, unchecked; `bytes` must hold 24 bytes there.
    static func loadHeader(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Header {
        Header(
            length: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + lengthOffset, as: UInt32.self)),
            crc: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + crcOffset, as: UInt32.self)),
            term: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + termOffset, as: UInt64.self)),
            index: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + indexOffset, as: UInt64.self)))
    }

    enum Decoded: Hashable {
        /// An intact record (CRC verified); its payload is `bytes[payloadOffset..<payloadOffset + length]`.
        case record(Header, payloadOffset: Int)
        /// The bytes end inside the record: `needed` bytes from `offset` would hold it
        /// (24 while even the header is short).
        case incomplete(needed: Int, reason: String)
        /// The header and payload are there but the CRC does not match.
        case badChecksum(Header, computed: UInt32)
    }

    /// Decodes the record starting at `offset` of `bytes`, verifying its CRC.
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Decoded {
        let available = bytes.count - offset
        guard available >= headerBytes else {
            return .incomplete(needed: headerBytes, reason: "short header (\(available) of \(headerBytes) bytes)")
        }
        let header = loadHeader(bytes, at: offset)
        guard header.recordBytes <= available else {
            return .incomplete(needed: header.recordBytes,
                               reason: "short payload (\(available - headerBytes) of \(header.length) bytes)")
        }
        let payload = UnsafeRawBufferPointer(
            rebasing: bytes[(offset + headerBytes)..<(offset + header.recordBytes)])
        let headerBytesView = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + headerBytes)])
        let computed = recordCRC(header: headerBytesView, payloadCRC: CRC32C.checksum(payload))
        guard computed == header.crc else { return .badChecksum(header, computed: computed) }
        return .record(header, payloadOffset: offset + headerBytes)
    }
}
