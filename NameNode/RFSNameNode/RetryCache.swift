import RFSNamespace
import Synchronization

/// HDFS's RetryCache: the outcome of each applied edit by the RPC call that proposed it
/// (client id + call id). A client that lost the reply (the namenode died, or failed over)
/// sends the same call again; the new active has applied the edit from the replicated log
/// and answers with the first outcome instead of applying it twice ("file exists").
///
/// Every member fills it as it applies, so it survives a failover; it is memory only, bounded
/// by count (100,000 outcomes, some with a file status: tens of MB at most) and age (10
/// minutes, as HDFS keeps them).
final class RetryCache: Sendable {
    /// The 16-byte client id as two words: hashed and compared without touching an array
    /// (every mutating call looks its key up).
    struct Key: Hashable, Sendable {
        var clientHigh: UInt64
        var clientLow: UInt64
        var callID: Int32
    }

    /// The ClientProtocol methods whose outcomes are kept: HDFS's `@AtMostOnce` ones, which
    /// must not run twice (a second create, delete or rename would fail or do something else),
    /// and truncate, whose retry after its block recovery has started would be refused. The
    /// others are `@Idempotent` in HDFS: the state machine answers their retry itself (complete
    /// of a closed file, addBlock naming the previous block again, mkdirs of an existing
    /// directory, setPermission to the same mode), so keeping them would only cost a lookup
    /// and an entry per edit.
    static let atMostOnceMethods: Set<String> = [
        "create", "append", "concat", "rename", "rename2", "delete", "truncate", "updatePipeline",
        "createSymlink", "saveNamespace", "createSnapshot", "deleteSnapshot", "renameSnapshot",
        "addCacheDirective", "modifyCacheDirective", "removeCacheDirective", "addCachePool", "modifyCachePool",
        "removeCachePool", "createEncryptionZone", "reencryptEncryptionZone", "setXAttr", "removeXAttr",
        "setErasureCodingPolicy", "unsetErasureCodingPolicy", "addErasureCodingPolicies",
        "removeErasureCodingPolicy", "enableErasureCodingPolicy", "disableErasureCodingPolicy",
    ]

    private struct State {
        var outcomes: [Key: (outcome: Result<EditReply, NamespaceRejection>, atMillis: Int64)] = [:]
        /// Insertion order with each entry's time, for eviction without looking the oldest up;
        /// `head` is the oldest live position.
        var order: [(key: Key, atMillis: Int64)] = []
        var head = 0
    }

    private let state = Mutex(State())
    let capacity: Int
    let lifetimeMillis: Int64

    init(capacity: Int = 100_000, lifetimeMillis: Int64 = 10 * 60 * 1000) {
        self.capacity = capacity
        self.lifetimeMillis = lifetimeMillis
    }

    static func key<Bytes: Collection<UInt8>>(clientID: Bytes, callID: Int32) -> Key? {
        // Hadoop's client ids are 16-byte UUIDs; calls without one (or the connection
        // context's reserved negative ids) are not cached.
        guard clientID.count == 16, callID >= 0 else { return nil }
        var words: (UInt64, UInt64) = (0, 0)
        var index = clientID.startIndex
        for byte in 0..<16 {
            if byte < 8 { words.0 = words.0 << 8 | UInt64(clientID[index]) } else { words.1 = words.1 << 8 | UInt64(clientID[index]) }
            index = clientID.index(after: index)
        }
        return Key(clientHigh: words.0, clientLow: words.1, callID: callID)
    }

    func outcome(for key: Key, nowMillis: Int64) -> Result<EditReply, NamespaceRejection>? {
        state.withLock { state in
            guard let entry = state.outcomes[key], nowMillis - entry.atMillis <= lifetimeMillis else { return nil }
            return entry.outcome
        }
    }

    func record(_ key: Key, outcome: Result<EditReply, NamespaceRejection>, nowMillis: Int64) {
        state.withLock { state in
            // A key recorded again (an edit re-applied by a replay) keeps its first place in
            // `order`; its entry there may then be older than its outcome, and is evicted with it.
            if state.outcomes.updateValue((outcome, nowMillis), forKey: key) == nil { state.order.append((key, nowMillis)) }
            while state.order.count - state.head > capacity
                    || (state.head < state.order.count && nowMillis - state.order[state.head].atMillis > lifetimeMillis) {
                state.outcomes[state.order[state.head].key] = nil
                state.head += 1
            }
            // Drop the evicted prefix now and then, not on every insert.
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    var count: Int { state.withLock { $0.outcomes.count } }
}
