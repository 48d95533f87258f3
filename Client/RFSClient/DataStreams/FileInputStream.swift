import NIOCore
import NIOPosix
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// A file opened for reading (HDFS's DFSInputStream): block locations from the namenode,
/// each block streamed from one datanode with READ_BLOCK and every chunk verified; a datanode
/// that fails or sends a bad chunk is skipped for the next replica, and a bad replica is
/// reported to the namenode (reportBadBlocks) so it gets replaced.
///
/// Sequential reads keep one READ_BLOCK open to the end of the current block (the datanode
/// keeps packets in flight), and the next block's is opened as soon as the current one starts,
/// so its first packets are already on their way when the reader crosses the boundary.
public actor FileInputStream {
    public let path: String
    /// The file's length when it was opened.
    public let length: Int64
    private let fileSystem: FileSystem
    private let blocks: [Hadoop_Hdfs_LocatedBlockProto]
    private var position: Int64 = 0
    private var deadNodes: Set<String> = []
    /// The READ_BLOCK sequential reads continue, if any.
    private var current: (any BlockStream)?
    /// The next block's READ_BLOCK, opened ahead: its index and the connection being made.
    private var prefetch: (index: Int, stream: Task<any BlockStream, any Error>)?
    /// Bytes handed out so far, and how many of them came short-circuit (HDFS's ReadStatistics).
    public private(set) var statistics = ReadStatistics()

    init(path: String, fileSystem: FileSystem, readable: ReadableBlocks) {
        self.path = path
        self.fileSystem = fileSystem
        // A file still being written is read up to what its writer had hflushed when it was
        // opened (the last block's acknowledged bytes), as HDFS's DFSInputStream does.
        self.length = readable.length
        self.blocks = readable.blocks
    }

    /// The next bytes from the current position, at most `maxBytes`; empty at the end.
    public func read(maxBytes: Int) async throws -> [UInt8] {
        guard position < length, maxBytes > 0 else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(min(maxBytes, Int(length - position)))
        _ = try await readSequentially(upTo: maxBytes) { stream, done in
            try await stream.read(into: &out, maxBytes: maxBytes - done)
        }
        return out
    }

    /// Reads the next bytes from the current position straight into `destination` (until it is
    /// full or the file ends) and moves the position past them; returns the count, 0 at the
    /// end. Each verified packet is copied once, from NIO's receive buffer into `destination`
    /// (what libhdfs's hdfsRead needs). The caller keeps `destination` valid until this returns.
    public func read(into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        try await readSequentially(upTo: destination.count) { stream, done in
            _ = try await stream.read(into: UnsafeMutableRawBufferPointer(rebasing: destination[done...]))
        }
    }

    /// The loop both sequential reads share: the stream at the position hands over bytes
    /// (`copy`, told how many moved so far) until `wanted` have moved or the file ends. A
    /// datanode that fails mid-block keeps what it sent (verified), is skipped from then on, and
    /// the next pass opens another replica at the same position. Returns the bytes moved.
    private func readSequentially(upTo wanted: Int, _ copy: (any BlockStream, Int) async throws -> Void) async throws -> Int {
        let start = position
        while position - start < Int64(wanted), position < length {
            let stream = try await stream(at: position)
            do {
                try await copy(stream, Int(position - start))
                statistics.add(stream, bytes: stream.position - position)
                position = stream.position
            } catch {
                statistics.add(stream, bytes: stream.position - position)
                position = stream.position
                current = nil
                stream.close()
                try await noteFailure(error, block: blocks[stream.blockIndex], node: stream.datanode)
                continue
            }
            if stream.isFinished {
                current = nil
                stream.close()
            }
        }
        return Int(position - start)
    }

    public func seek(to offset: Int64) throws {
        guard offset >= 0, offset <= length else {
            throw RemoteException(.eof, "Cannot seek to \(offset): the file is \(length) bytes long")
        }
        position = offset
    }

    public var currentPosition: Int64 { position }

    /// Closes the open READ_BLOCK connections. Reading again opens new ones.
    public func close() {
        current?.close()
        current = nil
        if let prefetch { Self.discard(prefetch.stream) }
        prefetch = nil
    }

    /// Up to `length` bytes at `offset` (fewer at the end of the file), without moving the
    /// position or disturbing the sequential stream: one READ_BLOCK per block touched.
    public func pread(offset: Int64, length wanted: Int) async throws -> [UInt8] {
        guard offset < length, wanted > 0 else { return [] }
        var result: [UInt8] = []
        result.reserveCapacity(min(wanted, Int(length - offset)))
        var cursor = offset
        let end = min(length, offset + Int64(wanted))
        while cursor < end {
            let index = try blockIndex(holding: cursor)
            let block = blocks[index]
            let inBlock = cursor - Int64(block.offset)
            let count = min(end - cursor, Int64(block.b.numBytes) - inBlock)
            guard count > 0 else { throw RemoteException(.ioException, "block \(block.b.blockID) of \(path) ends before offset \(cursor)") }
            while true {
                let stream = try await openOnSomeReplica(index, offsetInBlock: UInt64(inBlock), length: UInt64(count))
                defer { stream.close() }
                let before = result.count
                do {
                    while !stream.isFinished { try await stream.read(into: &result, maxBytes: Int(count)) }
                    statistics.add(stream, bytes: Int64(result.count - before))
                    break
                } catch {
                    result.removeSubrange(before...)
                    try await noteFailure(error, block: block, node: stream.datanode)
                }
            }
            cursor += count
        }
        return result
    }

    /// The bytes at `offset` straight into `destination` (up to its count; fewer at the end of
    /// the file), without moving the position or disturbing the sequential stream; returns the
    /// count. One READ_BLOCK per block touched, each packet copied once into `destination`.
    public func pread(offset: Int64, into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        guard offset >= 0, offset < length, destination.count > 0 else { return 0 }
        let end = min(length, offset + Int64(destination.count))
        var cursor = offset
        while cursor < end {
            let index = try blockIndex(holding: cursor)
            let block = blocks[index]
            let inBlock = cursor - Int64(block.offset)
            let count = min(end - cursor, Int64(block.b.numBytes) - inBlock)
            guard count > 0 else { throw RemoteException(.ioException, "block \(block.b.blockID) of \(path) ends before offset \(cursor)") }
            let target = UnsafeMutableRawBufferPointer(rebasing: destination[Int(cursor - offset)..<Int(cursor - offset + count)])
            while true {
                let stream = try await openOnSomeReplica(index, offsetInBlock: UInt64(inBlock), length: UInt64(count))
                defer { stream.close() }
                do {
                    // A replica that fails half-way is read again whole from the next one.
                    var filled = 0
                    while !stream.isFinished {
                        filled += try await stream.read(into: UnsafeMutableRawBufferPointer(rebasing: target[filled...]))
                    }
                    statistics.add(stream, bytes: Int64(filled))
                    break
                } catch {
                    try await noteFailure(error, block: block, node: stream.datanode)
                }
            }
            cursor += count
        }
        return Int(end - offset)
    }

    // MARK: - Streams

    /// The stream to continue at `offset`: the current one when it is there, the prefetched
    /// one when `offset` starts its block, otherwise a new one (and the next block's prefetch).
    private func stream(at offset: Int64) async throws -> any BlockStream {
        if let current, current.position == offset { return current }
        current?.close()
        current = nil
        let index = try blockIndex(holding: offset)
        let inBlock = UInt64(offset - Int64(blocks[index].offset))
        var stream: (any BlockStream)?
        if let ahead = prefetch, ahead.index == index, inBlock == 0 {
            prefetch = nil
            stream = try? await ahead.stream.value
        } else if let ahead = prefetch, ahead.index != index + 1 {
            Self.discard(ahead.stream)
            prefetch = nil
        }
        let opened: any BlockStream
        if let stream {
            opened = stream
        } else {
            opened = try await openOnSomeReplica(index, offsetInBlock: inBlock, length: blocks[index].b.numBytes - inBlock)
        }
        current = opened
        startPrefetch(after: index)
        return opened
    }

    /// Opens the next block's READ_BLOCK in the background, on its first live replica.
    private func startPrefetch(after index: Int) {
        let next = index + 1
        guard next < blocks.count, prefetch?.index != next, blocks[next].b.numBytes > 0 else { return }
        let block = blocks[next]
        guard let location = block.locs.first(where: { !deadNodes.contains(Self.address($0)) }) else { return }
        let fileSystem = fileSystem
        let blockIndex = next
        prefetch = (next, Task {
            try await fileSystem.openBlockStream(block, blockIndex: blockIndex, from: location.id, offsetInBlock: 0, length: block.b.numBytes)
        })
    }

    private static func discard(_ task: Task<any BlockStream, any Error>) {
        Task { (try? await task.value)?.close() }
    }

    /// A READ_BLOCK of `length` bytes at `offsetInBlock` of block `index`, on the first replica
    /// that accepts it; replicas that fail are skipped from then on.
    private func openOnSomeReplica(_ index: Int, offsetInBlock: UInt64, length: UInt64) async throws -> any BlockStream {
        let block = blocks[index]
        var lastError: Error?
        let candidates = block.locs.filter { !deadNodes.contains(Self.address($0)) } + block.locs.filter { deadNodes.contains(Self.address($0)) }
        for location in candidates {
            do {
                return try await fileSystem.openBlockStream(block, blockIndex: index, from: location.id, offsetInBlock: offsetInBlock, length: length)
            } catch {
                lastError = error
                deadNodes.insert(Self.address(location))
            }
        }
        throw RemoteException(.blockMissing, "Could not obtain block: blk_\(block.b.blockID) file=\(path) (\(lastError.map { "\($0)" } ?? "no datanode holds it"))")
    }

    /// A replica failed under a read: it is skipped from now on, and reported to the namenode
    /// when its bytes were bad. Gives up when every replica of the block has failed.
    private func noteFailure(_ error: any Error, block: Hadoop_Hdfs_LocatedBlockProto, node: Hadoop_Hdfs_DatanodeIDProto) async throws {
        let address = node.transferAddress
        deadNodes.insert(address)
        if error is ChecksumMismatch {
            var report = Hadoop_Hdfs_ReportBadBlocksRequestProto()
            var bad = block
            bad.locs = block.locs.filter { Self.address($0) == address }
            report.blocks = [bad]
            _ = try? await fileSystem.call("reportBadBlocks", report, returning: Hadoop_Hdfs_ReportBadBlocksResponseProto.self, idempotent: true)
        }
        if block.locs.allSatisfy({ deadNodes.contains(Self.address($0)) }) {
            throw RemoteException(.blockMissing, "Could not obtain block: blk_\(block.b.blockID) file=\(path) (\(error))")
        }
    }

    private func blockIndex(holding offset: Int64) throws -> Int {
        guard let index = blocks.lastIndex(where: { Int64($0.offset) <= offset }) else {
            throw RemoteException(.ioException, "no block of \(path) holds offset \(offset)")
        }
        return index
    }

    static func address(_ node: Hadoop_Hdfs_DatanodeInfoProto) -> String { node.id.transferAddress }
}

