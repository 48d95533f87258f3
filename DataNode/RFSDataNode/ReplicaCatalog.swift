import Logging
import RFSBlockStorage
import RFSChecksum
import RFSProtocol
import Synchronization

/// A change to report to the namenodes in the next incremental block report.
public struct ReplicaChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case receiving, received, deleted }
    public let blockID: Int64
    public let generationStamp: Int64
    public let lengthBytes: Int64
    public let storageID: String
    public let kind: Kind
}

/// Why the catalog refused an operation; each maps to the message a client or the namenode sees.
public enum ReplicaCatalogError: Error, Sendable, CustomStringConvertible {
    case alreadyExists(blockID: Int64, state: ReplicaState, generationStamp: Int64)
    case notFound(blockID: Int64)
    /// The replica's stamp does not fit the request (older than a read wants, or newer than
    /// a pipeline's new stamp).
    case staleGenerationStamp(blockID: Int64, replica: Int64, requested: Int64)
    case busy(blockID: Int64)
    case notFinalized(blockID: Int64)
    case recoveryInProgress(blockID: Int64, recoveryID: Int64, requested: Int64)
    case notUnderRecovery(blockID: Int64, recoveryID: Int64)
    case storage(BlockStorageError)

    public var description: String {
        switch self {
        case let .alreadyExists(id, state, stamp):
            "Block blk_\(id) already exists in state \(state) with generation stamp \(stamp) (ReplicaAlreadyExistsException)"
        case let .notFound(id): "Replica not found for blk_\(id) (ReplicaNotFoundException)"
        case let .staleGenerationStamp(id, replica, requested):
            "Replica blk_\(id) has generation stamp \(replica), which does not match the requested \(requested)"
        case let .busy(id): "Replica blk_\(id) is being written by another pipeline"
        case let .notFinalized(id): "Replica blk_\(id) is not finalized"
        case let .recoveryInProgress(id, held, requested):
            "Replica blk_\(id) is already under recovery \(held), newer than or equal to \(requested) (RecoveryInProgressException)"
        case let .notUnderRecovery(id, recoveryID): "Replica blk_\(id) is not under recovery \(recoveryID)"
        case let .storage(error): "\(error)"
        }
    }
}

/// The datanode's replicas: which volume holds each block, in what state and how much of it
/// readers may see, plus the changes not yet reported to the namenodes. The one owner of the
/// volumes. Short critical sections only: file data is written by the writers it hands out,
/// outside the lock; only creates, renames and deletes run under it.
public final class ReplicaCatalog: Sendable {
    struct Entry {
        var info: ReplicaInfo
        var storageID: String
        /// Bytes written and flushed here, which a READ_BLOCK may send (rbw), or the length.
        var visibleLength: Int64
        /// Bytes every datanode downstream has acknowledged as well (HDFS's bytesAcked): what
        /// getReplicaVisibleLength answers while a pipeline writes, so a reader asks for no
        /// byte the writer's hflush has not made durable on the whole pipeline. Nil once no
        /// pipeline holds the replica, when it is `visibleLength`.
        var bytesAcked: Int64? = nil
        /// A pipeline holds this replica's writer.
        var writing: Bool
        /// Held by block recovery under this id (HDFS's RUR state): no pipeline may write it,
        /// and only a recovery with a newer id may take it over.
        var recoveryID: Int64? = nil

        /// Busy for a new writer: written by a pipeline, or held by a recovery.
        var isHeld: Bool { writing || recoveryID != nil }
    }

    struct State {
        var volumes: VolumeSet
        var replicas: [Int64: Entry] = [:]
        var changes: [ReplicaChange] = []
        var corrupt: [CorruptReplica] = []
        /// Volumes that could not be opened at start, or failed since: path and why.
        var failed: [(path: String, reason: String)] = []
    }

