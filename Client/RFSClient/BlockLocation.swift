import RFSProtocol
import RFSTransferIO

/// One block of a file as the namenode locates it (what fsck and `getFileBlockLocations`
/// show): its id and stamp in the block pool, its place in the file, and its replicas.
public struct BlockLocation: Sendable, Hashable {
    public struct Replica: Sendable, Hashable {
        /// `ip:transferPort`.
        public var address: String
        public var storageID: String
        public var rack: String
    }

    public var blockPoolID: String
    public var blockID: UInt64
    public var generationStamp: UInt64
    public var offset: Int64
    public var lengthBytes: Int64
    /// Every replica the namenode knows is corrupt.
    public var isCorrupt: Bool
    public var replicas: [Replica]

    /// HDFS's name for the block: `BP-…:blk_<id>_<stamp>`.
    public var name: String { "\(blockPoolID):blk_\(blockID)_\(generationStamp)" }

    init(_ located: Hadoop_Hdfs_LocatedBlockProto) {
        blockPoolID = located.b.poolID
        blockID = located.b.blockID
        generationStamp = located.b.generationStamp
        offset = Int64(located.offset)
        lengthBytes = Int64(located.b.numBytes)
        isCorrupt = located.corrupt
        replicas = located.locs.enumerated().map { index, node in
            Replica(address: node.id.transferAddress,
                    storageID: index < located.storageIds.count ? located.storageIds[index] : "",
                    rack: node.location.isEmpty ? "/default-rack" : node.location)
        }
    }
}

extension FileSystem {
    /// Every block of a file with its replicas, in file order.
    public func blockLocations(_ path: String) async throws -> [BlockLocation] {
        try await locatedBlocks(try resolve(path)).blocks.map(BlockLocation.init)
    }
}
