import RFSModel
import RFSProtocol
import RFSRPC
import SwiftProtobuf

extension ClientProtocolService {
    /// rfs keeps no ACL entries: a path's ACL is the minimal one its permission bits make,
    /// which clients read from the file status (FsShell's -getfacl asks for an AclStatus only
    /// when a status says there is more). The ACL calls are answered as HDFS answers them with
    /// dfs.namenode.acls.enabled off: AclException, before anything else is looked at.
    func registerAcls(into registry: inout RPCServiceRegistry) {
        refuse("getAclStatus", Hadoop_Hdfs_GetAclStatusRequestProto.self, Hadoop_Hdfs_GetAclStatusResponseProto.self, in: &registry)
        refuse("modifyAclEntries", Hadoop_Hdfs_ModifyAclEntriesRequestProto.self, Hadoop_Hdfs_ModifyAclEntriesResponseProto.self, in: &registry)
        refuse("removeAclEntries", Hadoop_Hdfs_RemoveAclEntriesRequestProto.self, Hadoop_Hdfs_RemoveAclEntriesResponseProto.self, in: &registry)
        refuse("removeDefaultAcl", Hadoop_Hdfs_RemoveDefaultAclRequestProto.self, Hadoop_Hdfs_RemoveDefaultAclResponseProto.self, in: &registry)
        refuse("removeAcl", Hadoop_Hdfs_RemoveAclRequestProto.self, Hadoop_Hdfs_RemoveAclResponseProto.self, in: &registry)
        refuse("setAcl", Hadoop_Hdfs_SetAclRequestProto.self, Hadoop_Hdfs_SetAclResponseProto.self, in: &registry)
    }

    private func refuse<Request: Message, Response: Message>(_ method: String, _: Request.Type, _: Response.Type,
                                                             in registry: inout RPCServiceRegistry) {
        registry.register(protocol: ProtocolNames.clientProtocol, method: method) { (_: Request, _: RPCCallContext) -> Response in
            throw Self.aclsDisabled
        }
    }

    /// FSDirAclOp.checkAclsConfigFlag's refusal, word for word (two spaces included).
    static let aclsDisabled = HadoopRemoteError(
        .acl, "The ACL operation has been rejected.  Support for ACLs has been disabled by setting dfs.namenode.acls.enabled to false.")
}
