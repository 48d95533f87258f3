import RFSModel
import RFSProtocol

/// Block storage policies (HDFS's getStoragePolicies, get/set/unsetStoragePolicy and
/// satisfyStoragePolicy), as DistributedFileSystem offers them.
extension FileSystem {
    /// Every policy the namenode defines, in its order.
    public func storagePolicies() async throws -> [StoragePolicy] {
        let reply = try await call("getStoragePolicies", Hadoop_Hdfs_GetStoragePoliciesRequestProto(),
                                   returning: Hadoop_Hdfs_GetStoragePoliciesResponseProto.self, idempotent: true)
        return reply.policies.map(Self.policy)
    }

    /// The policy that applies at `path` (set there or inherited; the default when none is).
    public func storagePolicy(_ path: String) async throws -> StoragePolicy {
        var request = Hadoop_Hdfs_GetStoragePolicyRequestProto()
        request.path = try resolve(path)
        let reply = try await call("getStoragePolicy", request, returning: Hadoop_Hdfs_GetStoragePolicyResponseProto.self, idempotent: true)
        return Self.policy(reply.storagePolicy)
    }

    public func setStoragePolicy(_ path: String, policyName: String) async throws {
        var request = Hadoop_Hdfs_SetStoragePolicyRequestProto()
        request.src = try resolve(path)
        request.policyName = policyName
        _ = try await call("setStoragePolicy", request, returning: Hadoop_Hdfs_SetStoragePolicyResponseProto.self, idempotent: true)
    }

    /// Removes the policy set on `path`: its parent's applies again.
    public func unsetStoragePolicy(_ path: String) async throws {
        var request = Hadoop_Hdfs_UnsetStoragePolicyRequestProto()
        request.src = try resolve(path)
        _ = try await call("unsetStoragePolicy", request, returning: Hadoop_Hdfs_UnsetStoragePolicyResponseProto.self, idempotent: true)
    }

    /// Asks the namenode to move `path`'s replicas to where its policy wants them.
    public func satisfyStoragePolicy(_ path: String) async throws {
        var request = Hadoop_Hdfs_SatisfyStoragePolicyRequestProto()
        request.src = try resolve(path)
        _ = try await call("satisfyStoragePolicy", request, returning: Hadoop_Hdfs_SatisfyStoragePolicyResponseProto.self, idempotent: false)
    }

    static func policy(_ proto: Hadoop_Hdfs_BlockStoragePolicyProto) -> StoragePolicy {
        func types(_ list: Hadoop_Hdfs_StorageTypesProto) -> [StorageType] {
            list.storageTypes.compactMap { StorageType(rawValue: $0.rawValue) }
        }
        // The wire has no copyOnCreateFile: it is HDFS's own policy's (LAZY_PERSIST's true).
        let known = StoragePolicy.withID(proto.policyID).flatMap { $0.name == proto.name ? $0 : nil }
        return StoragePolicy(id: proto.policyID, name: proto.name, storageTypes: types(proto.creationPolicy),
                             creationFallbacks: types(proto.creationFallbackPolicy), replicationFallbacks: types(proto.replicationFallbackPolicy),
                             copyOnCreateFile: known?.copyOnCreateFile ?? false)
    }
}