/// What a stream has read (HDFS's DFSInputStream.ReadStatistics): every byte handed to the
/// caller, and those of them read short-circuit from a local replica's files.
public struct ReadStatistics: Sendable, Equatable {
    public var totalBytesRead: Int64 = 0
    public var totalShortCircuitBytesRead: Int64 = 0

    mutating func add(_ stream: any BlockStream, bytes: Int64) {
        guard bytes > 0 else { return }
        totalBytesRead += bytes
        if stream is LocalBlockStream { totalShortCircuitBytesRead += bytes }
    }
}

/// One block's bytes from one replica, handed out as the caller asks, every chunk verified
/// first: over TCP (`RemoteBlockStream`, READ_BLOCK) or from the replica's files
/// (`LocalBlockStream`, a short-circuit read). Used by one task at a time (the stream's owner).
protocol BlockStream: AnyObject, Sendable {
    var blockIndex: Int { get }
    var datanode: Hadoop_Hdfs_DatanodeIDProto { get }
    /// File offset of the next byte handed out.
    var position: Int64 { get }
    var isFinished: Bool { get }
    /// Appends up to `maxBytes` of the block to `out` (at least one byte unless finished).
    func read(into out: inout [UInt8], maxBytes: Int) async throws
    /// Copies up to `destination.count` bytes of the block into `destination` (at least one
    /// unless finished); returns the count. Runs on the caller's actor, which owns `destination`.
    nonisolated(nonsending) func read(into destination: UnsafeMutableRawBufferPointer) async throws -> Int
    func close()
}

