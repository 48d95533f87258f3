import Synchronization

/// Leases: which client holds which files open for writing, and when it last renewed.
/// Soft state, as in HDFS: renewals are not logged; after a restart every file under
/// construction gets a fresh lease for its recorded holder.
public final class LeaseManager: Sendable {
    /// Another client may recover a file whose writer has been silent this long.
    public let softLimitMillis: Int64
    /// The namenode itself recovers a file whose writer has been silent this long.
    public let hardLimitMillis: Int64

    private struct Lease {
        var lastRenewedMillis: Int64
        var files: Set<UInt64>
    }

    /// A block recovery sent to a primary datanode and not yet committed.
    public struct BlockRecovery: Sendable, Equatable {
        public var recoveryID: UInt64
        public var startedMillis: Int64
    }

    /// A recovery not committed after this long is started again (new id, maybe another
    /// primary): its primary may have died.
    public let recoveryTimeoutMillis: Int64

    private let leases = Mutex<[String: Lease]>([:])
    /// Block recoveries in progress, by block id. Soft state like the leases: after a
    /// restart the lease monitor or a client's recoverLease starts them again.
    private let recoveries = Mutex<[UInt64: BlockRecovery]>([:])

    public init(softLimitMillis: Int64 = 60_000, hardLimitMillis: Int64 = 20 * 60_000, recoveryTimeoutMillis: Int64 = 30_000) {
        self.softLimitMillis = softLimitMillis
        self.hardLimitMillis = hardLimitMillis
        self.recoveryTimeoutMillis = recoveryTimeoutMillis
    }

    /// Forgets every lease and recovery (the namespace they were about was replaced).
    public func removeAll() {
        leases.withLock { $0.removeAll() }
        recoveries.withLock { $0.removeAll() }
    }

    public func opened(fileID: UInt64, holder: String, nowMillis: Int64) {
        leases.withLock { leases in
            leases[holder, default: Lease(lastRenewedMillis: nowMillis, files: [])].files.insert(fileID)
            leases[holder]!.lastRenewedMillis = nowMillis
        }
    }

    public func closed(fileID: UInt64, holder: String) {
        leases.withLock { leases in
            leases[holder]?.files.remove(fileID)
            if leases[holder]?.files.isEmpty == true { leases[holder] = nil }
        }
    }

    public func renew(holder: String, nowMillis: Int64) {
        leases.withLock { $0[holder]?.lastRenewedMillis = nowMillis }
    }

    public func isSoftExpired(holder: String, nowMillis: Int64) -> Bool {
        leases.withLock { leases in
            guard let lease = leases[holder] else { return true }
            return nowMillis - lease.lastRenewedMillis > softLimitMillis
        }
    }

    /// Files whose holders passed the hard limit, for the namenode to close.
    public func hardExpired(nowMillis: Int64) -> [(holder: String, fileID: UInt64)] {
        leases.withLock { leases in
            leases.filter { nowMillis - $0.value.lastRenewedMillis > hardLimitMillis }
                .flatMap { holder, lease in lease.files.sorted().map { (holder, $0) } }
        }
    }

    public var holderCount: Int { leases.withLock { $0.count } }

    // MARK: - Block recovery

    /// The recovery of `blockID` still running (started less than the timeout ago), if any.
    public func recoveryInProgress(blockID: UInt64, nowMillis: Int64) -> BlockRecovery? {
        recoveries.withLock { recoveries in
            guard let recovery = recoveries[blockID], nowMillis - recovery.startedMillis < recoveryTimeoutMillis else { return nil }
            return recovery
        }
    }

    public func recoveryStarted(blockID: UInt64, recoveryID: UInt64, nowMillis: Int64) {
        recoveries.withLock { $0[blockID] = BlockRecovery(recoveryID: recoveryID, startedMillis: nowMillis) }
    }

    /// The recovery last started for `blockID`, however old.
    public func recovery(of blockID: UInt64) -> BlockRecovery? {
        recoveries.withLock { $0[blockID] }
    }

    public func recoveryFinished(blockID: UInt64) {
        _ = recoveries.withLock { $0.removeValue(forKey: blockID) }
    }
}
