/// The HTTP methods WebHDFS uses.
public enum WebHDFSMethod: String, Sendable {
    case get = "GET", put = "PUT", post = "POST", delete = "DELETE"

    /// The Java enum Hadoop parses `op` into for this method, named in its error messages.
    var hadoopEnum: String {
        switch self {
        case .get: "GetOpParam"
        case .put: "PutOpParam"
        case .post: "PostOpParam"
        case .delete: "DeleteOpParam"
        }
    }
}

/// A WebHDFS operation (`op=`), with the HTTP method HDFS serves it on and the status of a
/// successful reply (Hadoop's client checks it: 201 for CREATE, 200 for everything else).
public enum WebHDFSOperation: String, Sendable, CaseIterable {
    // GET
    case open = "OPEN"
    case getFileStatus = "GETFILESTATUS"
    case listStatus = "LISTSTATUS"
    case listStatusBatch = "LISTSTATUS_BATCH"
    case getContentSummary = "GETCONTENTSUMMARY"
    case getQuotaUsage = "GETQUOTAUSAGE"
    case getFileChecksum = "GETFILECHECKSUM"
    case getHomeDirectory = "GETHOMEDIRECTORY"
    case getTrashRoot = "GETTRASHROOT"
    case getFileBlockLocations = "GETFILEBLOCKLOCATIONS"
    case getServerDefaults = "GETSERVERDEFAULTS"
    case checkAccess = "CHECKACCESS"
    case getXAttrs = "GETXATTRS"
    case listXAttrs = "LISTXATTRS"
    case getAllStoragePolicy = "GETALLSTORAGEPOLICY"
    case getStoragePolicy = "GETSTORAGEPOLICY"
    // PUT
    case create = "CREATE"
    case mkdirs = "MKDIRS"
    case rename = "RENAME"
    case setPermission = "SETPERMISSION"
    case setOwner = "SETOWNER"
    case setReplication = "SETREPLICATION"
    case setTimes = "SETTIMES"
    case setXAttr = "SETXATTR"
    case removeXAttr = "REMOVEXATTR"
    case setStoragePolicy = "SETSTORAGEPOLICY"
    case satisfyStoragePolicy = "SATISFYSTORAGEPOLICY"
    // POST
    case append = "APPEND"
    case concat = "CONCAT"
    case truncate = "TRUNCATE"
    case unsetStoragePolicy = "UNSETSTORAGEPOLICY"
    // DELETE
    case delete = "DELETE"

    public var method: WebHDFSMethod {
        switch self {
        case .open, .getFileStatus, .listStatus, .listStatusBatch, .getContentSummary, .getQuotaUsage, .getFileChecksum,
             .getHomeDirectory, .getTrashRoot, .getFileBlockLocations, .getServerDefaults, .checkAccess, .getXAttrs, .listXAttrs,
             .getAllStoragePolicy, .getStoragePolicy:
            .get
        case .create, .mkdirs, .rename, .setPermission, .setOwner, .setReplication, .setTimes, .setXAttr, .removeXAttr,
             .setStoragePolicy, .satisfyStoragePolicy:
            .put
        case .append, .concat, .truncate, .unsetStoragePolicy: .post
        case .delete: .delete
        }
    }

    /// CREATE, APPEND and OPEN move file bytes: the namenode redirects them to a datanode.
    public var carriesData: Bool { self == .create || self == .append || self == .open }

    public var successStatus: Int { self == .create ? 201 : 200 }

    /// Operations of HDFS's WebHDFS (Hadoop 3's *OpParam enums) that rfs does not serve: ACLs,
    /// snapshots, symlinks, erasure coding, delegation tokens, quotas over REST.
    static let hadoopOnly: [WebHDFSMethod: Set<String>] = [
        .get: ["GETDELEGATIONTOKEN", "GETDELEGATIONTOKENS", "GETACLSTATUS",
               "GET_BLOCK_LOCATIONS", "GETSNAPSHOTDIFF", "GETSNAPSHOTDIFFLISTING", "GETSNAPSHOTTABLEDIRECTORYLIST",
               "GETSNAPSHOTLIST", "GETLINKTARGET", "GETFILELINKSTATUS", "GETSTATUS", "GETECPOLICIES", "GETECCODECS",
               "GETTRASHROOTS", "GETECPOLICY"],
        .put: ["CREATESYMLINK", "RENEWDELEGATIONTOKEN", "CANCELDELEGATIONTOKEN", "MODIFYACLENTRIES", "REMOVEACLENTRIES",
               "REMOVEDEFAULTACL", "REMOVEACL", "SETACL", "ENABLEECPOLICY", "DISABLEECPOLICY",
               "SETECPOLICY", "ALLOWSNAPSHOT", "DISALLOWSNAPSHOT", "CREATESNAPSHOT", "RENAMESNAPSHOT",
               "SETQUOTA", "SETQUOTABYSTORAGETYPE"],
        .post: ["UNSETECPOLICY"],
        .delete: ["DELETESNAPSHOT"],
    ]

    /// Parses `op` as Hadoop does: case-insensitively, and only among the operations of the
    /// request's method (a GET with op=MKDIRS is refused as an unknown GET op).
    public static func parse(_ text: String?, method: WebHDFSMethod) throws(WebHDFSError) -> WebHDFSOperation {
        guard let text, !text.isEmpty else {
            throw WebHDFSError(.unsupportedOperation, "\(method.rawValue) without an op parameter is not supported")
        }
        let name = text.uppercased()
        if hadoopOnly[method]?.contains(name) == true {
            // HDFS serves it and rfs does not: say so, as HDFS does for an op it lacks.
            throw WebHDFSError(.unsupportedOperation, "\(name) is not supported")
        }
        guard let operation = WebHDFSOperation(rawValue: name), operation.method == method else {
            throw WebHDFSError.invalidParameter("op", "No enum constant org.apache.hadoop.hdfs.web.resources.\(method.hadoopEnum).Op.\(name)")
        }
        return operation
    }
}
