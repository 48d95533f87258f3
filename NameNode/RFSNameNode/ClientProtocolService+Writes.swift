import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC

extension ClientProtocolService {
    /// The client's host as the connection shows it ("[IPv4]127.0.0.1/127.0.0.1:4242" → "127.0.0.1").
    static func clientHost(_ context: RPCCallContext) -> String {
        var text = Substring(context.remoteAddress)
        if let slash = text.lastIndex(of: "/") { text = text[text.index(after: slash)...] }
        if let colon = text.lastIndex(of: ":") { text = text[..<colon] }
        return String(text)
    }

    func registerWrites(into registry: inout RPCServiceRegistry) {
        let protocolName = ProtocolNames.clientProtocol
        registry.register(protocol: protocolName, method: "create") { [self] (request: Hadoop_Hdfs_CreateRequestProto, context: RPCCallContext) in
            let flags = request.createFlag
            // CREATE|APPEND on an existing file appends (FileSystem.append with create).
            if flags & 4 != 0, try reads().fileInfo(request.src, caller: caller(context)) != nil {
                _ = try await append(path: request.src, clientName: request.clientName, newBlock: flags & 32 != 0, context: context)
                var response = Hadoop_Hdfs_CreateResponseProto()
                if let inode = try reads().fileInfo(request.src, caller: caller(context)) { response.fs = protos.fileStatus(inode, localName: []) }
                return response
            }
            guard flags & 1 != 0 || flags & 2 != 0 else {
                throw HadoopRemoteError(.illegalArgument, "create of \(request.src) without CREATE or OVERWRITE in its flags (\(flags))")
            }
            var op = Rfs_Namenode_Create()
            op.path = request.src
            op.permission = request.masked.perm
            op.clientName = request.clientName
            op.clientMachine = Self.clientHost(context)
            op.overwrite = flags & 2 != 0
            op.createParent = request.createParent
            op.inheritParentPermission = true
            op.replication = request.replication
            op.blockSizeBytes = request.blockSize
            var response = Hadoop_Hdfs_CreateResponseProto()
            if case .inode(let inode) = try await propose(.create(op), context: context) {
                response.fs = protos.fileStatus(inode, localName: [])
            }
            return response
        }
        registry.register(protocol: protocolName, method: "append") { [self] (request: Hadoop_Hdfs_AppendRequestProto, context: RPCCallContext) in
            try await append(path: request.src, clientName: request.clientName, newBlock: request.flag & 32 != 0, context: context)
        }
        registry.register(protocol: protocolName, method: "addBlock") { [self] (request: Hadoop_Hdfs_AddBlockRequestProto, context: RPCCallContext) in
            try safeMode.checkWritable(operation: "add block to \(request.src)")
            let file: Rfs_Namenode_InodeRecord
            if request.fileID != 0, let byID = try reads().inode(id: request.fileID) {
                file = byID
            } else {
                guard let byPath = try reads().fileInfo(request.src, caller: caller(context)) else {
                    throw NamespaceRejection.fileNotFound("File does not exist: \(request.src)")
                }
                file = byPath
            }
            let excluded = Set(request.excludeNodes.map(\.id.datanodeUuid))
            let targets = blocks.chooseTargets(count: Int(file.replication), writerHost: Self.clientHost(context),
                                               excluded: excluded, blockSizeBytes: file.blockSizeBytes)
            guard !targets.isEmpty else {
                throw HadoopRemoteError(.ioException,
                    "File \(request.src) could only be written to 0 of the 1 minReplication nodes. There are \(blocks.liveDatanodeCount) datanode(s) running and \(excluded.count) node(s) are excluded in this operation.")
            }
            let (id, stamp) = engine.allocateBlock()
            var op = Rfs_Namenode_AddBlock()
            op.path = request.src
            op.fileID = file.id
            op.clientName = request.clientName
            if request.hasPrevious { op.previous = Rfs_Namenode_BlockRecord(request.previous) }
            op.newBlockID = id
            op.newGenerationStamp = stamp
            guard case .block(let block, let offset, _) = try await propose(.addBlock(op), context: context) else {
                throw HadoopRemoteError(.ioException, "addBlock for \(request.src) produced no block")
            }
            blocks.setExpectedLocations(of: block.id, datanodeUUIDs: targets.map(\.id.datanodeUuid))
            var response = Hadoop_Hdfs_AddBlockResponseProto()
            response.block = protos.locatedBlock(block, offset: offset, locations: targets, corrupt: false)
            return response
        }
        registry.register(protocol: protocolName, method: "getAdditionalDatanode") { [self] (request: Hadoop_Hdfs_GetAdditionalDatanodeRequestProto, context: RPCCallContext) in
            let file = try reads().fileForRead(request.src, caller: caller(context))
            let excluded = Set((request.existings + request.excludes).map(\.id.datanodeUuid))
            let extra = blocks.chooseTargets(count: Int(request.numAdditionalNodes), writerHost: Self.clientHost(context),
                                             excluded: excluded, blockSizeBytes: file.blockSizeBytes)
            let block = Rfs_Namenode_BlockRecord(request.blk)
            var response = Hadoop_Hdfs_GetAdditionalDatanodeResponseProto()
            response.block = protos.locatedBlock(block, offset: 0, locations: request.existings + extra, corrupt: false)
            return response
        }
        registry.register(protocol: protocolName, method: "abandonBlock") { [self] (request: Hadoop_Hdfs_AbandonBlockRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_AbandonBlock()
            op.path = request.src
            op.fileID = request.fileID
            op.clientName = request.holder
            op.blockID = request.b.blockID
            _ = try await propose(.abandonBlock(op), context: context)
            return Hadoop_Hdfs_AbandonBlockResponseProto()
        }
        registry.register(protocol: protocolName, method: "complete") { [self] (request: Hadoop_Hdfs_CompleteRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_CompleteResponseProto()
            // The file closes only once its last block has a reported replica; until then
            // the answer is false and the client asks again.
            if request.hasLast && request.last.numBytes > 0,
               !blocks.isMinimallyReplicated(request.last.blockID, generationStamp: request.last.generationStamp, numBytes: request.last.numBytes) {
                // A file deleted while its writer closes it loses its blocks, so "not yet"
                // would be the answer forever: say at once that it is gone, as HDFS's lease
                // check does. (A file that is there but not this writer's is refused by the
                // complete edit itself, once replicas are in.)
                let file = try request.fileID != 0 ? reads().inode(id: request.fileID)
                                                  : reads().fileInfo(request.src, caller: caller(context))
                guard let file else {
                    throw NamespaceRejection.fileNotFound(
                        "File does not exist: \(request.src) (inode \(request.fileID)) Holder \(request.clientName) does not have any open files.")
                }
                // A retried complete of a file already closed with this last block (its reply
                // was lost, or a new active's block map has not heard every replica yet): the
                // file is complete, as HDFS answers first.
                response.result = !file.hasUnderConstruction && file.blocks.last?.id == request.last.blockID
                return response
            }
            var op = Rfs_Namenode_Complete()
            op.path = request.src
            op.fileID = request.fileID
            op.clientName = request.clientName
            if request.hasLast { op.last = Rfs_Namenode_BlockRecord(request.last) }
            response.result = try await propose(.complete(op), context: context) == .flag(true)
            return response
        }
        registry.register(protocol: protocolName, method: "fsync") { [self] (request: Hadoop_Hdfs_FsyncRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_Fsync()
            op.path = request.src
            op.fileID = request.fileID
            op.clientName = request.client
            op.lastBlockLength = request.lastBlockLength > 0 ? UInt64(request.lastBlockLength) : 0
            _ = try await propose(.fsync(op), context: context)
            return Hadoop_Hdfs_FsyncResponseProto()
        }
        registry.register(protocol: protocolName, method: "renewLease") { [self] (request: Hadoop_Hdfs_RenewLeaseRequestProto, _: RPCCallContext) in
            leases.renew(holder: request.clientName, nowMillis: clock())
            return Hadoop_Hdfs_RenewLeaseResponseProto()
        }
        registry.register(protocol: protocolName, method: "recoverLease") { [self] (request: Hadoop_Hdfs_RecoverLeaseRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_RecoverLeaseResponseProto()
            response.result = try await recoverLease(path: request.src, context: context)
            return response
        }
        registry.register(protocol: protocolName, method: "updateBlockForPipeline") { [self] (request: Hadoop_Hdfs_UpdateBlockForPipelineRequestProto, context: RPCCallContext) in
            guard let file = try reads().file(holdingBlock: request.block.blockID), file.hasUnderConstruction,
                  file.underConstruction.clientName == request.clientName else {
                throw NamespaceRejection.leaseExpired("\(request.clientName) does not hold the lease on the file of block \(request.block.blockID)")
            }
            var op = Rfs_Namenode_NewGenerationStamp()
            op.blockID = request.block.blockID
            op.generationStamp = engine.allocateGenerationStamp()
            op.clientName = request.clientName
            _ = try await propose(.newGenerationStamp(op), context: context)
            var block = Rfs_Namenode_BlockRecord()
            block.id = request.block.blockID
            block.generationStamp = op.generationStamp
            block.numBytes = request.block.numBytes
            var response = Hadoop_Hdfs_UpdateBlockForPipelineResponseProto()
            response.block = protos.locatedBlock(block, offset: 0, locations: [], corrupt: false)
            return response
        }
        registry.register(protocol: protocolName, method: "updatePipeline") { [self] (request: Hadoop_Hdfs_UpdatePipelineRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_UpdatePipeline()
            op.clientName = request.clientName
            op.oldBlock = Rfs_Namenode_BlockRecord(request.oldBlock)
            op.newBlock = Rfs_Namenode_BlockRecord(request.newBlock)
            _ = try await propose(.updatePipeline(op), context: context)
            blocks.setExpectedLocations(of: request.newBlock.blockID, datanodeUUIDs: request.newNodes.map(\.datanodeUuid))
            return Hadoop_Hdfs_UpdatePipelineResponseProto()
        }
    }

    func append(path: String, clientName: String, newBlock: Bool, context: RPCCallContext) async throws -> Hadoop_Hdfs_AppendResponseProto {
        var op = Rfs_Namenode_Append()
        op.path = path
        op.clientName = clientName
        op.clientMachine = Self.clientHost(context)
        op.newBlock = newBlock
        op.newGenerationStamp = engine.allocateGenerationStamp()
        var response = Hadoop_Hdfs_AppendResponseProto()
        switch try await propose(.append(op), context: context) {
        case .block(let block, let offset, let file):
            response.block = protos.locatedBlock(block, offset: offset, locations: blocks.locations(of: block.id).nodes, corrupt: false)
            response.stat = protos.fileStatus(file, localName: [])
        case .inode(let file):
            response.stat = protos.fileStatus(file, localName: [])
        default:
            break
        }
        return response
    }
}

extension Rfs_Namenode_BlockRecord {
    /// The namespace's view of a block a client names on the wire (its pool id is implied).
    init(_ extended: Hadoop_Hdfs_ExtendedBlockProto) {
        self.init()
        id = extended.blockID
        generationStamp = extended.generationStamp
        numBytes = extended.numBytes
    }
}
