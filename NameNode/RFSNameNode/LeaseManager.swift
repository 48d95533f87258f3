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

    private let leases = Mutex<[String: Lease]>([:])

    public init(softLimitMillis: Int64 = 60_000, hardLimitMillis: Int64 = 20 * 60_000) {
        self.softLimitMillis = softLimitMillis
        self.hardLimitMillis = hardLimitMillis
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
}
