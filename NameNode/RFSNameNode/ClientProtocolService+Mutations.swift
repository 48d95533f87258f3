import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC

extension ClientProtocolService {
    func registerNamespaceMutations(into registry: inout RPCServiceRegistry) {
        let protocolName = ProtocolNames.clientProtocol
        registry.register(protocol: protocolName, method: "mkdirs") { [self] (request: Hadoop_Hdfs_MkdirsRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Mkdirs()
            op.path = request.src
            op.permission = request.masked.perm
            op.createParent = request.createParent
            var response = Hadoop_Hdfs_MkdirsResponseProto()
            response.result = try await propose(.mkdirs(op), context: context) == .flag(true)
            return response
        }
        registry.register(protocol: protocolName, method: "delete") { [self] (request: Hadoop_Hdfs_DeleteRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Delete()
            op.path = request.src
            op.recursive = request.recursive
            op.detachAbove = UInt64(deleteIncrement)
            var response = Hadoop_Hdfs_DeleteResponseProto()
            response.result = try await propose(.delete(op), context: context) == .flag(true)
            return response
        }
        registry.register(protocol: protocolName, method: "rename") { [self] (request: Hadoop_Hdfs_RenameRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Rename()
            op.source = request.src
            op.destination = request.dst
            op.legacy = true
            var response = Hadoop_Hdfs_RenameResponseProto()
            response.result = try await propose(.rename(op), context: context) == .flag(true)
            return response
        }
        registry.register(protocol: protocolName, method: "rename2") { [self] (request: Hadoop_Hdfs_Rename2RequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Rename()
            op.source = request.src
            op.destination = request.dst
            op.overwrite = request.overwriteDest
            _ = try await propose(.rename(op), context: context)
            return Hadoop_Hdfs_Rename2ResponseProto()
        }
        registry.register(protocol: protocolName, method: "setPermission") { [self] (request: Hadoop_Hdfs_SetPermissionRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_SetPermission()
            op.path = request.src
            op.permission = request.permission.perm
            _ = try await propose(.setPermission(op), context: context)
            return Hadoop_Hdfs_SetPermissionResponseProto()
        }
        registry.register(protocol: protocolName, method: "setOwner") { [self] (request: Hadoop_Hdfs_SetOwnerRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_SetOwner()
            op.path = request.src
            op.owner = request.hasUsername ? request.username : ""
            op.group = request.hasGroupname ? request.groupname : ""
            _ = try await propose(.setOwner(op), context: context)
            return Hadoop_Hdfs_SetOwnerResponseProto()
        }
        registry.register(protocol: protocolName, method: "setReplication") { [self] (request: Hadoop_Hdfs_SetReplicationRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_SetReplication()
            op.path = request.src
            op.replication = request.replication
            var response = Hadoop_Hdfs_SetReplicationResponseProto()
            response.result = try await propose(.setReplication(op), context: context) == .flag(true)
            return response
        }
        registry.register(protocol: protocolName, method: "setTimes") { [self] (request: Hadoop_Hdfs_SetTimesRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_SetTimes()
            op.path = request.src
            // Java sends -1 ("unchanged") as a uint64.
            op.modificationTimeMs = Int64(bitPattern: request.mtime)
            op.accessTimeMs = Int64(bitPattern: request.atime)
            _ = try await propose(.setTimes(op), context: context)
            return Hadoop_Hdfs_SetTimesResponseProto()
        }
        registry.register(protocol: protocolName, method: "concat") { [self] (request: Hadoop_Hdfs_ConcatRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Concat()
            op.target = request.trg
            op.sources = request.srcs
            op.variableLengthBlocks = true
            _ = try await propose(.concat(op), context: context)
            return Hadoop_Hdfs_ConcatResponseProto()
        }
        registry.register(protocol: protocolName, method: "truncate") { [self] (request: Hadoop_Hdfs_TruncateRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Truncate()
            op.path = request.src
            op.newLength = request.newLength
            op.clientName = request.clientName
            op.clientMachine = Self.clientHost(context)
            var response = Hadoop_Hdfs_TruncateResponseProto()
            response.result = try await propose(.truncate(op), context: context) == .flag(true)
            // A cut inside a block: the datanodes cut the replicas, then the file closes.
            if !response.result {
                let file = try reads().fileForRead(request.src, caller: caller(context))
                if let last = file.blocks.last { try await startBlockRecovery(of: last, in: file, path: request.src, context: context) }
            }
            return response
        }
        registry.register(protocol: protocolName, method: "setStoragePolicy") { [self] (request: Hadoop_Hdfs_SetStoragePolicyRequestProto, context: RPCCallContext) in
            guard let policy = StoragePolicy.named(request.policyName) else {
                throw HadoopRemoteError(.hadoopIllegalArgument, "Cannot find a block policy with the name \(request.policyName)")
            }
            var op = Rfs_Namenode_SetStoragePolicy()
            op.path = request.src
            op.policyID = policy.id
            _ = try await propose(.setStoragePolicy(op), context: context)
            return Hadoop_Hdfs_SetStoragePolicyResponseProto()
        }
        registry.register(protocol: protocolName, method: "satisfyStoragePolicy") { [self] (request: Hadoop_Hdfs_SatisfyStoragePolicyRequestProto, context: RPCCallContext) -> Hadoop_Hdfs_SatisfyStoragePolicyResponseProto in
            // HDFS's default (dfs.storage.policy.satisfier.mode = none): no satisfier runs,
            // and the namenode says so after its write checks. Blocks follow a policy when
            // they are written or re-replicated.
            try safeMode.checkWritable(operation: "satisfy storage policy for \(request.src)")
            throw HadoopRemoteError(.unsupportedAction, "Cannot request to satisfy storage policy when storage policy satisfier "
                                    + "feature has been disabled by admin. Seek for an admin help to enable it or use Mover tool.")
        }
        registry.register(protocol: protocolName, method: "unsetStoragePolicy") { [self] (request: Hadoop_Hdfs_UnsetStoragePolicyRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_SetStoragePolicy()
            op.path = request.src
            op.policyID = StoragePolicy.unspecifiedID
            _ = try await propose(.setStoragePolicy(op), context: context)
            return Hadoop_Hdfs_UnsetStoragePolicyResponseProto()
        }
    }
}
