import RFSNamespace
import RFSProtocol
import RFSRPC

extension ClientProtocolService {
    /// `checkAccess` (HDFS's `FileSystem.access`, which `hdfs dfs -test -r/-w` and WebHDFS's
    /// CHECKACCESS call): answered from the committed namespace, never an edit. A refusal is
    /// AccessControlException, a missing path FileNotFoundException; an empty reply means yes.
    func registerAccess(into registry: inout RPCServiceRegistry) {
        registry.register(protocol: ProtocolNames.clientProtocol, method: "checkAccess") { [self] (request: Hadoop_Hdfs_CheckAccessRequestProto, context: RPCCallContext) in
            try reads().checkAccess(request.path, Self.accessBits(request.mode), caller: caller(context))
            return Hadoop_Hdfs_CheckAccessResponseProto()
        }
    }

    /// FsActionProto's numbers are the rwx bits themselves (NONE 0 … EXECUTE 1, WRITE 2,
    /// READ 4 … PERM_ALL 7), as HDFS's FsAction ordinals are.
    static func accessBits(_ mode: Hadoop_Hdfs_AclEntryProto.FsActionProto) -> AccessBits {
        AccessBits(rawValue: UInt32(mode.rawValue) & AccessBits.all.rawValue)
    }
}
