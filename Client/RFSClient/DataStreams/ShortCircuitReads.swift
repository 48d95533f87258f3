#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix
import RFSBlockStorage
import RFSChecksum
import RFSConfig
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO
import Synchronization

/// Short-circuit local reads (HDFS's `dfs.client.read.shortcircuit`): a replica on a datanode of
/// this host is read straight from its files, which the datanode hands over on its Unix domain
/// socket (`dfs.domain.socket.path`, `_PORT` replaced by its transfer port). Every chunk is
/// still verified against the meta file. Anything that goes wrong before the first byte —
/// no socket, a refusal, a short file — sends the read over TCP instead, and a socket that
/// failed is left alone for `dfs.client.domain.socket.disable.interval.seconds`, as HDFS's
/// DomainSocketFactory does. One per `FileSystem`.
final class ShortCircuitReads: Sendable {
    let enabled: Bool
    let pathTemplate: String
    let disableIntervalNanoseconds: UInt64
    let timeoutMilliseconds: Int
    private let disabled = Mutex(ShortCircuit.DisabledPaths())
    private let logger = Logger(label: "rfs.client.shortcircuit")

    init(configuration: Configuration) throws {
        pathTemplate = try configuration.get(Keys.domainSocketPath)
        enabled = try configuration.get(Keys.shortCircuitReads) && !pathTemplate.isEmpty
        disableIntervalNanoseconds = UInt64(clamping: try configuration.get(Keys.domainSocketDisableInterval).wholeNanoseconds)
        timeoutMilliseconds = Int(clamping: try configuration.get(Keys.socketTimeout).wholeNanoseconds / 1_000_000)
    }

    /// The socket path of `datanode` when a short-circuit read from it should be tried now.
    func socketPath(for datanode: Hadoop_Hdfs_DatanodeIDProto) -> String? {
        guard enabled, LocalAddresses.contains(datanode.ipAddr) else { return nil }
        let path = ShortCircuit.socketPath(template: pathTemplate, transferPort: Int(datanode.xferPort))
        let now = Self.nowNanoseconds()
        return disabled.withLock { $0.isDisabled(path, nowNanoseconds: now) } ? nil : path
    }

    /// Stops trying `path` for a while, saying why the first time.
    func disable(_ path: String, because reason: String) {
        let now = Self.nowNanoseconds()
        let first = disabled.withLock { $0.disable(path, nowNanoseconds: now, intervalNanoseconds: disableIntervalNanoseconds) }
        if first {
            logger.warning("short-circuit reads through this socket are disabled for a while; reading over TCP",
                           metadata: ["socket": "\(path)", "seconds": "\(disableIntervalNanoseconds / 1_000_000_000)", "reason": "\(reason)"])
        }
    }

    /// The stream for `length` bytes at `offsetInBlock`, read from the replica's files, or nil
    /// when the read should go over TCP (the reason logged).
    func open(_ block: Hadoop_Hdfs_ExtendedBlockProto, blockIndex: Int, fileOffset: Int64, from datanode: Hadoop_Hdfs_DatanodeIDProto,
              offsetInBlock: UInt64, length: UInt64, clientName: String) async -> LocalBlockStream? {
        guard let path = socketPath(for: datanode) else { return nil }
        let timeout = timeoutMilliseconds
        let outcome: Result<Granted, ShortCircuitFailure>
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive {
                Result { () throws(ShortCircuitFailure) in try Self.requestDescriptors(block, path: path, clientName: clientName, timeoutMilliseconds: timeout) }
            }
        } catch {
            return nil
        }
        switch outcome {
        case .success(let granted):
            do {
                return try LocalBlockStream(granted, blockIndex: blockIndex, datanode: datanode, fileOffset: fileOffset,
                                            blockLength: Int(block.numBytes), offsetInBlock: Int(offsetInBlock), length: Int(length))
            } catch {
                // The files are not what the datanode's meta format says: not worth retrying soon.
                disable(path, because: "\(error)")
                return nil
            }
        case .failure(.refusedForReplica(let reason)):
            logger.info("short-circuit read of a replica refused; reading it over TCP",
                        metadata: ["block": "blk_\(block.blockID)", "datanode": "\(datanode.transferAddress)", "reason": "\(reason)"])
            return nil
        case .failure(let failure):
            disable(path, because: "\(failure)")
            return nil
        }
    }

    struct Granted: Sendable {
        let blockFile: Int32
        let metaFile: Int32
    }

    /// The exchange on the datanode's socket (blocking; runs on a thread pool).
    static func requestDescriptors(_ block: Hadoop_Hdfs_ExtendedBlockProto, path: String, clientName: String,
                                   timeoutMilliseconds: Int) throws(ShortCircuitFailure) -> Granted {
        do {
            let socket = try DomainSocket.connect(path: path, timeoutMilliseconds: timeoutMilliseconds)
            defer { socket.close() }
            var op = Hadoop_Hdfs_OpRequestShortCircuitAccessProto()
            op.header.block = block
            op.maxVersion = ShortCircuit.blockFormatVersion
            op.supportsReceiptVerification = false
            let request: OpRequest
            do { request = try OpRequest(opcode: .requestShortCircuitFds, message: op) } catch {
                throw ShortCircuitFailure.socket("cannot encode the request: \(error)")
            }
            try socket.send(request.bytes)
            let reply = try socket.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
            switch ShortCircuit.Answer(reply) {
            case .granted: break
            case .refusedForReplica(let reason): throw ShortCircuitFailure.refusedForReplica(reason)
            case .refusedForDatanode(let reason): throw ShortCircuitFailure.refusedForDatanode(reason)
            }
            let (_, descriptors) = try socket.receiveDescriptors(expected: 2)
            return Granted(blockFile: descriptors[0], metaFile: descriptors[1])
        } catch let error as DomainSocketError {
            throw .socket("\(error)")
        } catch let error as ShortCircuitFailure {
            throw error
        } catch {
            throw .socket("\(error)")
        }
    }

    static func nowNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

