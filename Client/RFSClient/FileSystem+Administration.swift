import RFSProtocol

/// What `setSafeMode` does.
public enum SafeModeAction: Sendable, Hashable {
    case get, enter, leave, forceExit

    var proto: Hadoop_Hdfs_SafeModeActionProto {
        switch self {
        case .get: .safemodeGet
        case .enter: .safemodeEnter
        case .leave: .safemodeLeave
        case .forceExit: .safemodeForceExit
        }
    }
}

extension FileSystem {
    /// Capacity, usage and block health of the whole cluster.
    public func fsStats() async throws -> FsStats {
        let reply = try await call("getFsStats", Hadoop_Hdfs_GetFsStatusRequestProto(),
                                   returning: Hadoop_Hdfs_GetFsStatsResponseProto.self, idempotent: true)
        return FsStats(reply)
    }

    public func datanodeReport(_ type: DatanodeReportType = .all) async throws -> [DatanodeInfo] {
        var request = Hadoop_Hdfs_GetDatanodeReportRequestProto()
        request.type = type.proto
        let reply = try await call("getDatanodeReport", request, returning: Hadoop_Hdfs_GetDatanodeReportResponseProto.self, idempotent: true)
        return reply.di.map(DatanodeInfo.init)
    }

    /// Performs `action`; answers whether the namenode is in safe mode afterwards.
    @discardableResult
    public func setSafeMode(_ action: SafeModeAction) async throws -> Bool {
        var request = Hadoop_Hdfs_SetSafeModeRequestProto()
        request.action = action.proto
        request.checked = true
        return try await call("setSafeMode", request, returning: Hadoop_Hdfs_SetSafeModeResponseProto.self,
                              idempotent: action == .get).result
    }

    /// Makes the namenode re-read its include and exclude host files (superuser only).
    public func refreshNodes() async throws {
        _ = try await call("refreshNodes", Hadoop_Hdfs_RefreshNodesRequestProto(),
                           returning: Hadoop_Hdfs_RefreshNodesResponseProto.self, idempotent: true)
    }

    /// Sets, clears or leaves the namespace and storage-space quotas of directory `path` (superuser only).
    public func setQuota(_ path: String, namespace: QuotaSetting, storageSpace: QuotaSetting) async throws {
        var request = Hadoop_Hdfs_SetQuotaRequestProto()
        request.path = try resolve(path)
        request.namespaceQuota = namespace.wireValue
        request.storagespaceQuota = storageSpace.wireValue
        _ = try await call("setQuota", request, returning: Hadoop_Hdfs_SetQuotaResponseProto.self, idempotent: true)
    }
}
