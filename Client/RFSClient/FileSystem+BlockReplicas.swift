import RFSProtocol

extension FileSystem {
    /// How many replicas the namenode knows of for each block of file `path`, in block order
    /// (what `-setrep -w` waits on). An empty file has no blocks.
    public func blockReplicaCounts(_ path: String) async throws -> [Int] {
        try await locatedBlocks(try resolve(path)).blocks.map { $0.locs.count }
    }
}
