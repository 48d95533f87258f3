import RFSModel
import RFSProtocol
import RFSRPC

extension ClientProtocolService {
    /// rfs keeps no ACL entries: a path's ACL is the minimal one its permission bits make,
    /// which clients read from the file status (FsShell's -getfacl asks for an AclStatus only
    /// when a status says there is more). The ACL calls are answered as HDFS answers them with
    /// dfs.namenode.acls.enabled off: AclException, before anything else is looked at.
    func registerAcls(into registry: inout RPCServiceRegistry) {
        let name = ProtocolNames.clientProtocol
        registry.register(protocol: name, method: "getAclStatus") { (_: Hadoop_Hdfs_GetAclStatusRequestProto, _: RPCCallContext) -> Hadoop_Hdfs_GetAclStatusResponseProto in
            throw Self.aclsDisabled
        }
        registry.register(protocol: name, method: "modifyAclEntries") { (_: Hadoop_Hdfs_ModifyAclEntriesRequestProto, _: RPCCallContext) -> Hadoop_Hdfs_ModifyAclEntriesResponseProto in
            throw Self.aclsDisabled
        }
        registry.register(protocol: name, method: "removeAclEntries") { (_: Hadoop_Hdfs_RemoveAclEntriesRequestProto, _: RPCCallContext) -> Hadoop_Hdfs_RemoveAclEntriesResponseProto in
            throw Self.aclsDisabled
        }
        registry.register(protocol: name, method: "removeDefaultAcl") { (_: Hadoop_Hdfs_RemoveDefaultAclRequestProto, _: RPCCallContext) -> Hadoop_Hdfs_RemoveDefaultAclResponseProto in
            throw Self.aclsDisabled
        }
        registry.register(protocol: name, method: "removeAcl") { (_: Hadoop_Hdfs_RemoveAclRequestProto, _: RPCCallContext) -> Hadoop_Hdfs_RemoveAclResponseProto in
            throw Self.aclsDisabled
        }
        registry.register(protocol: name, method: "setAcl") { (_: Hadoop_Hdfs_SetAclRequestProto, _: RPCCallContext) -> Hadoop_Hdfs_SetAclResponseProto in
            throw Self.aclsDisabled
        }
    }

    /// FSDirAclOp.checkAclsConfigFlag's refusal, word for word (two spaces included).
    static let aclsDisabled = HadoopRemoteError(
        .acl, "The ACL operation has been rejected.  Support for ACLs has been disabled by setting dfs.namenode.acls.enabled to false.")
}