    private let state: Mutex<State>
    private let logger: Logger
    /// Called (outside the lock) whenever a change is queued, so the namenode connections
    /// send it at once rather than at the next heartbeat.
    private let changed: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    /// Scans every volume: finalized replicas are listed, rbw replicas recovered to their last
    /// checksummed length, corrupt ones kept aside for the namenode.
    public init(volumes: sending VolumeSet, failedAtStart: [(path: String, reason: String)] = [], logger: Logger) {
        self.logger = logger
        var replicas: [Int64: Entry] = [:]
        var corrupt: [CorruptReplica] = []
        var failed = failedAtStart
        for volume in volumes.volumes {
            do throws(BlockStorageError) {
                let report = try volume.scan()
                for info in report.finalized {
                    replicas[info.blockID] = Entry(info: info, storageID: volume.storageID,
                                                   visibleLength: Int64(info.lengthBytes), writing: false)
                }
                for recovered in report.recovered {
                    let info = recovered.replica
                    if recovered.bytesCut > 0 {
                        logger.warning("rbw replica cut to its last checksummed length", metadata: [
                            "block": "\(info.blockID)", "cutBytes": "\(recovered.bytesCut)", "volume": "\(volume.path)"])
                    }
                    replicas[info.blockID] = Entry(info: info, storageID: volume.storageID,
                                                   visibleLength: Int64(info.lengthBytes), writing: false)
                }
                corrupt += report.corrupt
                for bad in report.corrupt {
                    logger.error("corrupt replica on disk", metadata: ["block": "\(bad.blockID)", "path": "\(bad.path)", "reason": "\(bad.reason)"])
                }
            } catch {
                logger.error("volume scan failed; the volume is taken out of service", metadata: ["volume": "\(volume.path)", "error": "\(error)"])
                failed.append((path: volume.path, reason: "\(error)"))
                volumes.markFailed(volume, error: error)
            }
        }
        state = Mutex(State(volumes: volumes, replicas: replicas, corrupt: corrupt, failed: failed))
    }

    public func onChange(_ body: @escaping @Sendable () -> Void) {
        changed.withLock { $0 = body }
    }

    private func notify() {
        changed.withLock { $0 }?()
    }

    // MARK: - Writes

    /// A new rbw replica for a pipeline (PIPELINE_SETUP_CREATE, a transfer or a replication).
    /// An older rbw or temporary replica of the block (an abandoned attempt) is replaced; a
    /// finalized one, or one being written, is refused.
    public func create(blockID: Int64, generationStamp: Int64, expectedBytes: Int64,
                       checksum: ChunkedChecksum) throws(ReplicaCatalogError) -> ReplicaWriter {
        let writer = try state.withLock { (state) throws(ReplicaCatalogError) -> ReplicaWriter in
            if let existing = state.replicas[blockID] {
                if existing.isHeld { throw .busy(blockID: blockID) }
                if existing.info.state == .finalized, existing.info.generationStamp >= generationStamp {
                    throw .alreadyExists(blockID: blockID, state: existing.info.state, generationStamp: existing.info.generationStamp)
                }
                Self.remove(existing, from: &state, logger: logger)
            }
            do throws(BlockStorageError) {
                let (volume, writer) = try state.volumes.createReplica(blockID: blockID, generationStamp: generationStamp,
                                                                        blockSizeBytes: expectedBytes, checksum: checksum)
                state.replicas[blockID] = Entry(info: writer.replica, storageID: volume.storageID, visibleLength: 0,
                                                bytesAcked: 0, writing: true)
                state.changes.append(ReplicaChange(blockID: blockID, generationStamp: generationStamp, lengthBytes: 0,
                                                   storageID: volume.storageID, kind: .receiving))
                return writer
            } catch {
                throw .storage(error)
            }
        }
        notify()
        return writer
    }