/// One READ_BLOCK: packets are read as the caller asks for bytes, each chunk verified before
/// its bytes are handed out.
final class RemoteBlockStream: BlockStream, @unchecked Sendable {
    let blockIndex: Int
    let datanode: Hadoop_Hdfs_DatanodeIDProto
    /// File offset of the next byte handed out.
    private(set) var position: Int64
    /// File offset where this read ends.
    let end: Int64
    private let connection: TransferConnection
    private let checksum: ChunkedChecksum
    /// Bytes of the first packet before the requested offset (reads start on a chunk boundary).
    private var skip: Int
    /// Verified bytes of the last packet not handed out yet.
    private var pending: ByteBuffer?
    private var sawLastPacket = false

    var isFinished: Bool { position >= end }

    private init(blockIndex: Int, datanode: Hadoop_Hdfs_DatanodeIDProto, position: Int64, end: Int64,
                 connection: TransferConnection, checksum: ChunkedChecksum, skip: Int) {
        self.blockIndex = blockIndex
        self.datanode = datanode
        self.position = position
        self.end = end
        self.connection = connection
        self.checksum = checksum
        self.skip = skip
    }

    static func open(_ block: Hadoop_Hdfs_ExtendedBlockProto, blockIndex: Int, fileOffset: Int64,
                     from datanode: Hadoop_Hdfs_DatanodeIDProto, offsetInBlock: UInt64, length: UInt64,
                     clientName: String) async throws -> RemoteBlockStream {
        let connection = try await TransferConnection.connect(to: datanode, group: MultiThreadedEventLoopGroup.singleton)
        do {
            var op = Hadoop_Hdfs_OpReadBlockProto()
            op.header.baseHeader.block = block
            op.header.clientName = clientName
            op.offset = offsetInBlock
            op.len = length
            op.sendChecksums = true
            try await connection.send(try OpRequest(opcode: .readBlock, message: op))
            let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
            guard reply.status == .success else {
                throw RemoteException(.ioException, "datanode \(datanode.ipAddr):\(datanode.xferPort) refused the read: \(reply.message)")
            }
            let checksum = try ChunkedChecksum(proto: reply.readOpChecksumInfo.checksum)
            let chunkOffset = reply.readOpChecksumInfo.chunkOffset
            guard chunkOffset <= offsetInBlock else {
                throw RemoteException(.ioException, "datanode sent data from \(chunkOffset), after \(offsetInBlock)")
            }
            let start = fileOffset + Int64(offsetInBlock)
            return RemoteBlockStream(blockIndex: blockIndex, datanode: datanode, position: start, end: start + Int64(length),
                               connection: connection, checksum: checksum, skip: Int(offsetInBlock - chunkOffset))
        } catch {
            connection.close()
            throw error
        }
    }

