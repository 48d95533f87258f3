import RFSChecksum

/// Why a packet stream cannot go on. Every case is a broken or hostile peer (or a corrupt
/// replica, for checksum mismatches); the connection is closed and, on a write, the pipeline
/// is recovered.
public enum PacketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// payloadLen counts its own four bytes, so it is never below 4 (and Java reads it as a
    /// signed int: above Int32.max it is negative).
    case invalidPayloadLength(UInt32)
    case headerTooLarge(headerBytes: Int, limit: Int)
    /// payloadLen + headerLen above the packet bound (Java: "Incorrect value for packet
    /// payload size").
    case packetTooLarge(payloadBytes: Int, headerBytes: Int, limit: Int)
    case headerUndecodable(reason: String)
    case negativeDataLength(seqno: Int64, dataLen: Int32)
    /// dataLen claims more bytes than the payload holds.
    case dataLengthExceedsPayload(seqno: Int64, dataLen: Int32, payloadDataBytes: Int)
    /// The checksum section does not have one sum per chunk of data.
    case checksumLengthMismatch(seqno: Int64, dataLen: Int32, checksumBytes: Int, expectedBytes: Int, checksum: ChunkedChecksum)
    /// A chunk's data does not match its sum; `blockOffset` is the chunk's first byte in the block.
    case checksumMismatch(seqno: Int64, blockOffset: Int64, expected: UInt32, actual: UInt32, type: ChecksumType)
    /// The stream ended inside a packet.
    case truncated(bufferedBytes: Int, frameBytes: Int?)
    /// Read side only (Java's PacketHeader.sanityCheck): a packet other than the last carries
    /// no data, the last carries some, or seqnos do not follow one another.
    case emptyDataPacket(seqno: Int64)
    case lastPacketHasData(seqno: Int64, dataLen: Int32)
    case outOfSequence(expected: Int64, received: Int64)

    public var description: String {
        switch self {
        case .invalidPayloadLength(let length):
            "invalid packet payload length \(length)"
        case .headerTooLarge(let bytes, let limit):
            "packet header of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .packetTooLarge(let payload, let header, let limit):
            "packet of \(payload) payload and \(header) header bytes exceeds the limit of \(limit) bytes"
        case .headerUndecodable(let reason):
            "cannot decode a packet header: \(reason)"
        case .negativeDataLength(let seqno, let dataLen):
            "packet \(seqno) has a negative data length \(dataLen)"
        case .dataLengthExceedsPayload(let seqno, let dataLen, let available):
            "packet \(seqno) claims \(dataLen) data bytes but its payload holds \(available)"
        case .checksumLengthMismatch(let seqno, let dataLen, let bytes, let expected, let checksum):
            "packet \(seqno) carries \(bytes) checksum bytes for \(dataLen) data bytes; \(checksum) needs \(expected)"
        case .checksumMismatch(let seqno, let offset, let expected, let actual, let type):
            "\(type) checksum error in packet \(seqno) at block offset \(offset): stored "
                + "0x\(String(expected, radix: 16)), computed 0x\(String(actual, radix: 16))"
        case .truncated(let buffered, let frame):
            "stream ended inside a packet: \(buffered) bytes received"
                + (frame.map { " of a \($0)-byte packet" } ?? " of its length prefix")
        case .emptyDataPacket(let seqno):
            "packet \(seqno) is not the last one but carries no data"
        case .lastPacketHasData(let seqno, let dataLen):
            "last packet \(seqno) carries \(dataLen) data bytes"
        case .outOfSequence(let expected, let received):
            "packet seqno \(received) where \(expected) was expected"
        }
    }
}
