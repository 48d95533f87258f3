import CChecksum

/// A checksum algorithm, numbered as HDFS's `DataChecksum.Type` (the ids travel in block
/// meta file headers and in DataTransferProtocol's ChecksumProto).
public enum ChecksumType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case null = 0
    case crc32 = 1
    case crc32c = 2

    /// Bytes of one checksum: 4 for the CRCs, 0 for `null`.
    public var checksumSizeBytes: Int { self == .null ? 0 : 4 }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .crc32: "CRC32"
        case .crc32c: "CRC32C"
        }
    }
}

/// CRC32C (Castagnoli), as HDFS uses for block data. Computed by ISA-L.
public enum CRC32C {
    /// The finished CRC32C of `bytes`, continuing from `seed` (a finished CRC of the bytes
    /// before; 0 to start).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        rfs_crc32c_update(seed, bytes.baseAddress, bytes.count)
    }

    @inlinable
    public static func checksum(_ bytes: some ContiguousBytes, seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}

/// CRC32 with zlib's polynomial (HDFS's legacy `CRC32` type). Computed by ISA-L.
public enum CRC32 {
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        rfs_crc32_update(seed, bytes.baseAddress, bytes.count)
    }

    @inlinable
    public static func checksum(_ bytes: some ContiguousBytes, seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}

/// Lets callers hand in `[UInt8]`, `ArraySlice`, `UnsafeRawBufferPointer`, … alike.
public protocol ContiguousBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
extension ContiguousArray: ContiguousBytes where Element == UInt8 {}
extension UnsafeRawBufferPointer: ContiguousBytes {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}