    /// Appends up to `maxBytes` of the block to `out` (at least one byte unless finished).
    func read(into out: inout [UInt8], maxBytes: Int) async throws {
        try await read(maxBytes: maxBytes) { out.append(contentsOf: $0) }
    }

    /// Copies up to `destination.count` bytes of the block into `destination` (at least one
    /// unless finished); returns the count. Runs on the caller's actor, which owns `destination`.
    nonisolated(nonsending) func read(into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        var filled = 0
        try await read(maxBytes: destination.count) { piece in
            UnsafeMutableRawBufferPointer(rebasing: destination[filled...]).copyMemory(from: piece)
            filled += piece.count
        }
        return filled
    }

    /// Hands up to `maxBytes` of the block to `deliver`, a verified piece at a time, straight
    /// from the packet's receive buffer.
    nonisolated(nonsending) private func read(maxBytes: Int, deliver: (UnsafeRawBufferPointer) -> Void) async throws {
        var wanted = min(maxBytes, Int(end - position))
        while wanted > 0 {
            if pending == nil || pending!.readableBytes == 0 { try await nextPacket() }
            let take = min(wanted, pending!.readableBytes)
            pending!.withUnsafeReadableBytes { deliver(UnsafeRawBufferPointer(rebasing: $0[..<take])) }
            pending!.moveReaderIndex(forwardBy: take)
            position += Int64(take)
            wanted -= take
        }
        // The bytes are all here and verified; a datanode that hangs up before its trailer
        // loses nothing.
        if isFinished && !sawLastPacket { try? await finish() }
    }

