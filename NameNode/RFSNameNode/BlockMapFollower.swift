import RFSBlockManagement
import RFSConfig
import RFSModel
import RFSNamespace
import RFSProtocol

/// Keeps the block map (soft state) in step with the namespace (durable state): at start by
/// loading every block the store knows, afterwards by following each edit's effects.
extension DatanodeProtocolService: BlockLocator {
    public func apply(_ effects: [NamespaceEffect]) {
        for effect in effects {
            switch effect {
            case .blockAdded(let id, let stamp, let fileID, let replication):
                addBlock(id: id, generationStamp: stamp, expectedReplication: Int(replication), fileID: fileID)
            case .blockCommitted(let id, let stamp, let numBytes):
                commitBlock(BlockID(id), numBytes: Int64(clamping: numBytes), generationStamp: stamp)
            case .blockUpdated(let id, let stamp, let numBytes):
                // Append reopens a finished block; pipeline recovery updates an open one.
                withBlockManager { manager in
                    _ = manager.reopenBlock(BlockID(id))
                    _ = manager.updateGenerationStamp(BlockID(id), to: stamp, numBytes: Int64(clamping: numBytes))
                }
            case .blocksRemoved(let ids):
                removeBlocks(ids.map { BlockID($0) })
            case .replicationChanged(let ids, let replication):
                for id in ids { setExpectedReplication(BlockID(id), Int(replication)) }
            case .leaseOpened, .leaseClosed, .subtreeDetached:
                break
            }
        }
    }

    /// Tells block management about every block in the namespace, so that block reports
    /// after a restart find them known.
    func loadBlocks(from engine: NamespaceEngine) throws {
        var loaded = 0
        try engine.reads.forEachFile { file in
            for block in file.blocks {
                addBlock(id: block.id, generationStamp: block.generationStamp, numBytes: block.numBytes,
                         expectedReplication: Int(file.replication), fileID: file.id, isCommitted: block.complete)
                loaded += 1
            }
        }
    }
}

extension DatanodeProtocolService {
    /// After the namespace was replaced by a snapshot: forgets the blocks it no longer has and
    /// learns the ones it has (replicas already reported stay).
    func reloadBlocks(from engine: NamespaceEngine) throws {
        var present = Set<BlockID>()
        try engine.reads.forEachFile { file in
            for block in file.blocks {
                present.insert(BlockID(block.id))
                addBlock(id: block.id, generationStamp: block.generationStamp, numBytes: block.numBytes,
                         expectedReplication: Int(file.replication), fileID: file.id, isCommitted: block.complete)
            }
        }
        removeBlocks(withBlockManager { $0.knownBlockIDs }.filter { !present.contains($0) })
    }
}

/// Block management's settings from the namenode's configuration.
func blockManagerConfiguration(_ configuration: Configuration) throws -> BlockManagerConfiguration {
    var settings = BlockManagerConfiguration()
    settings.heartbeatIntervalMillis = try configuration.get(Keys.heartbeatInterval).wholeMilliseconds
    settings.heartbeatRecheckIntervalMillis = try configuration.get(Keys.heartbeatRecheckInterval).wholeMilliseconds
    return settings
}