    /// Reopens a finalized replica for append under a new generation stamp.
    public func append(blockID: Int64, generationStamp: Int64, newGenerationStamp: Int64) throws(ReplicaCatalogError) -> ReplicaWriter {
        try state.withLock { (state) throws(ReplicaCatalogError) -> ReplicaWriter in
            guard let existing = state.replicas[blockID] else { throw .notFound(blockID: blockID) }
            if existing.isHeld { throw .busy(blockID: blockID) }
            guard existing.info.state == .finalized else { throw .notFinalized(blockID: blockID) }
            // The request may name the block by its old stamp (Java, which then asks for a new
            // one) or by the new one already (hdfs-native); a replica newer than the new stamp
            // belongs to a later writer.
            guard existing.info.generationStamp <= max(generationStamp, newGenerationStamp) else {
                throw .staleGenerationStamp(blockID: blockID, replica: existing.info.generationStamp, requested: newGenerationStamp)
            }
            guard let volume = state.volumes.volumes.first(where: { $0.storageID == existing.storageID }) else {
                throw .notFound(blockID: blockID)
            }
            do throws(BlockStorageError) {
                let writer = try volume.reopenForAppend(existing.info, newGenerationStamp: newGenerationStamp)
                state.replicas[blockID] = Entry(info: writer.replica, storageID: existing.storageID,
                                                visibleLength: Int64(writer.lengthBytes),
                                                bytesAcked: Int64(writer.lengthBytes), writing: true)
                return writer
            } catch {
                throw .storage(error)
            }
        }
    }

