import NIOPosix
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// A file opened for reading (HDFS's DFSInputStream): block locations from the namenode,
/// each range read from one datanode with READ_BLOCK and every chunk verified; a datanode
/// that fails or sends a bad chunk is skipped for the next replica, and a bad replica is
/// reported to the namenode (reportBadBlocks) so it gets replaced.
public actor FileInputStream {
    public let path: String
    /// The file's length when it was opened.
    public let length: Int64
    private let fileSystem: FileSystem
    private let blocks: [Hadoop_Hdfs_LocatedBlockProto]
    private var position: Int64 = 0
    private var deadNodes: Set<String> = []
    /// The READ_BLOCK sequential reads continue, while they stay sequential.
    private var sequential: BlockReader?

    init(path: String, fileSystem: FileSystem, located: Hadoop_Hdfs_LocatedBlocksProto) {
        self.path = path
        self.fileSystem = fileSystem
        // A file still being written is read up to what the namenode reports; the bytes of
        // its block under construction are not visible here yet.
        self.length = Int64(located.fileLength)
        self.blocks = located.blocks
    }

    /// The next bytes from the current position, at most `maxBytes`; empty at the end.
    public func read(maxBytes: Int) async throws -> [UInt8] {
        let bytes = try await pread(offset: position, length: maxBytes)
        position += Int64(bytes.count)
        return bytes
    }

    public func seek(to offset: Int64) throws {
        guard offset >= 0, offset <= length else {
            throw RemoteException(.eof, "Cannot seek to \(offset): the file is \(length) bytes long")
        }
        position = offset
    }

    public var currentPosition: Int64 { position }

    /// Drops what the stream holds between reads (HDFS's unbuffer), so an idle open file
    /// costs no datanode connection; the next read opens a new one.
    public func unbuffer() {
        sequential?.close()
        sequential = nil
    }

    /// Closes the datanode connection a sequential read keeps. The stream stays usable.
    public func close() {
        unbuffer()
    }

    deinit {
        sequential?.close()
    }

    /// Up to `length` bytes at `offset` (fewer at the end of the file), without moving the position.
    public func pread(offset: Int64, length wanted: Int) async throws -> [UInt8] {
        guard offset < length, wanted > 0 else { return [] }
        let count = Int(min(Int64(wanted), length - offset))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        let read = try await pread(offset: offset, into: buffer)
        return Array(buffer[..<read])
    }

    /// Reads the next bytes from the current position straight into `destination` (up to its
    /// count; fewer at the end of the file) and moves the position past them. Returns the
    /// count read, 0 at the end. The caller keeps `destination` valid until this returns.
    public func read(into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        // A block reader stops at its block's end; the next one continues, so a read is short
        // only at the end of the file.
        var filled = 0
        while filled < destination.count && position < length {
            filled += try await readWithinBlock(into: UnsafeMutableRawBufferPointer(rebasing: destination[filled...]))
        }
        return filled
    }

    /// The next bytes from the current position, up to the end of the block that holds it.
    private func readWithinBlock(into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        if let reader = sequential, reader.nextOffset != position { unbuffer() }
        if sequential == nil { sequential = try? await openSequential(at: position) }
        if var reader = sequential {
            sequential = nil
            do {
                let count = try await reader.read(into: destination)
                if !reader.isFinished { sequential = reader }
                position += Int64(count)
                return count
            } catch {
                // Read this call through pread, which tries every replica and reports a
                // corrupt one; the next call opens a new sequential reader.
                reader.close()
                deadNodes.insert(reader.datanode)
            }
        }
        let count = try await pread(offset: position, into: destination)
        position += Int64(count)
        return count
    }

    /// A sequential reader from `offset` to the end of its block, on the first replica that
    /// answers (live nodes first).
    private func openSequential(at offset: Int64) async throws -> BlockReader {
        guard let block = blocks.last(where: { Int64($0.offset) <= offset }), offset < Int64(block.offset) + Int64(block.b.numBytes) else {
            throw RemoteException(.ioException, "no block of \(path) holds offset \(offset)")
        }
        var lastError: Error = RemoteException(.blockMissing, "no datanode holds blk_\(block.b.blockID)")
        for location in block.locs.filter({ !deadNodes.contains(Self.address($0)) }) {
            do {
                return try await BlockReader.open(block, on: location, at: offset, clientName: fileSystem.clientName)
            } catch {
                lastError = error
                deadNodes.insert(Self.address(location))
            }
        }
        throw lastError
    }

    /// Reads the bytes at `offset` straight into `destination` (up to its count; fewer at the
    /// end of the file), without moving the position: each verified packet is copied once, from
    /// the datanode's receive buffer into `destination`. Returns the count read.
    public func pread(offset: Int64, into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        guard offset >= 0, offset < length, destination.count > 0 else { return 0 }
        let end = min(length, offset + Int64(destination.count))
        var cursor = offset
        while cursor < end {
            guard let block = blocks.last(where: { Int64($0.offset) <= cursor }) else {
                throw RemoteException(.ioException, "no block of \(path) holds offset \(cursor)")
            }
            let inBlock = cursor - Int64(block.offset)
            let count = min(end - cursor, Int64(block.b.numBytes) - inBlock)
            guard count > 0 else { throw RemoteException(.ioException, "block \(block.b.blockID) of \(path) ends before offset \(cursor)") }
            let start = Int(cursor - offset)
            try await readFromSomeReplica(block, offset: UInt64(inBlock),
                                          into: UnsafeMutableRawBufferPointer(rebasing: destination[start..<start + Int(count)]))
            cursor += count
        }
        return Int(end - offset)
    }

    private func readFromSomeReplica(_ block: Hadoop_Hdfs_LocatedBlockProto, offset: UInt64,
                                     into destination: UnsafeMutableRawBufferPointer) async throws {
        var lastError: Error?
        let candidates = block.locs.filter { !deadNodes.contains(Self.address($0)) } + block.locs.filter { deadNodes.contains(Self.address($0)) }
        for location in candidates {
            do {
                // A replica that fails half-way leaves part of `destination` written; the next
                // one writes all of it again.
                return try await readBlock(block.b, from: location.id, offset: offset, into: destination)
            } catch let mismatch as ChecksumMismatch {
                lastError = mismatch
                deadNodes.insert(Self.address(location))
                var report = Hadoop_Hdfs_ReportBadBlocksRequestProto()
                var bad = block
                bad.locs = [location]
                report.blocks = [bad]
                _ = try? await fileSystem.call("reportBadBlocks", report, returning: Hadoop_Hdfs_ReportBadBlocksResponseProto.self, idempotent: true)
            } catch {
                lastError = error
                deadNodes.insert(Self.address(location))
            }
        }
        throw RemoteException(.blockMissing, "Could not obtain block: blk_\(block.b.blockID) file=\(path) (\(lastError.map { "\($0)" } ?? "no datanode holds it"))")
    }

    static func address(_ node: Hadoop_Hdfs_DatanodeInfoProto) -> String { node.id.transferAddress }

    /// READ_BLOCK of `destination.count` bytes at `offset` in the block from one datanode,
    /// every chunk checked against its sum, the bytes asked for copied into `destination`.
    /// Isolated to the stream, which owns `destination` for the call.
    private func readBlock(_ block: Hadoop_Hdfs_ExtendedBlockProto, from datanode: Hadoop_Hdfs_DatanodeIDProto,
                           offset: UInt64, into destination: UnsafeMutableRawBufferPointer) async throws {
        let length = UInt64(destination.count)
        let connection = try await TransferConnection.connect(to: datanode,
                                                              group: MultiThreadedEventLoopGroup.singleton)
        defer { connection.close() }
        var op = Hadoop_Hdfs_OpReadBlockProto()
        op.header.baseHeader.block = block
        op.header.clientName = fileSystem.clientName
        op.offset = offset
        op.len = length
        op.sendChecksums = true
        try await connection.send(try OpRequest(opcode: .readBlock, message: op))
        let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
        guard reply.status == .success else {
            throw RemoteException(.ioException, "datanode \(datanode.ipAddr):\(datanode.xferPort) refused the read: \(reply.message)")
        }
        let checksum = try ChunkedChecksum(proto: reply.readOpChecksumInfo.checksum)
        let chunkOffset = reply.readOpChecksumInfo.chunkOffset
        guard chunkOffset <= offset else { throw RemoteException(.ioException, "datanode sent data from \(chunkOffset), after \(offset)") }
        // The datanode starts at a chunk boundary; only [offset, offset + length) is kept.
        var copied: UInt64 = 0
        while true {
            let (layout, frame) = try await connection.reader.readPacket(checksum: checksum)
            if layout.header.dataLen == 0 { break }
            let packetStart = UInt64(layout.header.offsetInBlock)
            try frame.withUnsafeReadableBytes { (raw) throws(ChecksumMismatch) in
                let data = UnsafeRawBufferPointer(rebasing: raw[layout.dataRange])
                try checksum.verify(data, sums: UnsafeRawBufferPointer(rebasing: raw[layout.checksumRange]),
                                    baseOffset: Int(layout.header.offsetInBlock))
                let from = max(packetStart, offset)
                let to = min(packetStart + UInt64(data.count), offset + length)
                guard from < to else { return }
                let source = UnsafeRawBufferPointer(rebasing: data[Int(from - packetStart)..<Int(to - packetStart)])
                UnsafeMutableRawBufferPointer(rebasing: destination[Int(from - offset)...]).copyMemory(from: source)
                copied = max(copied, to - offset)
            }
        }
        try await connection.send(DataTransferReplies.clientReadStatus(checksumsVerified: true))
        guard copied >= length else {
            throw RemoteException(.ioException, "datanode sent \(copied) bytes, fewer than the \(length) asked for")
        }
    }
}

extension FileSystem {
    /// Opens a file for reading.
    public func open(_ path: String) async throws -> FileInputStream {
        let absolute = try resolve(path)
        return FileInputStream(path: absolute, fileSystem: self, located: try await locatedBlocks(absolute))
    }
}
