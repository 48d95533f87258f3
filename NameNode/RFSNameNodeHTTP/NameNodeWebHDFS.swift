import Foundation
import Hummingbird
import RFSBlockManagement
import RFSClient
import RFSHTTP
import RFSModel
import RFSWebHDFS

/// WebHDFS on the namenode. Each request runs as its `user.name` through an rfs client on
/// this namenode's own RPC port, so permissions, quotas, safe mode and the edit log apply
/// exactly as they do to RPC clients. File bytes never pass through here: CREATE, APPEND and
/// OPEN answer 307 with a datanode's URL (or that URL as JSON with `noredirect=true`).
struct NameNodeWebHDFS {
    /// The namenode takes no file data; a body bigger than this on any request is refused
    /// unread (413) rather than drained.
    static let requestBodyBytesMax = 64 << 10

    let state: NameNodeHTTPState

    func respond(to request: Request) async -> Response {
        do {
            guard let method = WebHDFSMethod(rawValue: request.method.rawValue) else {
                throw WebHDFSError(.unsupportedOperation, "HTTP method \(request.method) is not supported by WebHDFS")
            }
            let parsed = try WebHDFSRequest(method: method, target: request.uri.string)
            // CREATE and APPEND bodies are not read here: the 307 sends the client (curl -L -T
            // included) to a datanode with them. Any other operation takes no data.
            if !parsed.operation.carriesData, let length = request.headers[.contentLength].flatMap({ Int($0) }),
               length > Self.requestBodyBytesMax {
                throw WebHDFSError(.illegalArgument, "Request body of \(length) bytes is larger than op=\(parsed.operation.rawValue) "
                    + "accepts (\(Self.requestBodyBytesMax))", status: 413)
            }
            try Self.checkParameters(parsed)
            try await refuseIfStandby(parsed.operation)
            let fileSystem = try state.clients.fileSystem(namenodes: [state.localRPC], user: parsed.user, realUser: parsed.realUser)
            if parsed.operation.carriesData {
                return try await redirect(parsed, fileSystem: fileSystem, requestHost: request.head.authority)
            }
            return try await perform(parsed, fileSystem: fileSystem)
        } catch {
            let failure = WebHDFSError.from(error)
            state.logger.debug("webhdfs request failed", metadata: ["uri": "\(request.uri)", "error": "\(failure)"])
            return Replies.error(failure)
        }
    }

    /// The typed parameters `request`'s operation takes, parsed before anything is asked of the
    /// namespace (HDFS's Jersey parses them before the call), so a malformed one is a 400 on any
    /// namenode, active or standby, and a bad data request fails before any redirect.
    static func checkParameters(_ request: WebHDFSRequest) throws(WebHDFSError) {
        switch request.operation {
        case .checkAccess:
            _ = try request.fsAction()
        case .mkdirs, .setPermission:
            _ = try request.permission()
        case .setReplication:
            _ = try request.replication()
        case .delete:
            _ = try request.bool("recursive", default: false)
        case .rename:
            _ = try destination(request)
            _ = try renameOptions(request)
        case .concat:
            _ = try request.requiredString("sources")
        case .truncate:
            _ = try request.int64("newlength", minimum: 0)
        case .setTimes:
            _ = try request.int64("modificationtime", minimum: -1)
            _ = try request.int64("accesstime", minimum: -1)
        case .getFileBlockLocations:
            _ = try request.int64("offset", minimum: 0)
            _ = try request.int64("length", minimum: 0)
        case .getXAttrs:
            _ = try request.xattrEncoding()
            _ = try request.requiredParameter("encoding")
        case .setXAttr:
            _ = try request.requiredParameter("xattr.name")
            _ = try request.xattrSetFlags()
            _ = try request.requiredParameter("flag")
        case .removeXAttr:
            _ = try request.requiredParameter("xattr.name")
        case .create, .append, .open:
            _ = try request.int64("offset", minimum: 0)
            _ = try request.int64("length", minimum: 0)
            _ = try request.int64("blocksize", minimum: 1)
            _ = try request.permission()
            _ = try request.replication()
            _ = try request.bool("overwrite", default: false)
            _ = try request.bool("noredirect", default: false)
        default:
            break
        }
    }

