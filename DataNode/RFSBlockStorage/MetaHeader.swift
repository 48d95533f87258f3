import RFSChecksum

/// The header of a meta file (HDFS's BlockMetadataHeader followed by DataChecksum's header),
/// 7 bytes, all big-endian:
///
///     +---------+------+---------------------+
///     | version | type | bytesPerChecksum    |   then one 4-byte big-endian sum per chunk
///     | u16 = 1 | u8   | u32                 |
///     +---------+------+---------------------+
///
/// type: 0 NULL, 1 CRC32, 2 CRC32C (DataChecksum.Type ids).
public struct BlockMetadataHeader: Sendable, Hashable {
    public static let version: UInt16 = 1
    public static let sizeBytes = 7

    public let checksum: ChunkedChecksum

    public init(checksum: ChunkedChecksum) {
        self.checksum = checksum
    }

    public func encoded() -> [UInt8] {
        let bytesPerChecksum = UInt32(checksum.bytesPerChecksum)
        return [
            UInt8(Self.version >> 8), UInt8(Self.version & 0xFF),
            checksum.type.rawValue,
            UInt8(bytesPerChecksum >> 24), UInt8((bytesPerChecksum >> 16) & 0xFF),
            UInt8((bytesPerChecksum >> 8) & 0xFF), UInt8(bytesPerChecksum & 0xFF),
        ]
    }

    /// Decodes a header, or says why it cannot be trusted. HDFS only warns on an unknown
    /// version; we refuse it, since version 1 is the only one ever written.
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<BlockMetadataHeader, HeaderProblem> {
        let bytes = Array(bytes.prefix(sizeBytes))
        guard bytes.count == sizeBytes else { return .failure(.tooShort(bytes.count)) }
        let version = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard version == Self.version else { return .failure(.unknownVersion(version)) }
        guard let type = ChecksumType(rawValue: bytes[2]) else { return .failure(.unknownChecksumType(bytes[2])) }
        let bytesPerChecksum = UInt32(bytes[3]) << 24 | UInt32(bytes[4]) << 16 | UInt32(bytes[5]) << 8 | UInt32(bytes[6])
        guard bytesPerChecksum > 0, bytesPerChecksum <= UInt32(BlockStorageLimits.maxBytesPerChecksum) else {
            return .failure(.badBytesPerChecksum(bytesPerChecksum))
        }
        return .success(BlockMetadataHeader(checksum: ChunkedChecksum(type: type, bytesPerChecksum: Int(bytesPerChecksum))))
    }

    public enum HeaderProblem: Error, Hashable, Sendable, CustomStringConvertible {
        case tooShort(Int)
        case unknownVersion(UInt16)
        case unknownChecksumType(UInt8)
        case badBytesPerChecksum(UInt32)

        public var description: String {
            switch self {
            case let .tooShort(count): "header is \(count) bytes, 7 expected"
            case let .unknownVersion(version): "unknown meta version \(version) (1 expected)"
            case let .unknownChecksumType(type): "unknown checksum type \(type)"
            case let .badBytesPerChecksum(value): "bytesPerChecksum \(value) out of range"
            }
        }
    }

    /// Byte offset in the meta file of the sum of the chunk starting at `dataOffset`.
    func sumOffset(forDataOffset dataOffset: Int) -> Int {
        Self.sizeBytes + (dataOffset / checksum.bytesPerChecksum) * checksum.checksumSizeBytes
    }

    /// The meta file's length for `dataLength` bytes of data.
    func metaLength(forDataLength dataLength: Int) -> Int {
        Self.sizeBytes + checksum.checksumsLength(forDataLength: dataLength)
    }
}

/// Bounds of block storage, in one place.
public enum BlockStorageLimits {
    /// Largest chunk a meta header may claim (HDFS's chunks are 512 bytes; anything huge is
    /// a corrupt header, and would make recovery read absurd amounts).
    public static let maxBytesPerChecksum = 16 * 1024 * 1024
    /// Bytes read per step when verifying or recovering a replica.
    public static let verifySliceBytes = 1024 * 1024
}
