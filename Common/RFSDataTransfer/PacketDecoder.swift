import RFSChecksum
import RFSModel

/// One complete packet, in a buffer of its own.
public struct DecodedPacket: Sendable, Hashable {
    public let header: PacketHeader
    /// The whole frame as received: what a datanode forwards to its mirror unchanged.
    public let frame: [UInt8]
    public let checksumRange: Range<Int>
    public let dataRange: Range<Int>

    public var checksums: ArraySlice<UInt8> { frame[checksumRange] }
    public var data: ArraySlice<UInt8> { frame[dataRange] }

    init(frame: [UInt8], layout: PacketLayout) {
        self.header = layout.header
        self.frame = frame
        self.checksumRange = layout.checksumRange
        self.dataRange = layout.dataRange
    }

    /// Checks every chunk's sum (ISA-L, one call for the packet). Chunks are counted from
    /// the packet's first data byte, which is also how a packet that starts mid-chunk (the
    /// first packet of an append) is summed; a mismatch names the bad chunk's offset in the
    /// block.
    public func verifyChecksums(_ checksum: ChunkedChecksum) throws(PacketError) {
        let failure: ChecksumMismatch? = frame.withUnsafeBytes { raw in
            do throws(ChecksumMismatch) {
                try checksum.verify(WireBytes.slice(raw, dataRange), sums: WireBytes.slice(raw, checksumRange))
                return nil
            } catch {
                return error
            }
        }
        if let failure {
            throw .checksumMismatch(seqno: header.seqno, blockOffset: header.offsetInBlock + Int64(failure.chunkOffset),
                                    expected: failure.expected, actual: failure.actual, type: failure.type)
        }
    }
}

/// Packets read from a byte stream you append to. Bounds are checked as soon as a packet's
/// length prefix is in; after an error every later call throws the same error (the stream
/// cannot be resynchronised). Checksums are checked only when the caller asks
/// (`DecodedPacket.verifyChecksums`): a datanode in the middle of a pipeline forwards without
/// verifying, as HDFS's does, and leaves it to the last one.
public struct PacketDecoder: Sendable {
    public let checksum: ChunkedChecksum
    public let packetBytesMax: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: PacketError?

    public init(checksum: ChunkedChecksum, packetBytesMax: Int = Limits.packetBytesMax) {
        self.checksum = checksum
        self.packetBytesMax = packetBytesMax
    }

    /// Bytes received and not yet returned in a packet.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Adds received bytes. After an error they are dropped: nothing more will be decoded.
    public mutating func append(_ bytes: some ContiguousBytes) {
        guard failure == nil else { return }
        bytes.withUnsafeBytes { WireBytes.append($0, to: &buffer) }
    }

    /// The next complete packet, or nil until more bytes arrive.
    public mutating func next() throws(PacketError) -> DecodedPacket? {
        if let failure { throw failure }
        do throws(PacketError) {
            return try extractPacket()
        } catch {
            failure = error
            throw error
        }
    }

    /// The peer closed the stream: fine between packets, a `.truncated` error inside one.
    public mutating func finish() throws(PacketError) {
        if let failure { throw failure }
        guard bufferedBytes > 0 else { return }
        var frameBytes: Int? = nil
        if case .needMoreBytes(let expected) = try parseBuffered() { frameBytes = expected }
        let error = PacketError.truncated(bufferedBytes: bufferedBytes, frameBytes: frameBytes)
        failure = error
        throw error
    }

    private func parseBuffered() throws(PacketError) -> PacketParse {
        let result: Result<PacketParse, PacketError> = buffer.withUnsafeBytes { raw in
            do throws(PacketError) {
                return .success(try PacketFrame.parse(WireBytes.slice(raw, readIndex..<raw.count),
                                                      checksum: checksum, packetBytesMax: packetBytesMax))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func extractPacket() throws(PacketError) -> DecodedPacket? {
        switch try parseBuffered() {
        case .needMoreBytes(let frameBytes):
            // The packet's size is known and within bounds: make room for all of it once.
            if let frameBytes { buffer.reserveCapacity(readIndex + frameBytes) }
            return nil
        case .packet(let layout):
            return DecodedPacket(frame: takeFrame(layout.frameBytes), layout: layout)
        }
    }

    /// Removes the next `count` bytes from the buffer. When they are all of it and start at
    /// its beginning (the common case: one read, one packet), the buffer itself is handed
    /// over and nothing is copied.
    private mutating func takeFrame(_ count: Int) -> [UInt8] {
        if readIndex == 0 && buffer.count == count {
            defer { buffer = [] }
            return buffer
        }
        let frame = buffer.withUnsafeBytes { WireBytes.copy(WireBytes.slice($0, readIndex..<readIndex + count)) }
        readIndex += count
        compact()
        return frame
    }

    /// Drops consumed bytes once they outweigh what is left, so the buffer never grows past
    /// about two packets and each byte moves at most once more.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= buffer.count - readIndex {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}

extension PacketHeader {
    /// Java's PacketHeader.sanityCheck, applied by a reader to each READ_BLOCK packet:
    /// packets other than the last carry data, the last carries none, seqnos follow on.
    /// Not for the write side, where hflush may send an empty packet that is not the last.
    public func checkFollows(seqno previous: Int64) throws(PacketError) {
        if dataLen <= 0 && !lastPacketInBlock { throw .emptyDataPacket(seqno: seqno) }
        if lastPacketInBlock && dataLen != 0 { throw .lastPacketHasData(seqno: seqno, dataLen: dataLen) }
        if seqno != previous &+ 1 { throw .outOfSequence(expected: previous &+ 1, received: seqno) }
    }
}