    /// RENAME's `destination`: required, and an absolute path.
    /// `renameoptions`: a comma-separated set of NONE, OVERWRITE and TO_TRASH (Hadoop's
    /// Options.Rename); empty when absent.
    static func renameOptions(_ request: WebHDFSRequest) throws(WebHDFSError) -> Set<String> {
        guard let text = request.string("renameoptions") else { return [] }
        var options = Set<String>()
        for option in text.split(separator: ",", omittingEmptySubsequences: true) {
            let name = option.trimmingCharacters(in: .whitespaces).uppercased()
            guard ["NONE", "OVERWRITE", "TO_TRASH"].contains(name) else {
                throw WebHDFSError.invalidParameter("renameoptions", "No enum constant org.apache.hadoop.fs.Options.Rename.\(name)")
            }
            options.insert(name)
        }
        return options
    }

    static func destination(_ request: WebHDFSRequest) throws(WebHDFSError) -> String {
        let destination = try request.requiredString("destination")
        guard destination.hasPrefix("/") else {
            throw WebHDFSError.invalidParameter("destination", "Invalid path name \(destination)")
        }
        return destination
    }

    /// A standby serves no WebHDFS call, reads included, as HDFS's standby refuses them
    /// (each runs as a ClientProtocol call there): 403 with a RemoteException of class
    /// StandbyException, naming the active where one is known. Hadoop's WebHdfsFileSystem,
    /// given an HA nameservice, takes that class as the signal to try the next namenode.
    /// While no live active is known (an election under way) the call is held as an RPC call
    /// is (`HAState.admit`), and served here if this namenode becomes the active meanwhile.
    func refuseIfStandby(_ operation: WebHDFSOperation) async throws {
        // HDFS words the refusal by the operation's category; a ClientProtocol call of the
        // same category names it.
        let representative = operation.method == .get ? "getFileInfo" : "mkdirs"
        do {
            try await state.daemon.ha.admit(method: representative)
        } catch let refusal as RemoteError {
            throw WebHDFSError(javaClassName: refusal.exceptionClassName, message: refusal.errorMessage)
        }
    }