    /// Reads and verifies the next data packet into `pending`.
    private func nextPacket() async throws {
        while true {
            let (layout, frame) = try await connection.reader.readPacket(checksum: checksum)
            guard layout.header.dataLen > 0 else {
                sawLastPacket = true
                throw RemoteException(.ioException, "datanode \(datanode.transferAddress) ended the block at offset \(position), before \(end)")
            }
            try frame.withUnsafeReadableBytes { (raw) throws(ChecksumMismatch) in
                try checksum.verify(UnsafeRawBufferPointer(rebasing: raw[layout.dataRange]),
                                    sums: UnsafeRawBufferPointer(rebasing: raw[layout.checksumRange]),
                                    baseOffset: Int(layout.header.offsetInBlock))
            }
            var data = frame.getSlice(at: frame.readerIndex + layout.dataRange.lowerBound, length: layout.dataRange.count)!
            if skip > 0 {
                let dropped = min(skip, data.readableBytes)
                data.moveReaderIndex(forwardBy: dropped)
                skip -= dropped
            }
            if data.readableBytes > 0 {
                pending = data
                return
            }
        }
    }

    /// The datanode's empty last packet, then our status: the read was verified.
    private func finish() async throws {
        let (layout, _) = try await connection.reader.readPacket(checksum: checksum)
        sawLastPacket = true
        if layout.header.dataLen == 0 {
            try await connection.send(DataTransferReplies.clientReadStatus(checksumsVerified: true))
        }
    }

    func close() {
        connection.close()
    }

    /// A stream dropped without `close` (a reader that stopped early) still hangs up.
    deinit {
        connection.close()
    }
}

extension FileSystem {
    /// The bytes of `block` from `datanode`: from the replica's files when short-circuit reads
    /// are on and the datanode is on this host and grants them, over TCP otherwise.
    func openBlockStream(_ block: Hadoop_Hdfs_LocatedBlockProto, blockIndex: Int, from datanode: Hadoop_Hdfs_DatanodeIDProto,
                         offsetInBlock: UInt64, length: UInt64) async throws -> any BlockStream {
        if let local = await shortCircuit.open(block.b, blockIndex: blockIndex, fileOffset: Int64(block.offset), from: datanode,
                                               offsetInBlock: offsetInBlock, length: length, clientName: clientName) {
            return local
        }
        return try await RemoteBlockStream.open(block.b, blockIndex: blockIndex, fileOffset: Int64(block.offset), from: datanode,
                                                offsetInBlock: offsetInBlock, length: length, clientName: clientName)
    }

    /// Opens a file for reading.
    public func open(_ path: String) async throws -> FileInputStream {
        let absolute = try resolve(path)
        return FileInputStream(path: absolute, fileSystem: self, readable: try await readableBlocks(absolute))
    }
}
