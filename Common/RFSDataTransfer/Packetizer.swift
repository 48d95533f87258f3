import RFSChecksum
import RFSModel

/// How many chunks a writer puts in one packet: HDFS's DFSOutputStream.computePacketChunkSize.
///
///     bodySize        = writePacketSize − PKT_MAX_HEADER_LEN (33)
///     chunkSize       = bytesPerChecksum + checksumSize
///     chunksPerPacket = max(bodySize / chunkSize, 1)
///
/// With the defaults (64 KiB, CRC32C/512) that is 65503 / 516 = 126 chunks: 64512 data bytes
/// and 504 checksum bytes, a 65047-byte frame. So a "64 KiB packet" carries 63 KiB of data.
public struct PacketSizing: Sendable, Hashable, CustomStringConvertible {
    public let chunksPerPacket: Int
    public let bytesPerChecksum: Int

    public var dataBytesPerPacket: Int { chunksPerPacket * bytesPerChecksum }

    /// HDFS's rule, from `dfs.client-write-packet-size`. Unlike HDFS, a packet size so large
    /// that a packet would exceed `Limits.packetBytesMax` (which the receiver refuses) is
    /// brought down to fit.
    public init(writePacketSizeBytes: Int = HDFSDefaults.writePacketSizeBytes, checksum: ChunkedChecksum) {
        let chunkBytes = checksum.bytesPerChecksum + checksum.checksumSizeBytes
        let bodyBytes = writePacketSizeBytes - DataTransferLimits.packetHeaderReserveBytes
        let fitting = (Limits.packetBytesMax - DataTransferLimits.packetHeaderReserveBytes) / chunkBytes
        self.init(chunksPerPacket: max(min(bodyBytes / chunkBytes, fitting), 1), bytesPerChecksum: checksum.bytesPerChecksum)
    }

    public init(chunksPerPacket: Int, bytesPerChecksum: Int) {
        precondition(chunksPerPacket >= 1 && bytesPerChecksum >= 1, "a packet holds at least one chunk of at least one byte")
        self.chunksPerPacket = chunksPerPacket
        self.bytesPerChecksum = bytesPerChecksum
    }

    public var description: String { "\(chunksPerPacket) chunks of \(bytesPerChecksum) bytes per packet" }
}

/// The writer's side of a block: cuts data into packets with consecutive seqnos and
/// offsets, sums every chunk, and ends the block with the empty last packet
/// (lastPacketInBlock, dataLen 0) that the pipeline acknowledges last.
///
/// Where packets start in a chunk:
/// - A new block, and every packet after the first: on a chunk boundary, so each packet's
///   sums line up with the block's meta file.
/// - Append to a block whose last chunk is partial (HDFS's DFSOutputStream.adjustPacketChunkSize):
///   the first packet carries exactly the bytes that complete that chunk, at the unaligned
///   offset, with one sum over those bytes only; the datanode merges it with the sum of the
///   bytes it already has. Constructing a Packetizer at an unaligned `blockOffset` does this.
/// - hflush/hsync of a partial chunk: HDFS sends the partial chunk now and sends it *again*,
///   from the chunk's start, at the head of the next packet (the client keeps the partial
///   chunk and rolls bytesCurBlock back), so the datanode sees overlapping data that it
///   must skip. This type does not keep bytes back: a client doing hflush starts a new
///   Packetizer at the chunk boundary (`nextSeqno` continuing) with the kept bytes in front.
public struct Packetizer: Sendable {
    public let checksum: ChunkedChecksum
    public let sizing: PacketSizing
    /// Seqno of the next packet.
    public private(set) var nextSeqno: Int64
    /// Offset in the block of the next packet's first byte.
    public private(set) var offsetInBlock: Int64
    /// True once the last packet has been produced.
    public private(set) var isFinished = false

    public init(checksum: ChunkedChecksum, sizing: PacketSizing? = nil, blockOffset: Int64 = 0, firstSeqno: Int64 = 0) {
        precondition(blockOffset >= 0 && firstSeqno >= 0, "offsets and seqnos start at 0")
        let sizing = sizing ?? PacketSizing(checksum: checksum)
        precondition(sizing.bytesPerChecksum == checksum.bytesPerChecksum, "\(sizing) does not match \(checksum)")
        self.checksum = checksum
        self.sizing = sizing
        self.nextSeqno = firstSeqno
        self.offsetInBlock = blockOffset
    }