    /// Every operation answered by the namenode itself.
    func perform(_ request: WebHDFSRequest, fileSystem: FileSystem) async throws -> Response {
        let path = request.path
        switch request.operation {
        case .getFileStatus:
            guard let status = try await fileSystem.fileStatus(path) else { throw fileNotFound(path) }
            return Replies.json(WebHDFSReplies.fileStatus(status))
        case .listStatus:
            guard let status = try await fileSystem.fileStatus(path) else { throw fileNotFound(path) }
            if !status.isDirectory { return Replies.json(WebHDFSReplies.fileStatuses([status], listedFile: true)) }
            return Replies.json(WebHDFSReplies.fileStatuses(try await fileSystem.listStatus(path), listedFile: false))
        case .listStatusBatch:
            guard let status = try await fileSystem.fileStatus(path) else { throw fileNotFound(path) }
            if !status.isDirectory { return Replies.json(WebHDFSReplies.directoryListing([status], remaining: 0, listedFile: true)) }
            let page = try await fileSystem.listingPage(path, startAfter: Data((request.string("startafter") ?? "").utf8))
            return Replies.json(WebHDFSReplies.directoryListing(page.entries, remaining: page.remaining, listedFile: false))
        case .getContentSummary:
            return Replies.json(WebHDFSReplies.contentSummary(try await fileSystem.contentSummary(path)))
        case .getQuotaUsage:
            return Replies.json(WebHDFSReplies.quotaUsage(try await fileSystem.quotaUsage(path)))
        case .getFileChecksum:
            return Replies.json(WebHDFSReplies.fileChecksum(try await fileSystem.fileChecksum(path)))
        case .getHomeDirectory:
            return Replies.json(WebHDFSReplies.path("/user/\(request.user)"))
        case .getTrashRoot:
            return Replies.json(WebHDFSReplies.path("/user/\(request.user)/.Trash"))
        case .getFileBlockLocations:
            return Replies.json(try await blockLocations(request, fileSystem: fileSystem))
        case .getServerDefaults:
            return Replies.json(WebHDFSReplies.serverDefaults(try await fileSystem.serverDefaults()))
        case .checkAccess:
            // 200 with no body when allowed; the namenode's AccessControlException (403) or
            // FileNotFoundException (404) otherwise.
            try await fileSystem.checkAccess(path, try request.fsAction())
            return emptyOK()
        case .mkdirs:
            let permission = FsPermission(mode: try request.permission() ?? 0o755)
            return Replies.json(WebHDFSReplies.boolean(try await fileSystem.mkdirs(path, permission: permission)))
        case .rename:
            let destination = try Self.destination(request)
            // As HDFS: without options the old rename and its boolean; with any, rename2,
            // whose refusals are exceptions, and an empty 200.
            let options = try Self.renameOptions(request)
            if options.isEmpty {
                return Replies.json(WebHDFSReplies.boolean(try await fileSystem.rename(path, to: destination)))
            }
            try await fileSystem.rename(path, to: destination, overwrite: options.contains("OVERWRITE"))
            return emptyOK()
        case .delete:
            return Replies.json(WebHDFSReplies.boolean(try await fileSystem.delete(path, recursive: try request.bool("recursive", default: false))))
        case .setPermission:
            try await fileSystem.setPermission(path, FsPermission(mode: try request.permission() ?? 0o755))
            return emptyOK()
        case .setOwner:
            let owner = request.string("owner")
            let group = request.string("group")
            guard owner != nil || group != nil else {
                throw WebHDFSError(.illegalArgument, "Both owner and group are empty.")
            }
            try await fileSystem.setOwner(path, owner: owner, group: group)
            return emptyOK()
        case .setReplication:
            let given = try request.replication()
            let replication: Int
            if let given { replication = given } else { replication = try await fileSystem.serverDefaults().replication }
            return Replies.json(WebHDFSReplies.boolean(try await fileSystem.setReplication(path, replication)))
        case .setTimes:
            let modification = try request.int64("modificationtime", minimum: -1).flatMap { $0 == -1 ? nil : $0 }
            let access = try request.int64("accesstime", minimum: -1).flatMap { $0 == -1 ? nil : $0 }
            try await fileSystem.setTimes(path, modificationTimeMs: modification, accessTimeMs: access)
            return emptyOK()
        case .truncate:
            guard let newLength = try request.int64("newlength", minimum: 0) else {
                throw WebHDFSError(.illegalArgument, "Required parameter \"newlength\" is missing for op=TRUNCATE")
            }
            return Replies.json(WebHDFSReplies.boolean(try await fileSystem.truncate(path, newLength: newLength)))
        case .concat:
            let sources = try request.requiredString("sources").split(separator: ",").map(String.init)
            try await fileSystem.concat(path, sources: sources)
            return emptyOK()
        case .getXAttrs:
            let encoding = try request.xattrEncoding() ?? .text
            let found = try await fileSystem.xattrs(path, names: request.values("xattr.name"))
            return Replies.json(WebHDFSReplies.xattrs(found.map { ($0.name.prefixed, $0.value) }, encoding: encoding))
        case .listXAttrs:
            return Replies.json(WebHDFSReplies.xattrNames(try await fileSystem.xattrNames(path).map(\.prefixed)))
        case .setXAttr:
            let value = try request.string("xattr.value").map { text throws(XAttrCodecError) in try XAttrCodec.decode(text) }
            try await fileSystem.setXAttr(path, name: try request.requiredParameter("xattr.name"), value: value,
                                          flags: try request.xattrSetFlags() ?? [])
            return emptyOK()
        case .removeXAttr:
            try await fileSystem.removeXAttr(path, name: try request.requiredParameter("xattr.name"))
            return emptyOK()
        case .getAllStoragePolicy:
            return Replies.json(WebHDFSReplies.storagePolicies(try await fileSystem.storagePolicies()))
        case .getStoragePolicy:
            return Replies.json(WebHDFSReplies.storagePolicy(try await fileSystem.storagePolicy(path)))
        case .setStoragePolicy:
            guard let name = request.string("storagepolicy") else { throw WebHDFSError(.illegalArgument, "Storage policy name is empty.") }
            try await fileSystem.setStoragePolicy(path, policyName: name)
            return emptyOK()
        case .unsetStoragePolicy:
            try await fileSystem.unsetStoragePolicy(path)
            return emptyOK()
        case .satisfyStoragePolicy:
            try await fileSystem.satisfyStoragePolicy(path)
            return emptyOK()
        case .create, .append, .open:
            preconditionFailure("data operations are redirected")
        }
    }

