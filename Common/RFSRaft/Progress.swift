/// What a leader knows of one follower's log, and how it sends to it (etcd's Progress).
struct Progress: Sendable {
    enum State: Sendable, Equatable {
        /// Not known where the logs match: one append at a time, each waiting for its answer.
        case probe
        /// Logs match up to `match`: appends are pipelined, up to the in-flight window.
        case replicate
        /// Too far behind the log: a snapshot through `index` is being sent.
        case snapshot(index: UInt64)
    }

    var match: UInt64 = 0
    var next: UInt64
    var state: State = .probe
    /// Probe: an append was sent and not answered (cleared by each heartbeat tick).
    var probeSent = false
    /// Replicate: the last index of each append in flight, oldest first.
    var inflight: [UInt64] = []
    /// Heard from since the last check-quorum pass.
    var recentActive = false
    /// `match` at the previous heartbeat: appends in flight with no progress over a whole
    /// heartbeat interval are taken as lost.
    var matchAtLastHeartbeat: UInt64 = 0

    init(next: UInt64) { self.next = next }

    func isPaused(maxInflight: Int) -> Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflight.count >= maxInflight
        case .snapshot: true
        }
    }

    /// An acknowledgement up to `index`: true when it moved `match`.
    mutating func acknowledge(_ index: UInt64) -> Bool {
        inflight.removeAll { $0 <= index }
        guard index > match else {
            next = max(next, index + 1)
            return false
        }
        match = index
        next = max(next, index + 1)
        probeSent = false
        return true
    }

    mutating func becomeProbe() {
        if case .snapshot(let index) = state {
            next = max(match, index) + 1
        } else {
            next = match + 1
        }
        state = .probe
        probeSent = false
        inflight = []
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match + 1
        inflight = []
    }
}