enum ShortCircuitFailure: Error, CustomStringConvertible {
    case socket(String)
    case refusedForReplica(String)
    case refusedForDatanode(String)

    var description: String {
        switch self {
        case .socket(let reason): reason
        case .refusedForReplica(let reason): "refused for this replica: \(reason)"
        case .refusedForDatanode(let reason): "refused by the datanode: \(reason)"
        }
    }
}

/// This host's addresses: a datanode advertising one of them is local (HDFS's
/// DFSUtilClient.isLocalAddress).
enum LocalAddresses {
    static let all: Set<String> = {
        var addresses: Set<String> = ["127.0.0.1", "::1", "localhost"]
        for device in (try? System.enumerateDevices()) ?? [] {
            if let address = device.address?.ipAddress { addresses.insert(address) }
        }
        return addresses
    }()

    static func contains(_ address: String) -> Bool {
        address.hasPrefix("127.") || all.contains(address)
    }
}

/// A block read straight from the replica's files (HDFS's BlockReaderLocal): each read is a
/// pread of whole chunks and of their sums, verified with CRC32C before a byte is handed out.
/// When the wanted bytes are whole chunks (any read from a chunk boundary of a multiple of the
/// chunk size, or to the block's end), they are read into the caller's memory directly: no copy.
final class LocalBlockStream: BlockStream, @unchecked Sendable {
    let blockIndex: Int
    let datanode: Hadoop_Hdfs_DatanodeIDProto
    private(set) var position: Int64
    let end: Int64
    /// File offset of the block's first byte.
    private let blockStart: Int64
    private let blockLength: Int
    private var blockFile: Int32
    private var metaFile: Int32
    private let checksum: ChunkedChecksum
    /// Reads larger than this go in steps, so the sums and any staging stay small.
    static let stepBytesMax = 4 << 20
    /// Sums and staged bytes, kept across reads.
    private var sums: [UInt8] = []
    private var staging: [UInt8] = []

    var isFinished: Bool { position >= end }

    init(_ granted: ShortCircuitReads.Granted, blockIndex: Int, datanode: Hadoop_Hdfs_DatanodeIDProto, fileOffset: Int64,
         blockLength: Int, offsetInBlock: Int, length: Int) throws(LocalReplicaError) {
        self.blockIndex = blockIndex
        self.datanode = datanode
        self.blockFile = granted.blockFile
        self.metaFile = granted.metaFile
        self.blockStart = fileOffset
        self.blockLength = blockLength
        self.position = fileOffset + Int64(offsetInBlock)
        self.end = position + Int64(length)
        do throws(LocalReplicaError) {
            var header = [UInt8](repeating: 0, count: BlockMetadataHeader.sizeBytes)
            guard Self.pread(metaFile, into: &header, at: 0) == header.count else { throw LocalReplicaError("the meta file is shorter than its header") }
            switch BlockMetadataHeader.decode(header) {
            case .success(let decoded): checksum = decoded.checksum
            case .failure(let problem): throw LocalReplicaError("meta file: \(problem)")
            }
            var status = stat()
            guard fstat(blockFile, &status) == 0 else { throw LocalReplicaError("fstat of the block file: errno \(errno)") }
            guard Int(status.st_size) >= blockLength, offsetInBlock + length <= blockLength else {
                throw LocalReplicaError("the block file holds \(status.st_size) bytes, the block \(blockLength)")
            }
            _ = posix_fadvise(blockFile, off_t(offsetInBlock), off_t(length), POSIX_FADV_SEQUENTIAL)
        } catch {
            Glibc.close(granted.blockFile)
            Glibc.close(granted.metaFile)
            throw error
        }
    }

