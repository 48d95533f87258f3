import RFSProtocol

/// The header of one data packet (PacketHeaderProto), in HDFS's names.
///
/// On the wire every field is fixed-width on purpose (sfixed64, sfixed64, bool, sfixed32,
/// bool), so a header's size does not depend on its values: 25 bytes, or 27 with syncBlock.
/// Like Java's PacketHeader, syncBlock is written only when true; a header that spells out
/// `syncBlock: false` (hdfs-native's last packet may) decodes the same.
public struct PacketHeader: Sendable, Hashable, CustomStringConvertible {
    /// Offset in the block of the packet's first data byte.
    public var offsetInBlock: Int64
    /// Packet number, from 0 per block and per stream; acks echo it. -1 is a heartbeat.
    public var seqno: Int64
    /// The empty packet that ends a block (a write) or a read.
    public var lastPacketInBlock: Bool
    /// Data bytes in the packet, checksums excluded.
    public var dataLen: Int32
    /// hsync: every datanode syncs the replica to disk before acknowledging the packet.
    public var syncBlock: Bool

    /// `DFSPacket.HEART_BEAT_SEQNO`: a writer with nothing to send keeps the pipeline alive
    /// with an empty packet of this seqno; the acks of heartbeats carry it back.
    public static let heartbeatSeqno: Int64 = -1

    public init(offsetInBlock: Int64, seqno: Int64, lastPacketInBlock: Bool, dataLen: Int32, syncBlock: Bool = false) {
        self.offsetInBlock = offsetInBlock
        self.seqno = seqno
        self.lastPacketInBlock = lastPacketInBlock
        self.dataLen = dataLen
        self.syncBlock = syncBlock
    }

    /// The heartbeat packet's header, as DataStreamer builds it (offset 0, no data, not last).
    public static let heartbeat = PacketHeader(offsetInBlock: 0, seqno: heartbeatSeqno, lastPacketInBlock: false, dataLen: 0)

    public var isHeartbeat: Bool { seqno == Self.heartbeatSeqno }

    /// Offset in the block just past the packet's data.
    public var endOffsetInBlock: Int64 { offsetInBlock + Int64(dataLen) }

    public init(proto: Hadoop_Hdfs_PacketHeaderProto) {
        self.init(offsetInBlock: proto.offsetInBlock, seqno: proto.seqno,
                  lastPacketInBlock: proto.lastPacketInBlock, dataLen: proto.dataLen, syncBlock: proto.syncBlock)
    }

    public var proto: Hadoop_Hdfs_PacketHeaderProto {
        var proto = Hadoop_Hdfs_PacketHeaderProto()
        proto.offsetInBlock = offsetInBlock
        proto.seqno = seqno
        proto.lastPacketInBlock = lastPacketInBlock
        proto.dataLen = dataLen
        if syncBlock { proto.syncBlock = true }
        return proto
    }

    public var description: String {
        "packet seqno=\(seqno) offsetInBlock=\(offsetInBlock) dataLen=\(dataLen)"
            + (lastPacketInBlock ? " last" : "") + (syncBlock ? " sync" : "")
    }

    // MARK: Encoding

    /// Bytes of this header's protobuf encoding: 25, or 27 with syncBlock.
    public var encodedBytes: Int { syncBlock ? 27 : 25 }

    /// Writes the protobuf encoding at `offset`, field by field, exactly as protobuf does
    /// (fields in number order, fixed-width little-endian values): the header is written into
    /// the packet's own buffer with no intermediate message. A test checks the bytes against
    /// SwiftProtobuf's encoding of `proto`.
    func encode(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        var index = offset
        func put(_ byte: UInt8) { bytes[index] = byte; index += 1 }
        put(0x09) // field 1, fixed64
        bytes.storeBytes(of: offsetInBlock.littleEndian, toByteOffset: index, as: Int64.self); index += 8
        put(0x11) // field 2, fixed64
        bytes.storeBytes(of: seqno.littleEndian, toByteOffset: index, as: Int64.self); index += 8
        put(0x18) // field 3, varint
        put(lastPacketInBlock ? 1 : 0)
        put(0x25) // field 4, fixed32
        bytes.storeBytes(of: dataLen.littleEndian, toByteOffset: index, as: Int32.self); index += 4
        if syncBlock {
            put(0x28) // field 5, varint
            put(1)
        }
        assert(index - offset == encodedBytes)
    }
}
