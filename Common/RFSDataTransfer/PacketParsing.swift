import RFSChecksum
import RFSModel
import RFSProtocol

/// Where the parts of one complete packet lie in a buffer that starts with it.
public struct PacketLayout: Sendable, Hashable {
    public let header: PacketHeader
    public let headerBytes: Int
    public let checksumRange: Range<Int>
    public let dataRange: Range<Int>
    /// Bytes of the whole frame; the next packet starts here.
    public var frameBytes: Int { dataRange.upperBound }
}

/// What the start of a buffer holds.
public enum PacketParse: Sendable, Hashable {
    /// Not a whole packet yet; `frameBytes` is the packet's full length once the length
    /// prefix has arrived (so a shell can wait for exactly that much), nil before.
    case needMoreBytes(frameBytes: Int?)
    case packet(PacketLayout)
}

extension PacketFrame {
    /// Parses the packet at the start of `bytes`, consuming nothing. The bounds are checked
    /// as soon as the six length bytes are in, before the rest of the packet arrives: a
    /// hostile length never makes us wait for, or allocate, more than `packetBytesMax`.
    /// The checksum section must hold exactly one sum per chunk under `checksum`; the sums
    /// themselves are checked by `verifyChecksums`, when the caller wants them checked.
    public static func parse(_ bytes: UnsafeRawBufferPointer, checksum: ChunkedChecksum,
                             packetBytesMax: Int = Limits.packetBytesMax) throws(PacketError) -> PacketParse {
        let prefix = DataTransferLimits.packetLengthPrefixBytes
        guard bytes.count >= prefix else { return .needMoreBytes(frameBytes: nil) }
        let payloadLength = WireBytes.loadUInt32(bytes, at: 0)
        let headerBytes = Int(WireBytes.loadUInt16(bytes, at: 4))
        guard payloadLength >= 4, payloadLength <= UInt32(Int32.max) else { throw .invalidPayloadLength(payloadLength) }
        let payloadBytes = Int(payloadLength)
        guard headerBytes <= DataTransferLimits.packetHeaderBytesMax else {
            throw .headerTooLarge(headerBytes: headerBytes, limit: DataTransferLimits.packetHeaderBytesMax)
        }
        guard payloadBytes + headerBytes <= packetBytesMax else {
            throw .packetTooLarge(payloadBytes: payloadBytes, headerBytes: headerBytes, limit: packetBytesMax)
        }
        let frameBytes = 2 + headerBytes + payloadBytes
        guard bytes.count >= frameBytes else { return .needMoreBytes(frameBytes: frameBytes) }
        let header = try decodeHeader(WireBytes.slice(bytes, prefix..<prefix + headerBytes))
        return .packet(try layout(header, headerBytes: headerBytes, payloadBytes: payloadBytes, checksum: checksum))
    }

    public static func parse(_ bytes: some ContiguousBytes, checksum: ChunkedChecksum,
                             packetBytesMax: Int = Limits.packetBytesMax) throws(PacketError) -> PacketParse {
        let result: Result<PacketParse, PacketError> = bytes.withUnsafeBytes { raw in
            do throws(PacketError) {
                return .success(try parse(raw, checksum: checksum, packetBytesMax: packetBytesMax))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Strict, unlike the other messages we receive: Java and hdfs-native both always write
    /// the four required fields, and a header without its dataLen cannot be framed.
    private static func decodeHeader(_ bytes: UnsafeRawBufferPointer) throws(PacketError) -> PacketHeader {
        do {
            return PacketHeader(proto: try Hadoop_Hdfs_PacketHeaderProto(serializedBytes: WireBytes.copy(bytes)))
        } catch {
            throw .headerUndecodable(reason: "\(error)")
        }
    }

    private static func layout(_ header: PacketHeader, headerBytes: Int, payloadBytes: Int,
                               checksum: ChunkedChecksum) throws(PacketError) -> PacketLayout {
        guard header.dataLen >= 0 else { throw .negativeDataLength(seqno: header.seqno, dataLen: header.dataLen) }
        let dataBytes = Int(header.dataLen)
        let checksumsAndData = payloadBytes - 4
        guard dataBytes <= checksumsAndData else {
            throw .dataLengthExceedsPayload(seqno: header.seqno, dataLen: header.dataLen, payloadDataBytes: checksumsAndData)
        }
        let checksumBytes = checksumsAndData - dataBytes
        let expected = checksum.checksumsLength(forDataLength: dataBytes)
        guard checksumBytes == expected else {
            throw .checksumLengthMismatch(seqno: header.seqno, dataLen: header.dataLen, checksumBytes: checksumBytes,
                                          expectedBytes: expected, checksum: checksum)
        }
        let sumsStart = DataTransferLimits.packetLengthPrefixBytes + headerBytes
        let dataStart = sumsStart + checksumBytes
        return PacketLayout(header: header, headerBytes: headerBytes,
                            checksumRange: sumsStart..<dataStart, dataRange: dataStart..<dataStart + dataBytes)
    }
}
