import RFSModel

/// Why a READ_BLOCK range cannot be served from a replica. The datanode answers
/// BlockOpResponseProto ERROR with `description` as the message, as DataXceiver does with
/// BlockSender's IOException.
public enum ReadPlanRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case rangeOutsideReplica(offset: UInt64, length: UInt64, replicaLength: Int64)
    case invalidBytesPerChecksum(Int)
    case invalidReplicaLength(Int64)

    public var description: String {
        switch self {
        case .rangeOutsideReplica(let offset, let length, let replicaLength):
            "offset \(offset) and length \(length) don't match the replica (length \(replicaLength))"
        case .invalidBytesPerChecksum(let value):
            "the replica's bytesPerChecksum \(value) is outside 1...\(DataTransferLimits.bytesPerChecksumMax)"
        case .invalidReplicaLength(let value):
            "invalid replica length \(value)"
        }
    }
}

/// The datanode's side of READ_BLOCK (HDFS's BlockSender): which bytes of the replica to send
/// and how to cut them into packets.
///
/// - Reads start on the chunk boundary at or before the requested offset, because sums cover
///   whole chunks; that start goes to the client as `ReadOpChecksumInfoProto.chunkOffset`, and
///   the client skips the bytes before the offset it asked for.
/// - They end at the requested end rounded up to a chunk boundary, or at the replica's end
///   when that comes first.
/// - Packets carry ceil(64 KiB / bytesPerChecksum) chunks (BlockSender with transferTo; 128 chunks
///   for 512-byte chunks); the last data packet may be short; seqnos run from 0; then comes an
///   empty packet with lastPacketInBlock at the end offset.
/// - A range reaching past the replica's end is refused, as BlockSender refuses it. Java reads
///   the uint64 `len` as a signed long and takes a negative one as the whole replica; here a
///   length above Int64.max means "to the replica's end" from any offset.
public struct ReadPlan: Sendable, Hashable {
    public let requestedOffset: Int64
    public let requestedLength: Int64
    public let replicaLength: Int64
    public let bytesPerChecksum: Int
    public let chunksPerPacket: Int
    /// First byte sent: the chunk boundary at or before `requestedOffset`.
    public let chunkOffset: Int64
    /// One past the last byte sent.
    public let endOffset: Int64

    public var dataBytes: Int64 { endOffset - chunkOffset }
    public var packetDataBytes: Int { chunksPerPacket * bytesPerChecksum }
    /// Every packet's header, the empty last packet included.
    public var packets: ReadPacketHeaders { ReadPacketHeaders(plan: self) }

    public init(offset: UInt64, length: UInt64, replicaLength: Int64, bytesPerChecksum: Int,
                packetDataBytesTarget: Int = DataTransferLimits.readPacketDataBytesDefault) throws(ReadPlanRejection) {
        guard bytesPerChecksum >= 1, bytesPerChecksum <= DataTransferLimits.bytesPerChecksumMax else {
            throw .invalidBytesPerChecksum(bytesPerChecksum)
        }
        guard replicaLength >= 0 else { throw .invalidReplicaLength(replicaLength) }
        guard offset <= UInt64(replicaLength) else {
            throw .rangeOutsideReplica(offset: offset, length: length, replicaLength: replicaLength)
        }
        let available = UInt64(replicaLength) - offset
        let wanted = length > UInt64(Int64.max) ? available : length
        guard wanted <= available else {
            throw .rangeOutsideReplica(offset: offset, length: length, replicaLength: replicaLength)
        }
        let chunk = Int64(bytesPerChecksum)
        let start = Int64(offset)
        let requestedEnd = start + Int64(wanted)
        self.requestedOffset = start
        self.requestedLength = Int64(wanted)
        self.replicaLength = replicaLength
        self.bytesPerChecksum = bytesPerChecksum
        self.chunksPerPacket = Self.chunksPerPacket(target: packetDataBytesTarget, bytesPerChecksum: bytesPerChecksum)
        self.chunkOffset = start - start % chunk
        self.endOffset = Self.roundUp(requestedEnd, toMultipleOf: chunk, atMost: replicaLength)
    }

    /// ceil(target / bytesPerChecksum), at least one, and never so many that the packet
    /// (with CRC sums and the largest header) would exceed `Limits.packetBytesMax`.
    private static func chunksPerPacket(target: Int, bytesPerChecksum: Int) -> Int {
        let wanted = target / bytesPerChecksum + (target % bytesPerChecksum == 0 ? 0 : 1)
        let fitting = (Limits.packetBytesMax - DataTransferLimits.packetHeaderReserveBytes) / (bytesPerChecksum + 4)
        return max(1, min(wanted, fitting))
    }

    /// `value` rounded up to a multiple of `chunk`, capped at `limit` (≥ value), without
    /// overflowing near Int64.max.
    private static func roundUp(_ value: Int64, toMultipleOf chunk: Int64, atMost limit: Int64) -> Int64 {
        let remainder = value % chunk
        if remainder == 0 { return value }
        let step = chunk - remainder
        return limit - value <= step ? limit : value + step
    }

    /// Indices, in the block, of the chunks a packet covers: which sums to read from the
    /// replica's meta file (after its header) for that packet.
    public func chunkIndices(of header: PacketHeader) -> Range<Int64> {
        let chunk = Int64(bytesPerChecksum)
        let first = header.offsetInBlock / chunk
        return first..<first + (Int64(header.dataLen) + chunk - 1) / chunk
    }
}

/// The headers of a `ReadPlan`'s packets, computed on demand (a 128 MiB block is 2049 of them).
public struct ReadPacketHeaders: RandomAccessCollection, Sendable, Hashable {
    let plan: ReadPlan

    public var startIndex: Int { 0 }
    /// The data packets, then the empty last one.
    public var endIndex: Int { dataPackets + 1 }

    var dataPackets: Int {
        Int((plan.dataBytes + Int64(plan.packetDataBytes) - 1) / Int64(plan.packetDataBytes))
    }

    public subscript(position: Int) -> PacketHeader {
        precondition(indices.contains(position), "packet \(position) is outside 0..<\(endIndex)")
        if position == dataPackets {
            return PacketHeader(offsetInBlock: plan.endOffset, seqno: Int64(position), lastPacketInBlock: true, dataLen: 0)
        }
        let offset = plan.chunkOffset + Int64(position) * Int64(plan.packetDataBytes)
        let dataLen = Swift.min(Int64(plan.packetDataBytes), plan.endOffset - offset)
        return PacketHeader(offsetInBlock: offset, seqno: Int64(position), lastPacketInBlock: false, dataLen: Int32(dataLen))
    }
}
