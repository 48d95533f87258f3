#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RFSChecksum

/// Raft's hard state (term, vote, commit) beside the log, durable before any message that
/// depends on it leaves. Two fixed 40-byte slots written alternately, each with a sequence
/// number and a CRC32C, so a write torn by a crash leaves the other slot — the previous
/// state — intact; a read takes the valid slot with the higher sequence.
///
///     slot := magic "RFSH" (4) | sequence u64 | term u64 | vote u64 | commit u64 | crc32c u32
///             (little-endian; the CRC covers the 36 bytes before it)
public final class HardStateFile {
    public struct State: Sendable, Hashable {
        public var term: UInt64
        public var vote: UInt64
        public var commit: UInt64

        public init(term: UInt64 = 0, vote: UInt64 = 0, commit: UInt64 = 0) {
            self.term = term
            self.vote = vote
            self.commit = commit
        }
    }

    static let slotBytes = 40
    static let magic: [UInt8] = Array("RFSH".utf8)

    public let path: String
    private let descriptor: Int32
    private var sequence: UInt64
    /// What the file holds now (the last state written, or read at open).
    public private(set) var state: State

    /// Opens (creating) the file and reads the newest valid slot; a new file holds zeros.
    public init(path: String) throws(WALError) {
        self.path = path
        descriptor = try POSIX.open(path, flags: O_RDWR | O_CREAT)
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * Self.slotBytes, alignment: 8)
        defer { raw.deallocate() }
        let read = try POSIX.read(descriptor, into: raw, at: 0, path: path)
        let buffer = Array(raw)
        let slots = [0, 1].compactMap { slot -> (UInt64, State)? in
            guard read >= (slot + 1) * Self.slotBytes else { return nil }
            return Self.decode(Array(buffer[slot * Self.slotBytes..<(slot + 1) * Self.slotBytes]))
        }
        let newest = slots.max { $0.0 < $1.0 }
        sequence = newest?.0 ?? 0
        state = newest?.1 ?? State()
    }

    deinit { close(descriptor) }

    /// Writes `state` into the older slot and fdatasyncs; returns once it is durable.
    public func save(_ newState: State) throws(WALError) {
        guard newState != state else { return }
        sequence += 1
        let bytes = Self.encode(newState, sequence: sequence)
        let offset = Int64(Int(sequence % 2) * Self.slotBytes)
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { raw.deallocate() }
        raw.copyBytes(from: bytes)
        try POSIX.write(descriptor, UnsafeRawBufferPointer(raw), at: offset, path: path)
        try POSIX.syncData(descriptor, path: path)
        state = newState
    }

    static func encode(_ state: State, sequence: UInt64) -> [UInt8] {
        var bytes = magic
        for value in [sequence, state.term, state.vote, state.commit] {
            bytes += (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
        let crc = CRC32C.checksum(bytes)
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
        return bytes
    }

    static func decode(_ slot: [UInt8]) -> (UInt64, State)? {
        guard slot.count == slotBytes, Array(slot[0..<4]) == magic else { return nil }
        let stored = slot[36..<40].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        guard CRC32C.checksum(Array(slot[0..<36])) == stored else { return nil }
        func field(_ n: Int) -> UInt64 {
            slot[(4 + 8 * n)..<(12 + 8 * n)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
        }
        return (field(0), State(term: field(1), vote: field(2), commit: field(3)))
    }
}
