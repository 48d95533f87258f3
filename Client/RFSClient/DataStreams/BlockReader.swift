import NIOCore
import NIOPosix
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// One READ_BLOCK kept open for sequential reads (HDFS's BlockReader): the rest of one block
/// from one datanode, received packet by packet with every chunk verified, the part of a
/// packet the caller had no room for kept for the next read. Sequential reads then cost one
/// connection per block, not one per call.
struct BlockReader {
    /// `ip:port` of the datanode, for the stream's dead-node list.
    let datanode: String
    /// File offset of the next byte `read` delivers.
    private(set) var nextOffset: Int64
    /// File offset where the block (and the range asked for) ends.
    let endOffset: Int64
    private let connection: TransferConnection
    private let checksum: ChunkedChecksum
    private let blockStartInFile: Int64
    /// Verified bytes received and not yet delivered; they start at `nextOffset`.
    private var pending: ByteBuffer?

    /// True once every byte up to `endOffset` was delivered and the connection closed.
    var isFinished: Bool { nextOffset >= endOffset }

    /// Opens READ_BLOCK from `fileOffset` to the end of `block` on `location`.
    static func open(_ block: Hadoop_Hdfs_LocatedBlockProto, on location: Hadoop_Hdfs_DatanodeInfoProto,
                     at fileOffset: Int64, clientName: String) async throws -> BlockReader {
        let blockStart = Int64(block.offset)
        let inBlock = UInt64(fileOffset - blockStart)
        let connection = try await TransferConnection.connect(to: location.id, group: MultiThreadedEventLoopGroup.singleton)
        do {
            var op = Hadoop_Hdfs_OpReadBlockProto()
            op.header.baseHeader.block = block.b
            op.header.clientName = clientName
            op.offset = inBlock
            op.len = block.b.numBytes - inBlock
            op.sendChecksums = true
            try await connection.send(try OpRequest(opcode: .readBlock, message: op))
            let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
            guard reply.status == .success else {
                throw RemoteException(.ioException, "datanode \(location.id.transferAddress) refused the read: \(reply.message)")
            }
            guard reply.readOpChecksumInfo.chunkOffset <= inBlock else {
                throw RemoteException(.ioException, "datanode sent data from \(reply.readOpChecksumInfo.chunkOffset), after \(inBlock)")
            }
            return BlockReader(datanode: location.id.transferAddress, nextOffset: fileOffset,
                               endOffset: blockStart + Int64(block.b.numBytes), connection: connection,
                               checksum: try ChunkedChecksum(proto: reply.readOpChecksumInfo.checksum), blockStartInFile: blockStart)
        } catch {
            connection.close()
            throw error
        }
    }

    /// Copies the next bytes into `destination` until it is full or the block ends; returns
    /// the count. At the block's end the datanode's last packet is read, the read acknowledged
    /// and the connection closed.
    /// Runs on the caller's actor (`nonisolated(nonsending)`), which owns `destination`.
    nonisolated(nonsending) mutating func read(into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        var copied = 0
        while copied < destination.count && nextOffset < endOffset {
            if (pending?.readableBytes ?? 0) == 0 { try await receivePacket() }
            let count = min(pending!.readableBytes, destination.count - copied)
            pending!.readWithUnsafeReadableBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: destination[copied..<copied + count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<count]))
                return count
            }
            copied += count
            nextOffset += Int64(count)
        }
        if isFinished { await finish() }
        return copied
    }

    func close() {
        connection.close()
    }

    private mutating func receivePacket() async throws {
        let (layout, frame) = try await connection.reader.readPacket(checksum: checksum)
        guard layout.header.dataLen > 0 else {
            throw RemoteException(.ioException, "datanode \(datanode) ended the block at \(nextOffset), before \(endOffset)")
        }
        try frame.withUnsafeReadableBytes { (raw) throws(ChecksumMismatch) in
            try checksum.verify(UnsafeRawBufferPointer(rebasing: raw[layout.dataRange]),
                                sums: UnsafeRawBufferPointer(rebasing: raw[layout.checksumRange]),
                                baseOffset: Int(layout.header.offsetInBlock))
        }
        let packetStart = blockStartInFile + layout.header.offsetInBlock
        // The first packet starts at a chunk boundary before the offset asked for.
        let skip = nextOffset - packetStart
        guard skip >= 0, skip < Int64(layout.dataRange.count) else {
            throw RemoteException(.ioException, "datanode \(datanode) sent bytes \(packetStart)..<\(packetStart + Int64(layout.dataRange.count)), expected \(nextOffset)")
        }
        pending = frame.getSlice(at: frame.readerIndex + layout.dataRange.lowerBound + Int(skip),
                                 length: layout.dataRange.count - Int(skip))
    }

    /// The empty last packet, then the client's "checksums verified" status, as HDFS's reader
    /// ends a block; a failure here loses nothing the caller was given.
    private mutating func finish() async {
        pending = nil
        if let (layout, _) = try? await connection.reader.readPacket(checksum: checksum), layout.header.dataLen == 0 {
            try? await connection.send(DataTransferReplies.clientReadStatus(checksumsVerified: true))
        }
        connection.close()
    }
}