    /// The packets carrying `data`, the last of them possibly short. With `syncBlock`, the
    /// last one asks the datanodes to sync (hsync); the others do not, as in HDFS.
    public mutating func packets(for data: UnsafeRawBufferPointer, syncBlock: Bool = false) -> [EncodedPacket] {
        precondition(!isFinished, "the block's last packet has already been produced")
        var packets: [EncodedPacket] = []
        packets.reserveCapacity(data.count / sizing.dataBytesPerPacket + 2)
        var start = 0
        while start < data.count {
            let end = start + nextPacketDataBytes(remaining: data.count - start)
            let isLast = end == data.count
            packets.append(makePacket(WireBytes.slice(data, start..<end), syncBlock: syncBlock && isLast))
            start = end
        }
        return packets
    }

    /// The headers of the packets carrying `data`, cut as `packets(for:)` cuts them, each with
    /// the range of `data` it carries; seqnos and offsets advance as if they were produced.
    /// The caller frames each one itself (`PacketFrame.encode(_:data:checksum:into:)`), e.g.
    /// straight into the buffer its socket sends, so the bytes are copied once.
    public mutating func headers(forDataBytes count: Int, syncBlock: Bool = false) -> [(header: PacketHeader, range: Range<Int>)] {
        precondition(!isFinished, "the block's last packet has already been produced")
        var cut: [(header: PacketHeader, range: Range<Int>)] = []
        cut.reserveCapacity(count / sizing.dataBytesPerPacket + 2)
        var start = 0
        while start < count {
            let end = start + nextPacketDataBytes(remaining: count - start)
            let header = PacketHeader(offsetInBlock: offsetInBlock, seqno: nextSeqno, lastPacketInBlock: false,
                                      dataLen: Int32(end - start), syncBlock: syncBlock && end == count)
            nextSeqno += 1
            offsetInBlock += Int64(end - start)
            cut.append((header, start..<end))
            start = end
        }
        return cut
    }

    public mutating func packets(for data: some ContiguousBytes, syncBlock: Bool = false) -> [EncodedPacket] {
        data.withUnsafeBytes { packets(for: $0, syncBlock: syncBlock) }
    }

    /// The empty packet that ends the block. `syncBlock` asks for the replica to be synced
    /// before it is finalized (CreateFlag.SYNC_BLOCK).
    public mutating func lastPacket(syncBlock: Bool = false) -> EncodedPacket {
        precondition(!isFinished, "the block's last packet has already been produced")
        let header = PacketHeader(offsetInBlock: offsetInBlock, seqno: nextSeqno, lastPacketInBlock: true,
                                  dataLen: 0, syncBlock: syncBlock)
        nextSeqno += 1
        isFinished = true
        return EncodedPacket(header: header, bytes: PacketFrame.encode(header, data: UnsafeRawBufferPointer(start: nil, count: 0), checksum: checksum))
    }

    /// Data bytes in the next packet: a whole packet's worth, or what completes a partial
    /// chunk when the block currently ends inside one.
    private func nextPacketDataBytes(remaining: Int) -> Int {
        let intoChunk = Int(offsetInBlock % Int64(sizing.bytesPerChecksum))
        let room = intoChunk == 0 ? sizing.dataBytesPerPacket : sizing.bytesPerChecksum - intoChunk
        return min(room, remaining)
    }

    private mutating func makePacket(_ data: UnsafeRawBufferPointer, syncBlock: Bool) -> EncodedPacket {
        let header = PacketHeader(offsetInBlock: offsetInBlock, seqno: nextSeqno, lastPacketInBlock: false,
                                  dataLen: Int32(data.count), syncBlock: syncBlock)
        nextSeqno += 1
        offsetInBlock += Int64(data.count)
        return EncodedPacket(header: header, bytes: PacketFrame.encode(header, data: data, checksum: checksum))
    }
}
