import Logging
import RFSModel
import RFSProtocol
import RFSRPC

/// What a reader may read of a file: its blocks with their lengths, and the file's length.
/// For a file still being written this includes the bytes its writer has hflushed.
struct ReadableBlocks: Sendable {
    var blocks: [Hadoop_Hdfs_LocatedBlockProto]
    var length: Int64
}

extension FileSystem {
    /// How often, and how far apart, `open` asks again for a block under construction that
    /// has bytes but no location yet (HDFS's dfs.client.retry.times.get-last-block-length,
    /// 3; its interval is 4 s, shortened here because rfs datanodes report a new replica at
    /// once rather than with the next heartbeat).
    static let lastBlockLocationRetries = 3
    static let lastBlockLocationRetryInterval = Duration.seconds(1)

    /// The blocks of `absolute` a reader may read (HDFS's DFSInputStream.openInfo). A closed
    /// file is what the namenode lists. A file under construction has its last block
    /// incomplete: the namenode leaves it out of the file's length, and its length is asked of
    /// the datanodes of its pipeline (`replicaVisibleLength`), so the bytes the writer has
    /// hflushed are readable before it closes the file.
    func readableBlocks(_ absolute: String) async throws -> ReadableBlocks {
        var retriesLeft = Self.lastBlockLocationRetries
        while true {
            let located = try await locatedBlocks(absolute)
            if let readable = try await readableBlocks(of: located) { return readable }
            guard retriesLeft > 0 else {
                throw RemoteException(.ioException, "Could not obtain the last block locations.")
            }
            retriesLeft -= 1
            try await Task.sleep(for: Self.lastBlockLocationRetryInterval)
        }
    }

    /// nil when the last block under construction has bytes but no datanode yet (the
    /// datanodes have not reported it): the caller asks again.
    func readableBlocks(of located: Hadoop_Hdfs_LocatedBlocksProto) async throws -> ReadableBlocks? {
        guard located.underConstruction, !located.isLastBlockComplete, located.hasLastBlock else {
            return ReadableBlocks(blocks: located.blocks, length: Int64(located.fileLength))
        }
        var last = located.lastBlock
        let complete = located.blocks.filter { $0.b.blockID != last.b.blockID }
        let visibleBytes: Int64
        if last.locs.isEmpty {
            // No byte can have reached a datanode the namenode does not know of.
            guard last.b.numBytes == 0 else { return nil }
            visibleBytes = 0
        } else {
            visibleBytes = try await replicaVisibleLength(of: last)
        }
        guard visibleBytes > 0 else {
            return ReadableBlocks(blocks: complete, length: max(Int64(located.fileLength), Int64(last.offset)))
        }
        last.b.numBytes = UInt64(visibleBytes)
        return ReadableBlocks(blocks: complete + [last], length: Int64(last.offset) + visibleBytes)
    }

    /// The bytes of a block under construction its pipeline has acknowledged, asked of its
    /// datanodes in turn over ClientDatanodeProtocol (getReplicaVisibleLength on each one's
    /// IPC port), as HDFS's DFSInputStream.readBlockLength does: the first answer wins; when
    /// every datanode says ReplicaNotFoundException the pipeline has not been set up yet and
    /// the block is empty; otherwise the length cannot be known and the open fails.
    func replicaVisibleLength(of block: Hadoop_Hdfs_LocatedBlockProto) async throws -> Int64 {
        var request = Hadoop_Hdfs_GetReplicaVisibleLengthRequestProto()
        request.block = block.b
        var notFound = 0
        var failures: [String] = []
        for location in block.locs {
            let node = location.id
            guard node.ipcPort > 0 else {
                failures.append("\(node.ipAddr):\(node.xferPort) names no IPC port")
                continue
            }
            var configuration = RPCClientConfiguration(addresses: [HostPort(host: node.ipAddr, port: Int(node.ipcPort))],
                                                       user: user, protocolName: ProtocolNames.clientDatanodeProtocol)
            // One datanode among several: a dead one is skipped, not retried for minutes.
            configuration.maxRetries = 1
            configuration.maxFailovers = 0
            configuration.connectTimeout = datanodeSocketTimeout
            configuration.callTimeout = datanodeSocketTimeout
            let datanode = RPCClient(configuration: configuration, group: group, logger: Logger(label: "rfs.client"))
            do {
                let reply = try await datanode.call("getReplicaVisibleLength", request,
                                                    returning: Hadoop_Hdfs_GetReplicaVisibleLengthResponseProto.self, idempotent: true)
                await datanode.close()
                return Int64(clamping: reply.length)
            } catch let remote as RPCRemoteException where remote.exceptionClassName == HadoopException.replicaNotFound.rawValue {
                notFound += 1
            } catch {
                failures.append("\(node.ipAddr):\(node.ipcPort): \(error)")
            }
            await datanode.close()
        }
        if notFound == block.locs.count { return 0 }
        throw RemoteException(.ioException, "Cannot obtain block length for blk_\(block.b.blockID)_\(block.b.generationStamp) "
                              + "on \(block.locs.map { "\($0.id.ipAddr):\($0.id.xferPort)" }) (\(failures.joined(separator: "; ")))")
    }
}
