import RFSProtocol

extension FileSystem {
    /// How many replicas the namenode knows of for each block of file `path`, in block order
    /// (what `-setrep -w` waits on). An empty file has no blocks.
    public func blockReplicaCounts(_ path: String) async throws -> [Int] {
        var request = Hadoop_Hdfs_GetBlockLocationsRequestProto()
        request.src = try resolve(path)
        request.offset = 0
        request.length = UInt64(Int64.max)
        let reply = try await call("getBlockLocations", request, returning: Hadoop_Hdfs_GetBlockLocationsResponseProto.self, idempotent: true)
        guard reply.hasLocations else {
            throw RemoteException(.fileNotFound, "File does not exist: \(request.src)")
        }
        return reply.locations.blocks.map { $0.locs.count }
    }
}