    deinit { close() }

    func close() {
        if blockFile >= 0 { Glibc.close(blockFile); blockFile = -1 }
        if metaFile >= 0 { Glibc.close(metaFile); metaFile = -1 }
    }

    func read(into out: inout [UInt8], maxBytes: Int) async throws {
        let count = min(maxBytes, Int(end - position))
        guard count > 0 else { return }
        let before = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        let filled = try out.withUnsafeMutableBytes { raw in
            try readBlocking(into: UnsafeMutableRawBufferPointer(rebasing: raw[before...]))
        }
        out.removeLast(count - filled)
    }

    nonisolated(nonsending) func read(into destination: UnsafeMutableRawBufferPointer) async throws -> Int {
        try readBlocking(into: destination)
    }

    /// Fills `destination` from the position (up to the end of the read), verified; returns the count.
    func readBlocking(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < destination.count, position < end {
            let wanted = min(destination.count - filled, Int(end - position), Self.stepBytesMax)
            let offset = Int(position - blockStart)
            let span = ShortCircuit.Span(offset: offset, wanted: wanted, replicaLength: blockLength, bytesPerChecksum: checksum.bytesPerChecksum)
            let target = UnsafeMutableRawBufferPointer(rebasing: destination[filled..<(filled + wanted)])
            if span.isExactly(offset: offset, wanted: wanted) {
                try readVerified(span, into: target)
            } else {
                let length = span.end - span.start
                if staging.count < length { staging = [UInt8](repeating: 0, count: length) }
                try staging.withUnsafeMutableBytes { raw in
                    let staged = UnsafeMutableRawBufferPointer(rebasing: raw[..<length])
                    try readVerified(span, into: staged)
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: staged[(offset - span.start)..<(offset - span.start + wanted)]))
                }
            }
            filled += wanted
            position += Int64(wanted)
        }
        return filled
    }

    /// Reads `span` of the block into `target` (exactly its size) and verifies it against the
    /// meta file's sums; a mismatch throws `ChecksumMismatch` naming the block offset.
    private func readVerified(_ span: ShortCircuit.Span, into target: UnsafeMutableRawBufferPointer) throws {
        let length = span.end - span.start
        guard Self.pread(blockFile, into: target, at: span.start) == length else {
            throw LocalReplicaError("the block file ended before offset \(span.end)")
        }
        let sumsLength = checksum.checksumsLength(forDataLength: length)
        if sums.count < sumsLength { sums = [UInt8](repeating: 0, count: sumsLength) }
        let sumsOffset = BlockMetadataHeader.sizeBytes + span.start / checksum.bytesPerChecksum * checksum.checksumSizeBytes
        try sums.withUnsafeMutableBytes { raw in
            let wantedSums = UnsafeMutableRawBufferPointer(rebasing: raw[..<sumsLength])
            guard Self.pread(metaFile, into: wantedSums, at: sumsOffset) == sumsLength else {
                throw LocalReplicaError("the meta file ended before the sum of offset \(span.end)")
            }
            try checksum.verify(UnsafeRawBufferPointer(target), sums: UnsafeRawBufferPointer(wantedSums), baseOffset: span.start)
        }
    }

    /// pread until `target` is full or the file ends; the count read, -1 on an error.
    static func pread(_ descriptor: Int32, into target: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var done = 0
        while done < target.count {
            let count = Glibc.pread(descriptor, target.baseAddress! + done, target.count - done, off_t(offset + done))
            if count < 0, errno == EINTR { continue }
            if count < 0 { return -1 }
            if count == 0 { break }
            done += count
        }
        return done
    }

    static func pread(_ descriptor: Int32, into bytes: inout [UInt8], at offset: Int) -> Int {
        bytes.withUnsafeMutableBytes { pread(descriptor, into: $0, at: offset) }
    }
}

/// A replica's files that cannot be read as the meta format says (short, unreadable).
struct LocalReplicaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