    /// Reopens an rbw replica under a new generation stamp to go on writing after a pipeline
    /// failure (PIPELINE_SETUP_STREAMING_RECOVERY, APPEND_RECOVERY) or to close it
    /// (PIPELINE_CLOSE_RECOVERY). An rbw replica must hold at least `minBytes`, what the
    /// writer saw acknowledged; bytes past what the writer resends are kept and the resent
    /// packets skip them. A finalized replica is reopened as for append. Waits briefly for
    /// the failed pipeline's writer to let go.
    public func recover(blockID: Int64, generationStamp: Int64, newGenerationStamp: Int64,
                        minBytes: Int64) async throws -> ReplicaWriter {
        for attempt in 0..<50 {
            let outcome = try state.withLock { (state) throws(ReplicaCatalogError) -> ReplicaWriter? in
                guard let existing = state.replicas[blockID] else { throw .notFound(blockID: blockID) }
                if existing.writing { return nil }
                if existing.recoveryID != nil { throw .busy(blockID: blockID) }
                guard existing.info.generationStamp <= max(generationStamp, newGenerationStamp) else {
                    throw .staleGenerationStamp(blockID: blockID, replica: existing.info.generationStamp, requested: newGenerationStamp)
                }
                guard let volume = state.volumes.volumes.first(where: { $0.storageID == existing.storageID }) else {
                    throw .notFound(blockID: blockID)
                }
                do throws(BlockStorageError) {
                    let writer: ReplicaWriter
                    if existing.info.state == .finalized {
                        writer = try volume.reopenForAppend(existing.info, newGenerationStamp: newGenerationStamp)
                    } else {
                        let renamed = try volume.changeGenerationStamp(existing.info, to: newGenerationStamp)
                        writer = try volume.reopenReplica(renamed)
                    }
                    let length = Int64(writer.lengthBytes)
                    guard length >= minBytes || existing.info.state == .finalized else {
                        throw BlockStorageError.invalidRange(blockID: blockID, offset: 0, length: Int(minBytes), replicaLengthBytes: Int(length))
                    }
                    // What the recovering writer saw acknowledged (`minBytes`) is all the
                    // pipeline has promised; bytes past it wait for the resent packets' acks.
                    state.replicas[blockID] = Entry(info: writer.replica, storageID: existing.storageID,
                                                    visibleLength: length, bytesAcked: min(length, max(0, minBytes)),
                                                    writing: true)
                    return writer
                } catch {
                    throw .storage(error)
                }
            }
            if let outcome { return outcome }
            if attempt == 49 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ReplicaCatalogError.busy(blockID: blockID)
    }

    /// Bytes a pipeline has written and acknowledged: readers may now see them.
    public func setVisibleLength(blockID: Int64, _ length: Int64) {
        state.withLock { state in
            guard var entry = state.replicas[blockID], entry.writing else { return }
            entry.visibleLength = length
            state.replicas[blockID] = entry
        }
    }

    /// Bytes every datanode downstream of this one has acknowledged (an ack about to go
    /// upstream): readers asking for the replica's visible length may now be told them.
    /// Never moves back (a late ack of an earlier packet).
    public func setBytesAcked(blockID: Int64, _ length: Int64) {
        state.withLock { state in
            guard var entry = state.replicas[blockID], entry.writing else { return }
            entry.bytesAcked = max(entry.bytesAcked ?? 0, length)
            state.replicas[blockID] = entry
        }
    }

    /// The pipeline let go of the replica: finalized (reported as received) or left in rbw.
    public func writerClosed(blockID: Int64, replica: ReplicaInfo) {
        let finalized = state.withLock { state -> Bool in
            guard var entry = state.replicas[blockID] else { return false }
            entry.info = replica
            entry.writing = false
            entry.visibleLength = Int64(replica.lengthBytes)
            entry.bytesAcked = nil
            state.replicas[blockID] = entry
            guard replica.state == .finalized else { return false }
            state.changes.append(ReplicaChange(blockID: blockID, generationStamp: replica.generationStamp,
                                               lengthBytes: Int64(replica.lengthBytes), storageID: entry.storageID, kind: .received))
            return true
        }
        if finalized { notify() }
    }

    /// A write that failed before any byte counted: its files are removed.
    public func writerAborted(blockID: Int64) {
        state.withLock { state in
            guard let entry = state.replicas[blockID] else { return }
            state.replicas[blockID] = nil
            state.changes.append(ReplicaChange(blockID: blockID, generationStamp: entry.info.generationStamp, lengthBytes: 0,
                                               storageID: entry.storageID, kind: .deleted))
        }
        notify()
    }

    // MARK: - Block recovery

    /// A replica as block recovery found it.
    public struct RecoveryCandidate: Sendable, Equatable {
        public var state: ReplicaState
        public var generationStamp: Int64
        public var lengthBytes: Int64

        public init(state: ReplicaState, generationStamp: Int64, lengthBytes: Int64) {
            self.state = state
            self.generationStamp = generationStamp
            self.lengthBytes = lengthBytes
        }
    }

    /// Block recovery's first step on this datanode (HDFS's initReplicaRecovery): the replica
    /// is held for `recoveryID`, so no pipeline writes it and an older recovery cannot take
    /// it back, and what it holds is returned. nil when there is no replica, or only one older
    /// than `generationStamp` (the namenode's stamp): a stale replica takes no part. A dying
    /// pipeline's writer is given `writerGrace` to let go.
    public func startRecovery(blockID: Int64, generationStamp: Int64, recoveryID: Int64,
                              writerGrace: Duration = .seconds(10)) async throws -> RecoveryCandidate? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: writerGrace)
        while true {
            let outcome = try state.withLock { (state) throws(ReplicaCatalogError) -> RecoveryCandidate?? in
                guard var entry = state.replicas[blockID] else { return .some(nil) }
                if entry.writing { return nil }
                if let held = entry.recoveryID, held >= recoveryID {
                    throw .recoveryInProgress(blockID: blockID, recoveryID: held, requested: recoveryID)
                }
                guard entry.info.generationStamp >= generationStamp else { return .some(nil) }
                entry.recoveryID = recoveryID
                state.replicas[blockID] = entry
                return .some(RecoveryCandidate(state: entry.info.state, generationStamp: entry.info.generationStamp,
                                               lengthBytes: Int64(entry.info.lengthBytes)))
            }
            if let outcome { return outcome }
            guard clock.now < deadline else { throw ReplicaCatalogError.busy(blockID: blockID) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Block recovery's last step (HDFS's updateReplicaUnderRecovery): the held replica is cut
    /// to `newLength`, stamped `recoveryID`, made durable and finalized, then reported as
    /// received. Returns the storage (volume) id that holds it.
    public func finishRecovery(blockID: Int64, recoveryID: Int64, newLength: Int64) throws(ReplicaCatalogError) -> String {
        let storageID = try state.withLock { (state) throws(ReplicaCatalogError) -> String in
            guard let entry = state.replicas[blockID] else { throw .notFound(blockID: blockID) }
            guard entry.recoveryID == recoveryID else { throw .notUnderRecovery(blockID: blockID, recoveryID: recoveryID) }
            guard let volume = state.volumes.volumes.first(where: { $0.storageID == entry.storageID }) else {
                throw .notFound(blockID: blockID)
            }
            let length = Int64(entry.info.lengthBytes)
            guard newLength <= length else {
                throw .storage(.invalidRange(blockID: blockID, offset: 0, length: Int(newLength), replicaLengthBytes: Int(length)))
            }
            do throws(BlockStorageError) {
                let recovered: ReplicaInfo
                if entry.info.state == .finalized && newLength == length {
                    recovered = try volume.changeGenerationStamp(entry.info, to: recoveryID)
                } else {
                    let writer = entry.info.state == .finalized
                        ? try volume.reopenForAppend(entry.info, newGenerationStamp: recoveryID)
                        : try volume.reopenReplica(try volume.changeGenerationStamp(entry.info, to: recoveryID))
                    try writer.truncate(to: Int(newLength))
                    recovered = try writer.finalize()
                }
                state.replicas[blockID] = Entry(info: recovered, storageID: entry.storageID,
                                                visibleLength: newLength, writing: false)
                state.changes.append(ReplicaChange(blockID: blockID, generationStamp: recoveryID, lengthBytes: newLength,
                                                   storageID: entry.storageID, kind: .received))
                return entry.storageID
            } catch {
                throw .storage(error)
            }
        }
        notify()
        return storageID
    }

    // MARK: - Reads

    /// The replica to read and how many bytes of it readers may see. A replica older than
    /// the requested generation stamp is stale and refused.
    public func replicaForRead(blockID: Int64, generationStamp: Int64) throws(ReplicaCatalogError) -> (ReplicaInfo, visibleLength: Int64) {
        try state.withLock { (state) throws(ReplicaCatalogError) in
            guard let entry = state.replicas[blockID] else { throw .notFound(blockID: blockID) }
            guard entry.info.generationStamp >= generationStamp else {
                throw .staleGenerationStamp(blockID: blockID, replica: entry.info.generationStamp, requested: generationStamp)
            }
            return (entry.info, entry.visibleLength)
        }
    }

    /// ClientDatanodeProtocol's getReplicaVisibleLength (HDFS's FsDatasetImpl): the bytes a
    /// reader of a file still being written may read from this replica — the pipeline's
    /// acknowledged bytes while it is written, the length otherwise. A replica older than
    /// the reader's stamp is refused, as HDFS refuses it.
    public func visibleLength(blockID: Int64, generationStamp: Int64) throws(ReplicaCatalogError) -> Int64 {
        try state.withLock { (state) throws(ReplicaCatalogError) in
            guard let entry = state.replicas[blockID] else { throw .notFound(blockID: blockID) }
            guard entry.info.generationStamp >= generationStamp else {
                throw .staleGenerationStamp(blockID: blockID, replica: entry.info.generationStamp, requested: generationStamp)
            }
            return entry.writing ? (entry.bytesAcked ?? 0) : entry.visibleLength
        }
    }

    /// Whether a pipeline is writing `blockID` here now.
    public func isBeingWritten(blockID: Int64) -> Bool {
        state.withLock { $0.replicas[blockID]?.writing ?? false }
    }

    /// The replica of `blockID` as it is now; nil when there is none.
    public func current(blockID: Int64) -> ReplicaInfo? {
        state.withLock { $0.replicas[blockID]?.info }
    }

    /// Every replica, by volume, for a full block report.
    public func report() -> [(storageID: String, replicas: [ReplicaInfo])] {
        state.withLock { state in
            var byStorage: [String: [ReplicaInfo]] = [:]
            for volume in state.volumes.volumes { byStorage[volume.storageID] = [] }
            for entry in state.replicas.values { byStorage[entry.storageID, default: []].append(entry.info) }
            return byStorage.sorted { $0.key < $1.key }.map { (storageID: $0.key, replicas: $0.value) }
        }
    }

    /// Changes since the last call, for an incremental block report.
    public func takeChanges() -> [ReplicaChange] {
        state.withLock { state in
            defer { state.changes = [] }
            return state.changes
        }
    }

    /// Puts changes back after a report failed to send.
    public func requeue(_ changes: [ReplicaChange]) {
        state.withLock { $0.changes.insert(contentsOf: changes, at: 0) }
    }

    // MARK: - Deletes

    /// Deletes replicas the namenode no longer wants (invalidate). A replica with a newer
    /// generation stamp than named, or one being written, is kept.
    public func invalidate(_ blocks: [(id: Int64, generationStamp: Int64)]) {
        state.withLock { state in
            for block in blocks {
                guard let entry = state.replicas[block.id], !entry.writing,
                      entry.info.generationStamp <= block.generationStamp || block.generationStamp == 0 else { continue }
                Self.remove(entry, from: &state, logger: logger)
            }
        }
        notify()
    }

    /// Deletes a replica found corrupt, so that re-replication can put a good copy here.
    public func removeCorrupt(blockID: Int64) {
        state.withLock { state in
            guard let entry = state.replicas[blockID], !entry.writing else { return }
            Self.remove(entry, from: &state, logger: logger)
        }
        notify()
    }

    private static func remove(_ entry: Entry, from state: inout State, logger: Logger) {
        state.replicas[entry.info.blockID] = nil
        if let volume = state.volumes.volumes.first(where: { $0.storageID == entry.storageID }) {
            do throws(BlockStorageError) {
                try volume.deleteReplica(entry.info)
            } catch {
                logger.error("cannot delete replica", metadata: ["block": "\(entry.info.blockID)", "error": "\(error)"])
            }
        }
        state.changes.append(ReplicaChange(blockID: entry.info.blockID, generationStamp: entry.info.generationStamp,
                                           lengthBytes: Int64(entry.info.lengthBytes), storageID: entry.storageID, kind: .deleted))
    }

    // MARK: - Volumes

    public struct VolumeUsage: Sendable {
        public let storageID: String
        public let path: String
        public let capacityBytes: Int64
        public let availableBytes: Int64
        public let usedBytes: Int64
    }

    /// Takes the volume holding `blockID` out of service after an I/O error on it (not a full
    /// disk): its replicas are forgotten (the namenode re-replicates them from other nodes
    /// after the next report) and new replicas go to the other volumes. True when a volume
    /// was failed; false when it was the last one or already gone.
    @discardableResult
    public func failVolume(holding blockID: Int64, error: BlockStorageError) -> Bool {
        let failed = state.withLock { state -> Bool in
            guard let storageID = state.replicas[blockID]?.storageID,
                  let volume = state.volumes.volumes.first(where: { $0.storageID == storageID }) else { return false }
            for (id, entry) in state.replicas where entry.storageID == storageID {
                state.replicas[id] = nil
                state.changes.append(ReplicaChange(blockID: id, generationStamp: entry.info.generationStamp,
                                                   lengthBytes: Int64(entry.info.lengthBytes), storageID: storageID, kind: .deleted))
            }
            state.failed.append((path: volume.path, reason: "\(error)"))
            state.volumes.markFailed(volume, error: error)
            return true
        }
        if failed { notify() }
        return failed
    }

    /// Storage ids of the healthy volumes (what every registration names; cheap, unlike
    /// `volumeUsage`, which asks the file system and sums every replica).
    public var storageIDs: [String] {
        state.withLock { $0.volumes.volumes.map(\.storageID) }
    }

    /// Capacity and use of every healthy volume, and the failed ones, for heartbeats.
    public func volumeUsage() -> (usage: [VolumeUsage], failed: [(path: String, reason: String)]) {
        state.withLock { state in
            var used: [String: Int64] = [:]
            for entry in state.replicas.values { used[entry.storageID, default: 0] += Int64(entry.info.lengthBytes) }
            var usage: [VolumeUsage] = []
            for volume in state.volumes.volumes {
                let capacity = (try? volume.capacityBytes()) ?? 0
                let available = (try? volume.availableBytes()) ?? 0
                usage.append(VolumeUsage(storageID: volume.storageID, path: volume.path, capacityBytes: capacity,
                                         availableBytes: available, usedBytes: used[volume.storageID] ?? 0))
            }
            return (usage, state.failed)
        }
    }

    /// Corrupt replicas found at start, reported once.
    public func takeCorruptAtStart() -> [CorruptReplica] {
        state.withLock { state in
            defer { state.corrupt = [] }
            return state.corrupt
        }
    }

    public var replicaCount: Int { state.withLock { $0.replicas.count } }
}
