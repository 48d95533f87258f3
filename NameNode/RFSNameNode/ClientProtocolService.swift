import Foundation
import Logging
import RFSConfig
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC
import Synchronization

/// HDFS's ClientProtocol over the namespace engine: each call is turned into an edit (for
/// mutations: made durable, applied, answered) or a read of the committed store, and the
/// answer is built with every field the Java client requires.
public final class ClientProtocolService: Sendable {
    let engine: NamespaceEngine
    let blockPoolID: String
    let blocks: any BlockLocator
    let datanodes: DatanodeProtocolService
    let excludeFile: String
    let leases: LeaseManager
    let groups: UnixGroups
    let serverDefaults: ServerDefaults
    let listingLimit: Int
    let safeMode: SafeMode
    let logger: Logger
    let clock: @Sendable () -> Int64
    let retryCache = RetryCache()
    /// Inodes a delete removes in its own edit; a larger subtree is detached and purged by
    /// later edits of this many inodes each (`rfs.namenode.delete.increment`).
    let deleteIncrement: Int
    /// Wake-ups of the purge of detached subtrees (coalesced: one pending is enough).
    let purgeWakeUps: AsyncStream<Void>
    private let purgeWake: AsyncStream<Void>.Continuation

    public init(engine: NamespaceEngine, datanodes: DatanodeProtocolService, leases: LeaseManager, serverDefaults: ServerDefaults,
                listingLimit: Int, safeMode: SafeMode, excludeFile: String, deleteIncrement: Int = Keys.deleteIncrement.defaultValue,
                logger: Logger, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        (purgeWakeUps, purgeWake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.deleteIncrement = deleteIncrement
        self.engine = engine
        self.blockPoolID = (try? engine.reads.counters()?.blockPoolID) ?? ""
        self.blocks = datanodes
        self.datanodes = datanodes
        self.excludeFile = excludeFile
        self.leases = leases
        self.groups = UnixGroups()
        self.serverDefaults = serverDefaults
        self.listingLimit = listingLimit
        self.safeMode = safeMode
        self.logger = logger
        self.clock = clock
    }

    /// The block pool id never changes after format; read once.
    var protos: StatusProtos { StatusProtos(blockPoolID: blockPoolID) }

    func caller(_ context: RPCCallContext) -> Caller {
        Caller(user: context.user, groups: groups.groups(for: context.user))
    }

    /// Proposes an edit for the caller and returns its reply, raising its rejection.
    func propose(_ operation: Rfs_Namenode_Edit.OneOf_Operation, context: RPCCallContext, mutating: Bool = true) async throws -> EditReply {
        if mutating { try safeMode.checkWritable(operation: SafeMode.refusedOperation(operation) ?? context.methodName) }
        var edit = Rfs_Namenode_Edit()
        edit.timeMs = UInt64(clock())
        edit.caller.user = context.user
        edit.caller.groups = groups.groups(for: context.user)
        edit.operation = operation
        if RetryCache.atMostOnceMethods.contains(context.methodName),
           let key = RetryCache.key(clientID: context.clientID, callID: context.callID) {
            // A call seen before (its reply was lost, or it comes again after a failover).
            if let outcome = retryCache.outcome(for: key, nowMillis: clock()) { return try outcome.get() }
            edit.rpcClientID = Data(context.clientID)
            edit.rpcCallID = key.callID
        }
        let result: EditResult
        do {
            result = try await engine.propose(edit)
        } catch let error as RaftNode.ProposalError {
            // Not applied here, or not known to have been (this member lost the lead, a new
            // leader replaced the entry, or a snapshot covered it): the client may send it to
            // the active namenode, where an at-most-once call's retry is answered from the
            // retry cache (filled on every member) if it did take effect.
            throw HadoopRemoteError(.standby, "Operation category WRITE is not supported in state standby (\(error))")
        }
        // The block map and leases already follow it: the engine's observer ran before this resumed.
        switch result.outcome {
        case .success(let reply): return reply
        case .failure(let rejection): throw rejection
        }
    }

    /// Keeps leases, the block map and the retry cache in step with an applied edit (on every
    /// member, on the apply thread).
    func follow(_ applied: AppliedEdit) {
        if let key = RetryCache.key(clientID: applied.edit.rpcClientID, callID: applied.edit.rpcCallID) {
            retryCache.record(key, outcome: applied.result.outcome, nowMillis: clock())
        }
        follow(applied.result.effects)
    }

    /// Asks for the detached subtrees to be purged (it does nothing unless this namenode is
    /// active and some are left).
    func wakePurge() { purgeWake.yield() }

    func stopPurging() { purgeWake.finish() }

    /// Keeps leases and the block map in step with what an edit changed.
    func follow(_ effects: [NamespaceEffect]) {
        guard !effects.isEmpty else { return }
        let now = clock()
        for effect in effects {
            switch effect {
            case .leaseOpened(let fileID, let holder): leases.opened(fileID: fileID, holder: holder, nowMillis: now)
            case .leaseClosed(let fileID, let holder): leases.closed(fileID: fileID, holder: holder)
            case .subtreeDetached: wakePurge()
            default: break
            }
        }
        blocks.apply(effects)
    }

    func reads() -> NamespaceReads { engine.reads }

    public func register(into registry: inout RPCServiceRegistry) {
        registerReads(into: &registry)
        registerNamespaceMutations(into: &registry)
        registerWrites(into: &registry)
        registerAdministration(into: &registry)
        registerAccess(into: &registry)
        registerXAttrs(into: &registry)
        registerAcls(into: &registry)
    }
}

// MARK: - Reads

extension ClientProtocolService {
    func registerReads(into registry: inout RPCServiceRegistry) {
        let protocolName = ProtocolNames.clientProtocol
        registry.register(protocol: protocolName, method: "getServerDefaults") { [self] (_: Hadoop_Hdfs_GetServerDefaultsRequestProto, _: RPCCallContext) in
            var response = Hadoop_Hdfs_GetServerDefaultsResponseProto()
            response.serverDefaults = serverDefaults.proto
            return response
        }
        registry.register(protocol: protocolName, method: "getFileInfo") { [self] (request: Hadoop_Hdfs_GetFileInfoRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetFileInfoResponseProto()
            // A missing path is a reply without `fs`; clients turn it into FileNotFound.
            if let inode = try reads().fileInfo(request.src, caller: caller(context)) {
                response.fs = protos.fileStatus(inode, localName: [])
            }
            return response
        }
        registry.register(protocol: protocolName, method: "getFileLinkInfo") { [self] (request: Hadoop_Hdfs_GetFileLinkInfoRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetFileLinkInfoResponseProto()
            if let inode = try reads().fileInfo(request.src, caller: caller(context)) {
                response.fs = protos.fileStatus(inode, localName: [])
            }
            return response
        }
        registry.register(protocol: protocolName, method: "getLocatedFileInfo") { [self] (request: Hadoop_Hdfs_GetLocatedFileInfoRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetLocatedFileInfoResponseProto()
            if let inode = try reads().fileInfo(request.src, caller: caller(context)) {
                response.fs = protos.fileStatus(inode, localName: [])
            }
            return response
        }
        registry.register(protocol: protocolName, method: "getListing") { [self] (request: Hadoop_Hdfs_GetListingRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetListingResponseProto()
            guard let page = try reads().listing(request.src, startAfter: [UInt8](request.startAfter), limit: listingLimit, caller: caller(context)) else {
                return response  // no dirList: the client raises FileNotFoundException
            }
            var listing = Hadoop_Hdfs_DirectoryListingProto()
            listing.partialListing = page.entries.map { inode in
                // A file lists as itself with an empty local name; directory entries carry theirs.
                var status = protos.fileStatus(inode, localName: page.listsFileItself ? [] : [UInt8](inode.name))
                if request.needLocation, inode.kind == .inodeFile {
                    status.locations = locatedBlocks(inode, offset: 0, length: UInt64.max)
                }
                return status
            }
            listing.remainingEntries = page.remainingEntries
            response.dirList = listing
            return response
        }
        registry.register(protocol: protocolName, method: "getBlockLocations") { [self] (request: Hadoop_Hdfs_GetBlockLocationsRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetBlockLocationsResponseProto()
            let inode = try reads().fileForRead(request.src, caller: caller(context))
            response.locations = locatedBlocks(inode, offset: request.offset, length: request.length)
            return response
        }
        registry.register(protocol: protocolName, method: "getContentSummary") { [self] (request: Hadoop_Hdfs_GetContentSummaryRequestProto, context: RPCCallContext) in
            let summary = try reads().contentSummary(request.path, caller: caller(context))
            var proto = Hadoop_Hdfs_ContentSummaryProto()
            proto.length = summary.lengthBytes
            proto.fileCount = summary.fileCount
            proto.directoryCount = summary.directoryCount
            proto.quota = UInt64(bitPattern: summary.namespaceQuota)
            proto.spaceConsumed = summary.spaceConsumedBytes
            proto.spaceQuota = UInt64(bitPattern: summary.storagespaceQuota)
            var response = Hadoop_Hdfs_GetContentSummaryResponseProto()
            response.summary = proto
            return response
        }
        registry.register(protocol: protocolName, method: "getQuotaUsage") { [self] (request: Hadoop_Hdfs_GetQuotaUsageRequestProto, context: RPCCallContext) in
            let found = try reads().quotaUsage(request.path, caller: caller(context))
            var usage = Hadoop_Hdfs_QuotaUsageProto()
            usage.fileAndDirectoryCount = found.fileAndDirectoryCount
            usage.quota = UInt64(bitPattern: found.namespaceQuota)
            usage.spaceConsumed = found.spaceConsumedBytes
            usage.spaceQuota = UInt64(bitPattern: found.storagespaceQuota)
            var response = Hadoop_Hdfs_GetQuotaUsageResponseProto()
            response.usage = usage
            return response
        }
        registry.register(protocol: protocolName, method: "getPreferredBlockSize") { [self] (request: Hadoop_Hdfs_GetPreferredBlockSizeRequestProto, context: RPCCallContext) in
            let inode = try reads().fileForRead(request.filename, caller: caller(context))
            var response = Hadoop_Hdfs_GetPreferredBlockSizeResponseProto()
            response.bsize = inode.blockSizeBytes
            return response
        }
        registry.register(protocol: protocolName, method: "isFileClosed") { [self] (request: Hadoop_Hdfs_IsFileClosedRequestProto, context: RPCCallContext) in
            guard let inode = try reads().fileInfo(request.src, caller: caller(context)) else {
                throw NamespaceRejection.fileNotFound("File does not exist: \(request.src)")
            }
            var response = Hadoop_Hdfs_IsFileClosedResponseProto()
            response.result = !inode.hasUnderConstruction
            return response
        }
        registry.register(protocol: protocolName, method: "getStoragePolicies") { (_: Hadoop_Hdfs_GetStoragePoliciesRequestProto, _: RPCCallContext) in
            var response = Hadoop_Hdfs_GetStoragePoliciesResponseProto()
            response.policies = StoragePolicy.all.map(StatusProtos.storagePolicy)
            return response
        }
        registry.register(protocol: protocolName, method: "getStoragePolicy") { [self] (request: Hadoop_Hdfs_GetStoragePolicyRequestProto, context: RPCCallContext) in
            let id = try reads().storagePolicy(request.path, caller: caller(context))
            var response = Hadoop_Hdfs_GetStoragePolicyResponseProto()
            // Unspecified all the way up means the default policy, as HDFS answers.
            response.storagePolicy = StatusProtos.storagePolicy(StoragePolicy.withID(id) ?? StoragePolicy.defaultPolicy)
            return response
        }
        registry.register(protocol: protocolName, method: "msync") { (_: Hadoop_Hdfs_MsyncRequestProto, _: RPCCallContext) in
            // A single active namenode is always up to date.
            Hadoop_Hdfs_MsyncResponseProto()
        }
    }

    /// The blocks of `inode` that overlap [offset, offset + length), with their locations.
    func locatedBlocks(_ inode: Rfs_Namenode_InodeRecord, offset: UInt64, length: UInt64) -> Hadoop_Hdfs_LocatedBlocksProto {
        var located = Hadoop_Hdfs_LocatedBlocksProto()
        let end = length > UInt64.max - offset ? UInt64.max : offset + length
        var position: UInt64 = 0
        let underConstruction = inode.hasUnderConstruction
        var list: [Hadoop_Hdfs_LocatedBlockProto] = []
        for (index, block) in inode.blocks.enumerated() {
            let blockEnd = position + block.numBytes
            let isLastOpen = underConstruction && index == inode.blocks.count - 1
            if (blockEnd > offset && position < end) || (isLastOpen && position >= offset && position <= end) {
                let (nodes, corrupt) = blocks.locations(of: block.id)
                list.append(protos.locatedBlock(block, offset: position, locations: nodes, corrupt: corrupt))
            }
            position = blockEnd
        }
        let complete = inode.blocks.last.map(\.complete) ?? true
        located.fileLength = underConstruction ? inode.blocks.filter(\.complete).reduce(0) { $0 + $1.numBytes } : position
        located.blocks = underConstruction && !complete ? list.filter { $0.b.blockID != inode.blocks.last!.id } : list
        located.underConstruction = underConstruction
        located.isLastBlockComplete = complete
        if underConstruction, let last = inode.blocks.last, !last.complete {
            let (nodes, corrupt) = blocks.locations(of: last.id)
            located.lastBlock = protos.locatedBlock(last, offset: position - last.numBytes, locations: nodes, corrupt: corrupt)
        }
        return located
    }
}