    /// GETFILEBLOCKLOCATIONS: the blocks overlapping [offset, offset+length), each replica
    /// named by host and transfer address as Hadoop's `BlockLocation` has them.
    func blockLocations(_ request: WebHDFSRequest, fileSystem: FileSystem) async throws -> JSON {
        let offset = try request.int64("offset", minimum: 0) ?? 0
        let length = try request.int64("length", minimum: 0) ?? Int64.max
        let end = length > Int64.max - offset ? Int64.max : offset + length
        guard try await fileSystem.fileStatus(request.path) != nil else { throw fileNotFound(request.path) }
        let nodes = Dictionary(state.daemon.datanodes.datanodeReport(kind: .all).map { ($0.identity.transferAddress, $0.identity) },
                               uniquingKeysWith: { first, _ in first })
        let blocks = try await fileSystem.blockLocations(request.path).filter { block in
            block.offset < end && block.offset + block.lengthBytes > offset || (block.lengthBytes == 0 && block.offset == offset)
        }
        return WebHDFSReplies.blockLocations(blocks.map { block in
            (offset: block.offset, length: block.lengthBytes, corrupt: block.isCorrupt, replicas: block.replicas.map { replica in
                WebHDFSReplies.ReplicaHost(hostName: nodes[replica.address]?.hostName ?? replica.address,
                                           transferAddress: replica.address, rack: replica.rack, storageID: replica.storageID)
            })
        })
    }

    func emptyOK() -> Response {
        var headers: HTTPFields = [:]
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers, body: ResponseBody())
    }

    func fileNotFound(_ path: String) -> WebHDFSError {
        WebHDFSError(.fileNotFound, "File does not exist: \(path)")
    }

    // MARK: Redirects to a datanode

    /// CREATE goes to any live datanode (it becomes the pipeline's first); APPEND to one
    /// holding the last block; OPEN to one holding the block at `offset` (the parameters were
    /// checked by `checkParameters`, so a bad request fails before any redirect).
    func redirect(_ request: WebHDFSRequest, fileSystem: FileSystem, requestHost: String?) async throws -> Response {
        let offset = try request.int64("offset", minimum: 0) ?? 0
        let live = state.daemon.datanodes.datanodeReport(kind: .live).filter { $0.adminState == .normal || request.operation == .open }
        var preferred: [String] = []
        switch request.operation {
        case .open:
            guard let status = try await fileSystem.fileStatus(request.path) else { throw fileNotFound(request.path) }
            guard status.isFile else { throw WebHDFSError(.fileNotFound, "Path is not a file: \(request.path)") }
            let blocks = try await fileSystem.blockLocations(request.path)
            if let block = blocks.last(where: { $0.offset <= offset }) { preferred = block.replicas.map(\.address) }
        case .append:
            guard let status = try await fileSystem.fileStatus(request.path) else { throw fileNotFound(request.path) }
            guard status.isFile else { throw WebHDFSError(.fileNotFound, "Path is not a file: \(request.path)") }
            if status.length > 0, let last = try await fileSystem.blockLocations(request.path).last {
                preferred = last.replicas.map(\.address)
            }
        default:
            break
        }
        let chosen = preferred.lazy.compactMap { address in live.first { $0.identity.transferAddress == address } }.first
            ?? live.randomElement()
        guard let datanode = chosen else {
            throw WebHDFSError(.ioException, "Failed to find datanode, suggest to check cluster health. excludeDatanodes=null")
        }
        let url = datanodeURL(request, datanode: datanode.identity, requestHost: requestHost)
        if try request.bool("noredirect", default: false) {
            return Replies.json(WebHDFSReplies.location(url))
        }
        return Replies.redirect(url)
    }

    /// `http://<datanode>:<infoPort>/webhdfs/v1/<path>?<the client's parameters>&namenoderpcaddress=…`.
    func datanodeURL(_ request: WebHDFSRequest, datanode: DatanodeIdentity, requestHost: String?) -> String {
        var query = request.rawQuery.split(separator: "&").filter {
            let name = $0.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            return name != "noredirect" && name != "namenoderpcaddress"
        }.map(String.init)
        if let membership = state.daemon.ha.membership {
            // HA: the nameservice, as HDFS sends it, so the datanode's client can fail over
            // if this namenode dies during the transfer.
            query.append("namenoderpcaddress=\(membership.nameservice)")
        } else {
            let callbackHost = state.advertisedRPCHost ?? requestHost.map(Self.hostPart) ?? "127.0.0.1"
            query.append("namenoderpcaddress=\(callbackHost):\(state.rpcPort)")
        }
        return "http://\(datanode.ipAddress):\(datanode.infoPort)\(WebHDFSRequest.prefix)"
            + WebHDFSRequest.percentEncodePath(request.path) + "?" + query.joined(separator: "&")
    }

    /// `host:port` or `[v6]:port` → host.
    static func hostPart(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        return String(authority.split(separator: ":").first ?? Substring(authority))
    }
}
