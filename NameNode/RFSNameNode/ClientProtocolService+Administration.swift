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
