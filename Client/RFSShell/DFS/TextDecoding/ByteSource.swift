import RFSClient

/// An rfs file read as a byte stream by a parser that needs a few bytes at a time (a
/// SequenceFile's lengths and records): it reads the file in large pieces and hands out
/// what is asked for.
final class ByteSource {
    static let readBytes = 4 << 20

    private let input: FileInputStream
    private var buffer: [UInt8] = []
    private var offset = 0
    private var ended = false

    init(_ input: FileInputStream) {
        self.input = input
    }

    /// True when every byte has been handed out.
    func atEnd() async throws -> Bool {
        try await fill(1)
        return offset == buffer.count
    }

    func bytes(_ count: Int) async throws -> [UInt8] {
        guard count >= 0 else { throw TextDecodingError("a negative length (\(count)): the file is corrupt") }
        try await fill(count)
        guard buffer.count - offset >= count else { throw TextDecodingError.endOfFile }
        defer { offset += count }
        return Array(buffer[offset..<offset + count])
    }

    func byte() async throws -> UInt8 { try await bytes(1)[0] }

    /// A Java `DataInput.readInt`: 4 bytes, big-endian, signed.
    func int32() async throws -> Int32 {
        Int32(bitPattern: try await bytes(4).reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// Hadoop's `WritableUtils.readVLong` (also readVInt): one byte for -112...127, else a
    /// length byte and up to eight big-endian bytes.
    func vlong() async throws -> Int64 {
        let first = Int8(bitPattern: try await byte())
        guard first < -112 else { return Int64(first) }
        let negative = first < -120
        let length = negative ? -119 - Int(first) : -111 - Int(first)
        let value = try await bytes(length - 1).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return negative ? ~Int64(bitPattern: value) : Int64(bitPattern: value)
    }

    func vint() async throws -> Int {
        let value = try await vlong()
        guard let narrowed = Int32(exactly: value) else { throw TextDecodingError("value too long to fit in integer: \(value)") }
        return Int(narrowed)
    }

    /// Hadoop's `Text.readString`: a vint length and that many UTF-8 bytes.
    func text() async throws -> String {
        let length = try await vint()
        guard length <= TextDecodingLimits.stringBytesMax else { throw TextDecodingError("a string of \(length) bytes: the file is corrupt") }
        return String(decoding: try await bytes(length), as: UTF8.self)
    }

    private func fill(_ count: Int) async throws {
        while buffer.count - offset < count, !ended {
            let more = try await input.read(maxBytes: max(Self.readBytes, count))
            if more.isEmpty { ended = true; break }
            buffer.removeFirst(offset)
            offset = 0
            buffer += more
        }
    }
}

/// A file -text could not decode; the message is what the shell prints after `text: `.
struct TextDecodingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    static let endOfFile = TextDecodingError("java.io.EOFException")
}

enum TextDecodingLimits {
    /// Class names, metadata strings.
    static let stringBytesMax = 1 << 20
    /// One record, or one decompressed buffer of a block-compressed SequenceFile (Hadoop's
    /// writer makes blocks of about 1 MB).
    static let recordBytesMax = 256 << 20
}
