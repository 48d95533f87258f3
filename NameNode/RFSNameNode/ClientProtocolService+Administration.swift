import Foundation
import RFSBlockManagement
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC

extension ClientProtocolService {
    func requireSuperuser(_ context: RPCCallContext, to what: String) throws {
        let counters = try reads().counters()
        let superGroup = engine.machine.configuration.superGroup
        guard context.user == counters?.superuser || groups.groups(for: context.user).contains(superGroup) else {
            throw NamespaceRejection.notSuperuser(user: context.user, what: what)
        }
    }

    func registerAdministration(into registry: inout RPCServiceRegistry) {
        let protocolName = ProtocolNames.clientProtocol
        registry.register(protocol: protocolName, method: "getFsStats") { [self] (_: Hadoop_Hdfs_GetFsStatusRequestProto, _: RPCCallContext) in
            blocks.fsStats()
        }
        registry.register(protocol: protocolName, method: "getStats") { [self] (_: Hadoop_Hdfs_GetFsStatusRequestProto, _: RPCCallContext) in
            blocks.fsStats()
        }
        registry.register(protocol: protocolName, method: "getDatanodeReport") { [self] (request: Hadoop_Hdfs_GetDatanodeReportRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetDatanodeReportResponseProto()
            response.di = blocks.datanodeReport(request.type)
            return response
        }
        registry.register(protocol: protocolName, method: "setSafeMode") { [self] (request: Hadoop_Hdfs_SetSafeModeRequestProto, context: RPCCallContext) in
            switch request.action {
            case .safemodeGet:
                break
            case .safemodeEnter:
                try requireSuperuser(context, to: "enter safe mode")
                safeMode.enter()
                logger.info("safe mode entered by an administrator", metadata: ["user": "\(context.user)"])
            case .safemodeLeave, .safemodeForceExit:
                try requireSuperuser(context, to: "leave safe mode")
                safeMode.leave()
                logger.info("safe mode left by an administrator", metadata: ["user": "\(context.user)"])
            }
            var response = Hadoop_Hdfs_SetSafeModeResponseProto()
            response.result = safeMode.isOn
            return response
        }
        registry.register(protocol: protocolName, method: "refreshNodes") { [self] (_: Hadoop_Hdfs_RefreshNodesRequestProto, context: RPCCallContext) in
            try requireSuperuser(context, to: "refresh nodes")
            try refreshNodes()
            return Hadoop_Hdfs_RefreshNodesResponseProto()
        }
        registry.register(protocol: protocolName, method: "reportBadBlocks") { [self] (request: Hadoop_Hdfs_ReportBadBlocksRequestProto, context: RPCCallContext) in
            // A reader found a replica whose checksums fail: mark it corrupt so it is
            // re-replicated from a good copy and then deleted.
            for block in request.blocks {
                for location in block.locs {
                    _ = datanodes.withBlockManager { $0.reportBadReplica(BlockID(block.b.blockID), on: DatanodeUUID(location.id.datanodeUuid)) }
                }
                logger.warning("client reported a corrupt replica", metadata: ["block": "\(block.b.blockID)", "user": "\(context.user)"])
            }
            return Hadoop_Hdfs_ReportBadBlocksResponseProto()
        }
        registry.register(protocol: protocolName, method: "setQuota") { [self] (request: Hadoop_Hdfs_SetQuotaRequestProto, context: RPCCallContext) in
            // Quotas by storage type need per-type usage on every quota directory; rfs has
            // one storage type, so it refuses them rather than keep counters nobody can use.
            if request.hasStorageType {
                throw HadoopRemoteError(.unsupportedOperation,
                    "Failed to set quota by storage type on \(request.path): rfs does not support quotas by storage type")
            }
            var op = Rfs_Namenode_SetQuota()
            op.path = request.path
            // Java's longs travel as uint64: QUOTA_DONT_SET is Long.MAX_VALUE, QUOTA_RESET -1.
            op.namespaceQuota = Int64(bitPattern: request.namespaceQuota)
            op.storagespaceQuota = Int64(bitPattern: request.storagespaceQuota)
            _ = try await propose(.setQuota(op), context: context)
            return Hadoop_Hdfs_SetQuotaResponseProto()
        }
        registry.register(protocol: protocolName, method: "saveNamespace") { [self] (_: Hadoop_Hdfs_SaveNamespaceRequestProto, context: RPCCallContext) in
            try requireSuperuser(context, to: "save the namespace")
            // The namespace is always saved (LevelDB + WAL); this makes LevelDB durable too.
            try engine.store.sync()
            var response = Hadoop_Hdfs_SaveNamespaceResponseProto()
            response.saved = true
            return response
        }
    }
}

extension ClientProtocolService {
    /// Re-reads `dfs.hosts.exclude` and starts (or stops) decommissioning the hosts it names.
    func refreshNodes() throws {
        guard !excludeFile.isEmpty else {
            _ = datanodes.refreshNodes(excludedHosts: [])
            return
        }
        let text: String
        do {
            text = try String(contentsOfFile: excludeFile, encoding: .utf8)
        } catch {
            throw HadoopRemoteError(.ioException, "cannot read dfs.hosts.exclude file \(excludeFile): \(error.localizedDescription)")
        }
        let hosts = Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") })
        let changed = datanodes.refreshNodes(excludedHosts: hosts)
        logger.info("refreshed nodes", metadata: ["excluded": "\(hosts.sorted())", "changed": "\(changed.count)"])
    }
}
