// The primitives every DataTransferProtocol frame is built from: big-endian integers (the
// Java side writes them with DataOutputStream) and protobuf base-128 varints (the length
// prefix of every delimited message). Internal: the public API speaks frames and messages.

enum WireBytes {
    static func loadUInt16(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    static func loadUInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    static func store(_ value: UInt16, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    static func store(_ value: UInt32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// What a varint at the start of a buffer turned out to be.
    enum Varint: Equatable {
        case value(UInt64, encodedBytes: Int)
        case needMoreBytes
        /// More than ten bytes, or a tenth byte that overflows 64 bits.
        case malformed
    }

    /// Reads a varint from the start of `bytes`. At most ten bytes are looked at, so the
    /// loop is bounded whatever the peer sends.
    static func readVarint(_ bytes: UnsafeRawBufferPointer) -> Varint {
        var value: UInt64 = 0
        for index in 0..<min(bytes.count, 10) {
            let byte = bytes[index]
            if index == 9 && byte > 1 { return .malformed }
            value |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte & 0x80 == 0 { return .value(value, encodedBytes: index + 1) }
        }
        return bytes.count >= 10 ? .malformed : .needMoreBytes
    }

    static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 { size += 1; rest >>= 7 }
        return size
    }

    /// Writes `value` as a varint at `offset`; returns the offset after it.
    static func writeVarint(_ value: UInt64, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var rest = value
        var index = offset
        while rest >= 0x80 {
            bytes[index] = UInt8(truncatingIfNeeded: rest) | 0x80
            rest >>= 7
            index += 1
        }
        bytes[index] = UInt8(rest)
        return index + 1
    }

    /// A new array holding a copy of `bytes` (one memcpy).
    static func copy(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            if let base = bytes.baseAddress, bytes.count > 0 {
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(start: base, count: bytes.count))
            }
            initialized = bytes.count
        }
    }

    /// Appends `bytes` to `array` (one memcpy, after at most one reallocation).
    static func append(_ bytes: UnsafeRawBufferPointer, to array: inout [UInt8]) {
        bytes.withMemoryRebound(to: UInt8.self) { array.append(contentsOf: $0) }
    }

    /// `bytes[range]` as a buffer of its own (no copy).
    static func slice(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }
}
