import NIOCore
import RFSChecksum
import RFSDataTransfer
import RFSModel
import RFSProtocol
import RFSTransferIO

/// A file being written (HDFS's DFSOutputStream): bytes are cut into 64 KiB packets with a
/// CRC32C per 512-byte chunk and streamed through one block pipeline at a time; a full block
/// is closed and the next allocated with `addBlock`; `close` waits for every ack and then
/// completes the file. The lease is renewed in the background while the stream is open.
public actor FileOutputStream {
    public let path: String
    private let fileSystem: FileSystem
    private let fileID: UInt64
    private let blockSizeBytes: Int64
    private let checksum: ChunkedChecksum
    private let packetDataBytes: Int
    private var pipeline: BlockPipeline?
    private var packetizer: Packetizer?
    /// The last block finished, named in the next addBlock and in complete.
    private var previous: Hadoop_Hdfs_ExtendedBlockProto?
    /// Bytes waiting to fill a packet.
    private var buffered: [UInt8] = []
    private var bytesInBlock: Int64 = 0
    private var closed = false
    private let leaseRenewal: Task<Void, Never>
    /// Set when the stream continues a file's last partial block (append).
    private var appendBlock: Hadoop_Hdfs_LocatedBlockProto?

    init(path: String, fileSystem: FileSystem, fileID: UInt64, blockSizeBytes: Int64, checksum: ChunkedChecksum,
         writePacketSizeBytes: Int, appendingTo lastBlock: Hadoop_Hdfs_LocatedBlockProto? = nil) {
        self.path = path
        self.fileSystem = fileSystem
        self.fileID = fileID
        self.blockSizeBytes = blockSizeBytes
        self.checksum = checksum
        self.packetDataBytes = PacketSizing(writePacketSizeBytes: writePacketSizeBytes, checksum: checksum).dataBytesPerPacket
        self.appendBlock = lastBlock
        if let lastBlock, lastBlock.b.numBytes > 0 {
            previous = lastBlock.b
        }
        leaseRenewal = Task { [fileSystem] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                if Task.isCancelled { return }
                var renew = Hadoop_Hdfs_RenewLeaseRequestProto()
                renew.clientName = fileSystem.clientName
                _ = try? await fileSystem.call("renewLease", renew, returning: Hadoop_Hdfs_RenewLeaseResponseProto.self, idempotent: true)
            }
        }
    }

    /// Whole packets a write frames from the caller's bytes before it sends them: the
    /// caller's memory is only read synchronously, so a batch is framed, then sent; this
    /// bounds the frames held at once (16 × 64 KiB).
    static let packetsPerBatch = 16

    /// Appends bytes to the file (see `write(contentsOf:)`).
    public func write(_ bytes: some Collection<UInt8>) async throws {
        guard !closed else { throw RemoteException(.ioException, "Stream closed: \(path)") }
        if bytes.withContiguousStorageIfAvailable({ _ in true }) == true {
            try await write(count: bytes.count) { body in
                _ = bytes.withContiguousStorageIfAvailable { body(UnsafeRawBufferPointer($0)) }
            }
        } else {
            let contiguous = Array(bytes)
            try await write(count: contiguous.count) { body in contiguous.withUnsafeBytes(body) }
        }
    }

    /// Appends the bytes at `bytes`; the caller may reuse its memory as soon as this returns.
    /// Whole packets are framed straight from it (one copy, with the sums computed on the
    /// way); only a tail shorter than a packet is kept for the next write.
    public func write(contentsOf bytes: UnsafeRawBufferPointer) async throws {
        guard !closed else { throw RemoteException(.ioException, "Stream closed: \(path)") }
        try await write(count: bytes.count) { body in body(bytes) }
    }

    /// What both writes share. `lend` shows the caller's `count` bytes to a synchronous body
    /// (as often as asked; never across a suspension). A packet begun by an earlier write is
    /// completed first, so packets stay whole; then whole packets go out framed from the
    /// caller's bytes; the tail waits in `buffered`.
    private func write(count: Int, lend: (_ body: (UnsafeRawBufferPointer) -> Void) -> Void) async throws {
        var consumed = 0
        while !buffered.isEmpty, consumed < count {
            let take = min(count - consumed, packetDataBytes - buffered.count)
            let from = consumed
            lend { bytes in buffered.append(contentsOf: Self.typed(UnsafeRawBufferPointer(rebasing: bytes[from..<from + take]))) }
            consumed += take
            try await sendBuffered(final: false)
        }
        while consumed < count {
            if pipeline == nil { try await startBlock() }
            let roomInBlock = Int(blockSizeBytes - bytesInBlock)
            let available = count - consumed
            let whole = available >= roomInBlock ? roomInBlock : available / packetDataBytes * packetDataBytes
            let batch = min(whole, packetDataBytes * Self.packetsPerBatch)
            guard batch > 0 else { break }
            var frames: [(header: PacketHeader, frame: ByteBuffer)] = []
            let from = consumed
            lend { bytes in frames = self.frames(of: UnsafeRawBufferPointer(rebasing: bytes[from..<from + batch]), syncBlock: false) }
            for (header, frame) in frames { try await pipeline!.send(header, frame: frame) }
            consumed += batch
            bytesInBlock += Int64(batch)
            if bytesInBlock >= blockSizeBytes { try await finishBlock() }
        }
        if consumed < count {
            let from = consumed
            lend { bytes in buffered.append(contentsOf: Self.typed(UnsafeRawBufferPointer(rebasing: bytes[from..<count]))) }
        }
    }

    /// Raw bytes as typed ones, so an append is one memcpy (a raw buffer is appended a byte at a time).
    private static func typed(_ bytes: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// The current block's next packets carrying `data`, each framed for the pipeline.
    private func frames(of data: UnsafeRawBufferPointer, syncBlock: Bool) -> [(header: PacketHeader, frame: ByteBuffer)] {
        packetizer!.headers(forDataBytes: data.count, syncBlock: syncBlock).map { cut in
            (cut.header, pipeline!.frame(cut.header, data: UnsafeRawBufferPointer(rebasing: data[cut.range])))
        }
    }

    /// Sends every byte written so far, a short last packet included, and waits until every
    /// datanode of the pipeline acknowledged it (HDFS's hflush: readers that open the file
    /// afterwards can read it). With `sync` the datanodes also sync it to disk (hsync).
    public func flush(sync: Bool = false) async throws {
        guard !closed else { throw RemoteException(.ioException, "Stream closed: \(path)") }
        try await sendBuffered(final: true, syncBlock: sync)
        try await pipeline?.waitForAcks()
    }

    /// Sends every whole packet's worth of what is buffered (and with `final`, the rest),
    /// finishing blocks as they fill; only a tail shorter than a packet stays buffered.
    private func sendBuffered(final: Bool, syncBlock: Bool = false) async throws {
        var start = 0
        defer { if start > 0 { buffered.removeFirst(start) } }
        while start < buffered.count {
            if pipeline == nil { try await startBlock() }
            let available = buffered.count - start
            let roomInBlock = Int(blockSizeBytes - bytesInBlock)
            let count = min(available, packetDataBytes, roomInBlock)
            guard final || count == packetDataBytes || count == roomInBlock else { return }
            // hsync asks the datanodes to sync with the last packet it sends.
            let sync = syncBlock && start + count == buffered.count
            let from = start
            let framed = buffered.withUnsafeBytes { self.frames(of: UnsafeRawBufferPointer(rebasing: $0[from..<from + count]), syncBlock: sync) }
            for (header, frame) in framed { try await pipeline!.send(header, frame: frame) }
            start += count
            bytesInBlock += Int64(count)
            if bytesInBlock >= blockSizeBytes { try await finishBlock() }
        }
    }

    private func startBlock() async throws {
        if let appendBlock, appendBlock.b.numBytes > 0, Int64(appendBlock.b.numBytes) < blockSizeBytes {
            // Continue the file's last block: the first packet fills its partial chunk.
            self.appendBlock = nil
            pipeline = try await BlockPipeline(block: appendBlock, checksum: checksum, fileSystem: fileSystem, append: true)
            bytesInBlock = Int64(appendBlock.b.numBytes)
            packetizer = Packetizer(checksum: checksum, sizing: PacketSizing(chunksPerPacket: packetDataBytes / checksum.bytesPerChecksum,
                                                                             bytesPerChecksum: checksum.bytesPerChecksum),
                                    blockOffset: bytesInBlock)
            return
        }
        appendBlock = nil
        var add = Hadoop_Hdfs_AddBlockRequestProto()
        add.src = path
        add.clientName = fileSystem.clientName
        add.fileID = fileID
        if let previous { add.previous = previous }
        var excluded: [Hadoop_Hdfs_DatanodeInfoProto] = []
        for attempt in 0..<3 {
            add.excludeNodes = excluded
            let block = try await addBlock(add)
            do {
                pipeline = try await BlockPipeline(block: block, checksum: checksum, fileSystem: fileSystem, append: false)
                break
            } catch let failure as PipelineSetupFailure where attempt < 2 {
                // HDFS's answer to a bad datanode at setup: abandon the block, exclude the node, ask again.
                var abandon = Hadoop_Hdfs_AbandonBlockRequestProto()
                abandon.b = block.b
                abandon.src = path
                abandon.holder = fileSystem.clientName
                abandon.fileID = fileID
                _ = try await fileSystem.call("abandonBlock", abandon, returning: Hadoop_Hdfs_AbandonBlockResponseProto.self, idempotent: false)
                let bad = block.locs.first { $0.id.transferAddress == failure.firstBadLink } ?? block.locs[0]
                excluded.append(bad)
            }
        }
        bytesInBlock = 0
        packetizer = Packetizer(checksum: checksum, sizing: PacketSizing(chunksPerPacket: packetDataBytes / checksum.bytesPerChecksum,
                                                                         bytesPerChecksum: checksum.bytesPerChecksum))
    }

    /// addBlock, retried while the namenode says the previous block is not yet replicated.
    private func addBlock(_ request: Hadoop_Hdfs_AddBlockRequestProto) async throws -> Hadoop_Hdfs_LocatedBlockProto {
        var delay = Duration.milliseconds(100)
        for attempt in 0..<8 {
            do {
                return try await fileSystem.call("addBlock", request, returning: Hadoop_Hdfs_AddBlockResponseProto.self, idempotent: false).block
            } catch let remote as RemoteException where remote.className.hasSuffix("NotReplicatedYetException") && attempt < 7 {
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
        throw RemoteException(.ioException, "addBlock for \(path) kept failing")
    }

    /// Sends the empty last packet and waits until the whole pipeline acknowledged the block.
    private func finishBlock() async throws {
        guard let pipeline, var packetizer else { return }
        try await pipeline.send(packetizer.lastPacket())
        self.packetizer = packetizer
        try await pipeline.waitForAcks()
        var finished = pipeline.block.b
        finished.numBytes = UInt64(bytesInBlock)
        previous = finished
        pipeline.close()
        self.pipeline = nil
        self.packetizer = nil
        bytesInBlock = 0
    }

    /// Writes what is left, finishes the last block and completes the file (retrying while
    /// the namenode waits for the datanodes' reports, as HDFS's client does).
    public func close() async throws {
        guard !closed else { return }
        closed = true
        defer { leaseRenewal.cancel() }
        do {
            if buffered.isEmpty, pipeline == nil, let appendBlock, appendBlock.b.numBytes > 0,
               Int64(appendBlock.b.numBytes) < blockSizeBytes {
                // An append that wrote nothing still takes the reopened block through its
                // pipeline, as Hadoop's client does: the replicas move to the new generation
                // stamp and are finalized, so the namenode can complete the file.
                try await startBlock()
            }
            try await sendBuffered(final: true)
            try await finishBlock()
        } catch {
            pipeline?.close()
            throw error
        }
        var complete = Hadoop_Hdfs_CompleteRequestProto()
        complete.src = path
        complete.clientName = fileSystem.clientName
        complete.fileID = fileID
        if let previous { complete.last = previous }
        var delay = Duration.milliseconds(50)
        for _ in 0..<10 {
            if try await fileSystem.call("complete", complete, returning: Hadoop_Hdfs_CompleteResponseProto.self, idempotent: true).result {
                return
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
        throw RemoteException(.ioException, "Unable to close file because the last block \(previous.map { "blk_\($0.blockID)" } ?? "") does not have enough number of replicas.")
    }
}

extension FileSystem {
    /// Creates (or with `overwrite`, replaces) a file and opens it for writing.
    public func create(_ path: String, overwrite: Bool = false, createParent: Bool = true, replication: Int? = nil,
                       blockSizeBytes: Int64? = nil, permission: FsPermission = .fileDefault) async throws -> FileOutputStream {
        let absolute = try resolve(path)
        let defaults = try await serverDefaults()
        let blockSize = blockSizeBytes ?? configuredBlockSizeBytes ?? defaults.blockSizeBytes
        let created = try await createFile(absolute, overwrite: overwrite, createParent: createParent,
                                           replication: replication ?? configuredReplication ?? defaults.replication,
                                           blockSizeBytes: blockSize, permission: permission)
        return FileOutputStream(path: absolute, fileSystem: self, fileID: created.fs.fileID, blockSizeBytes: blockSize,
                                checksum: ChunkedChecksum(type: .crc32c, bytesPerChecksum: defaults.bytesPerChecksum),
                                writePacketSizeBytes: defaults.writePacketSizeBytes)
    }

    /// Opens an existing file to write at its end.
    public func append(_ path: String) async throws -> FileOutputStream {
        let absolute = try resolve(path)
        let defaults = try await serverDefaults()
        var request = Hadoop_Hdfs_AppendRequestProto()
        request.src = absolute
        request.clientName = clientName
        let reply = try await call("append", request, returning: Hadoop_Hdfs_AppendResponseProto.self, idempotent: false)
        guard reply.hasStat else { throw RemoteException(.fileNotFound, "File does not exist: \(absolute)") }
        let blockSize = Int64(reply.stat.blocksize)
        return FileOutputStream(path: absolute, fileSystem: self, fileID: reply.stat.fileID, blockSizeBytes: blockSize > 0 ? blockSize : defaults.blockSizeBytes,
                                checksum: ChunkedChecksum(type: .crc32c, bytesPerChecksum: defaults.bytesPerChecksum),
                                writePacketSizeBytes: defaults.writePacketSizeBytes,
                                appendingTo: reply.hasBlock ? reply.block : nil)
    }
}
