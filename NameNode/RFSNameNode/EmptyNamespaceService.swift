import Foundation
import RFSModel
import RFSProtocol
import RFSRPC

/// ClientProtocol over the namespace of a freshly formatted namenode: the root directory
/// and nothing else. It answers the read calls a client makes first (getServerDefaults,
/// getFileInfo, getListing) with what HDFS would answer for an empty filesystem; every
/// other ClientProtocol method is not registered and so gets RpcNoSuchMethodException.
///
/// The namespace state machine over the WAL and LevelDB (the NameNode issue) replaces this
/// with the full method set; until then this is what `rfs namenode` serves.
public struct EmptyNamespaceService: Sendable {
    /// HDFS numbers the root inode 16385 (INodeId.ROOT_INODE_ID); clients show it.
    public static let rootInodeID: UInt64 = 16_385

    public let superuser: String
    public let superGroup: String
    public let formattedAtMillis: UInt64
    public let serverDefaults: ServerDefaults

    public init(superuser: String, superGroup: String, formattedAtMillis: UInt64, serverDefaults: ServerDefaults) {
        self.superuser = superuser
        self.superGroup = superGroup
        self.formattedAtMillis = formattedAtMillis
        self.serverDefaults = serverDefaults
    }

    public func register(into registry: inout RPCServiceRegistry) {
        let service = self
        registry.register(protocol: ProtocolNames.clientProtocol, method: "getServerDefaults") {
            (_: Hadoop_Hdfs_GetServerDefaultsRequestProto, _: RPCCallContext) async throws -> Hadoop_Hdfs_GetServerDefaultsResponseProto in
            var response = Hadoop_Hdfs_GetServerDefaultsResponseProto()
            response.serverDefaults = service.serverDefaults.proto
            return response
        }
        registry.register(protocol: ProtocolNames.clientProtocol, method: "getFileInfo") {
            (request: Hadoop_Hdfs_GetFileInfoRequestProto, _: RPCCallContext) async throws -> Hadoop_Hdfs_GetFileInfoResponseProto in
            var response = Hadoop_Hdfs_GetFileInfoResponseProto()
            // A missing path is a reply without `fs`, not an exception: clients rely on it.
            if try service.isRoot(request.src) { response.fs = service.rootStatus() }
            return response
        }
        registry.register(protocol: ProtocolNames.clientProtocol, method: "getListing") {
            (request: Hadoop_Hdfs_GetListingRequestProto, _: RPCCallContext) async throws -> Hadoop_Hdfs_GetListingResponseProto in
            var response = Hadoop_Hdfs_GetListingResponseProto()
            // HDFS answers a listing of a missing path with no dirList (the client raises
            // FileNotFoundException); the root lists as empty.
            if try service.isRoot(request.src) {
                var listing = Hadoop_Hdfs_DirectoryListingProto()
                listing.partialListing = []
                listing.remainingEntries = 0
                response.dirList = listing
            }
            return response
        }
    }

    /// Whether `path` names the root. Anything that is not an absolute path is refused the
    /// way HDFS refuses it, with InvalidPathException.
    func isRoot(_ path: String) throws -> Bool {
        guard path.hasPrefix("/") else {
            throw HadoopRemoteError(.invalidPath, "Invalid path name Path is not absolute: \(path)")
        }
        guard path.utf8.count <= Limits.pathBytesMax else {
            throw HadoopRemoteError(.invalidPath, "Invalid path name: path is longer than \(Limits.pathBytesMax) bytes")
        }
        return path.split(separator: "/", omittingEmptySubsequences: true).isEmpty
    }

    func rootStatus() -> Hadoop_Hdfs_HdfsFileStatusProto {
        var status = Hadoop_Hdfs_HdfsFileStatusProto()
        status.fileType = .isDir
        status.path = Data()
        status.length = 0
        status.permission.perm = 0o755
        status.owner = superuser
        status.group = superGroup
        status.modificationTime = formattedAtMillis
        status.accessTime = 0
        status.blockReplication = 0
        status.blocksize = 0
        status.fileID = Self.rootInodeID
        status.childrenNum = 0
        status.storagePolicy = 0
        return status
    }
}
