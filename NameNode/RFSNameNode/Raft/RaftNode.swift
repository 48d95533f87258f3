import Logging
import NIOCore
import RFSModel
import RFSProtocol
import RFSRaft
import RFSRPC
import RFSWAL
import Synchronization

/// What a Raft group replicates: committed entries are handed over in index order, each once.
/// The machine may apply them later (on its own thread), as long as it keeps that order.
public protocol RaftStateMachine: Sendable {
    func apply(_ entries: [RaftEntry]) async throws
}

/// A member's state as of its last step, readable without waiting for the node.
public struct RaftNodeStatus: Sendable, Equatable {
    public var role: RaftRole = .follower
    public var term: UInt64 = 0
    public var leader: NodeID = 0
    public var commitIndex: UInt64 = 0
    public var lastIndex: UInt64 = 0
    /// As leader: the index of its term's no-op. Once that is applied, every entry of earlier
    /// terms is, and the leader's state machine is current.
    public var leaderStartIndex: UInt64 = 0
    /// Times this member has seen a new leader since it started.
    public var leaderChanges: UInt64 = 0
    /// Ticks since this member last heard from `leader` (0 when it leads).
    public var ticksSinceLeaderContact = 0
    public var replication: [NodeID: MemberReplication] = [:]
}

/// A member of a Raft group: the pure `RaftCore` run by a shell that ticks it on a timer,
/// steps it with messages from its peers (RaftProtocol's one-way `deliver` on this member's
/// RPC server), and carries out each Ready in order — persist entries and hard state, then
/// send the messages, then apply committed entries and wake the proposers waiting on them.
///
/// Not yet: snapshots between members (the shell must stream the state machine), linearizable
/// reads to clients, membership changes from an admin command; the core has them.
public actor RaftNode {
    public struct Peer: Sendable, Hashable {
        public var id: NodeID
        public var address: HostPort
        public init(id: NodeID, address: HostPort) {
            self.id = id
            self.address = address
        }
    }

    public nonisolated let id: NodeID
    private var core: RaftCore
    private let storage: RaftStorage
    private let stateMachine: any RaftStateMachine
    private let senders: [NodeID: PeerSender]
    private let logger: Logger
    private var processing = false
    private var ticker: Task<Void, Never>?
    /// Proposers waiting for their entry to apply: its term, to tell a replaced entry.
    private var waiting: [UInt64: (term: UInt64, continuation: CheckedContinuation<UInt64, any Error>)] = [:]
    private let published = Mutex(RaftNodeStatus())
    private let compacted = Mutex<UInt64>(0)

    /// The last index dropped from this member's log (0 when none).
    public nonisolated var compactedIndex: UInt64 { compacted.withLock { $0 } }
    private var stopped = false
    private var scheduled = false
    /// When each member behind the compacted log was last reported (once a minute each).
    private var snapshotWarnings: [NodeID: ContinuousClock.Instant] = [:]
    /// Messages from peers, stepped in arrival order by one task: `deliver` on the RPC server
    /// only queues, so a peer's sender never waits for this member's fsync before sending on
    /// (its heartbeats would queue behind appends, and check-quorum would depose the leader).
    private nonisolated let inbox: AsyncStream<Rfs_Raft_RaftEnvelope>.Continuation
    private let inboxStream: AsyncStream<Rfs_Raft_RaftEnvelope>
    private var inboxTask: Task<Void, Never>?

    /// The member's log (its counters feed /metrics).
    public nonisolated var wal: WriteAheadLog { storage.wal }

    /// The member's role, term, leader and indexes as of its last step.
    public nonisolated var status: RaftNodeStatus { published.withLock { $0 } }

    public enum ProposalError: Error, Sendable, Equatable, CustomStringConvertible {
        case notLeader(leader: NodeID)
        case refused(String)
        /// A new leader replaced the entry before it committed: it never took effect.
        case dropped(index: UInt64)
        /// The member stopped (or cannot persist) before the entry was settled.
        case stopped

        public var description: String {
            switch self {
            case .notLeader(let leader): "not the leader" + (leader == 0 ? " (none known)" : "; member \(leader) is")
            case .stopped: "the Raft member stopped"
            case .refused(let why): "proposal refused: \(why)"
            case .dropped(let index): "the entry at \(index) was replaced by a new leader's"
            }
        }
    }

    /// Opens (or recovers) the member's log under `directory`. `appliedIndex`: what the state
    /// machine already holds (entries after it are handed to it again once known committed).
    /// `bootstrap`: on a member's very first start (empty log), entries every member of a new
    /// group writes identically as its first, already committed (etcd's way of starting a group).
    public init(configuration: RaftConfiguration, peers: [Peer], directory: String, stateMachine: any RaftStateMachine,
                appliedIndex: UInt64 = 0, bootstrap: [RaftEntry] = [], group: EventLoopGroup, logger: Logger) async throws {
        id = configuration.id
        var (storage, recovered) = try RaftStorage.open(directory: directory, logger: logger)
        if recovered.entries.isEmpty && recovered.hardState == HardState() && !bootstrap.isEmpty {
            try await storage.bootstrap(bootstrap)
            (storage, recovered) = try RaftStorage.open(directory: directory, logger: logger)
        }
        self.storage = storage
        self.stateMachine = stateMachine
        self.logger = logger
        let voters = Set(peers.map(\.id)).union([configuration.id])
        let membership = Membership(voters: voters)
        let snapshot = recovered.compactedThrough.map { SnapshotMeta(index: $0.index, term: $0.term, membership: membership) }
        core = RaftCore(configuration: configuration, hardState: recovered.hardState, snapshot: snapshot, entries: recovered.entries,
                        appliedIndex: appliedIndex, membership: membership)
        compacted.withLock { $0 = recovered.compactedThrough?.index ?? 0 }
        var senders: [NodeID: PeerSender] = [:]
        for peer in peers where peer.id != configuration.id {
            senders[peer.id] = PeerSender(peer: peer, group: group, logger: logger)
        }
        self.senders = senders
        (inboxStream, inbox) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(16_384))
        published.withLock { $0 = Self.status(of: core, previous: RaftNodeStatus()) }
    }

    private static func status(of core: RaftCore, previous: RaftNodeStatus) -> RaftNodeStatus {
        var status = RaftNodeStatus(role: core.role, term: core.term, leader: core.leader, commitIndex: core.commitIndex,
                                    lastIndex: core.lastIndex, leaderChanges: previous.leaderChanges,
                                    replication: core.role == .leader ? core.replication : [:])
        status.ticksSinceLeaderContact = core.ticksSinceLeaderContact
        if core.leader != 0 && (core.leader != previous.leader || core.term != previous.term) { status.leaderChanges += 1 }
        if core.role == .leader {
            // Becoming leader appends the term's no-op last; keep the index it had then.
            let continuing = previous.role == .leader && previous.term == core.term
            status.leaderStartIndex = continuing ? previous.leaderStartIndex : core.lastIndex
        }
        return status
    }

    /// Publishes the core's state for `status` readers (after every step).
    private func publish() {
        let core = core
        published.withLock { $0 = Self.status(of: core, previous: $0) }
    }

    /// Registers `deliver` on the member's RPC server.
    public nonisolated func register(into registry: inout RPCServiceRegistry) {
        registry.register(protocol: ProtocolNames.raftProtocol, method: "deliver") { [inbox] (envelope: Rfs_Raft_RaftEnvelope, _: RPCCallContext) in
            inbox.yield(envelope)
            return Rfs_Raft_RaftDelivered()
        }
        registry.register(protocol: ProtocolNames.raftProtocol, method: "deliverBatch") { [inbox] (batch: Rfs_Raft_RaftEnvelopeBatch, _: RPCCallContext) in
            for envelope in batch.envelopes { inbox.yield(envelope) }
            return Rfs_Raft_RaftDelivered()
        }
    }

    /// Starts stepping peers' messages and ticking every `tick`.
    public func start(tick: Duration) {
        let stream = inboxStream
        inboxTask = Task { [weak self] in
            for await envelope in stream {
                guard let self else { return }
                await self.deliver(envelope)
            }
        }
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                guard !Task.isCancelled, let self else { return }
                await self.onTick()
            }
        }
    }

    public func stop() async {
        stopped = true
        ticker?.cancel()
        inbox.finish()
        inboxTask?.cancel()
        for sender in senders.values { await sender.close() }
        storage.close()
        for (_, waiter) in waiting { waiter.continuation.resume(throwing: ProposalError.stopped) }
        waiting = [:]
    }

    public var role: RaftRole { core.role }
    public var leader: NodeID { core.leader }
    public var term: UInt64 { core.term }
    public var commitIndex: UInt64 { core.commitIndex }

    /// Replicates `data`; returns its index once it is committed and handed to the state machine.
    public func propose(_ data: [UInt8]) async throws -> UInt64 {
        let index = try append(data)
        let term = core.term
        return try await withCheckedThrowingContinuation { continuation in
            waiting[index] = (term, continuation)
            Task { await self.processReadies() }
        }
    }

    /// Appends `data` and returns at once: `accepted` runs with the entry's index and term
    /// before anything of it can be persisted or applied, so the caller can wait for the state
    /// machine to apply that index (and tell a replaced entry by its term).
    public func propose(_ data: [UInt8], accepted: @Sendable (_ index: UInt64, _ term: UInt64) -> Void) async throws {
        let index = try append(data)
        accepted(index, core.term)
        await processReadies()
    }

    private func append(_ data: [UInt8]) throws(ProposalError) -> UInt64 {
        guard !stopped else { throw .stopped }
        do {
            return try core.propose(data)
        } catch {
            if case .notLeader(let leader) = error { throw .notLeader(leader: leader) }
            throw .refused("\(error)")
        }
    }

    /// Drops the log through `index` (which the state machine holds durably, and every member
    /// has): the core forgets the entries, the compaction point is recorded, the WAL's
    /// segments go. A member asked for a dropped entry gets a snapshot message, which this
    /// shell does not stream yet (see `processReadies`).
    public func compactLog(through index: UInt64) {
        guard index > compacted.withLock({ $0 }) else { return }
        core.compact(through: min(index, core.appliedIndex))
        guard let snapshot = core.snapshot, snapshot.index > compacted.withLock({ $0 }) else { return }
        do {
            try storage.compact(through: snapshot.index, term: snapshot.term)
            compacted.withLock { $0 = snapshot.index }
            logger.info("raft log compacted", metadata: ["through": "\(snapshot.index)", "walFirstIndex": "\(storage.wal.firstIndex)"])
        } catch {
            logger.error("raft log compaction failed; the log is kept", metadata: ["error": "\(error)"])
        }
    }

    /// Hands leadership to `target` and waits (up to `timeout`) until it leads.
    public func transferLeadership(to target: NodeID, timeout: Duration) async throws {
        do {
            try core.transferLeadership(to: target)
        } catch {
            if case .notLeader(let leader) = error { throw ProposalError.notLeader(leader: leader) }
            throw ProposalError.refused("\(error)")
        }
        await processReadies()
        let deadline = ContinuousClock.now + timeout
        while core.leader != target || core.role == .leader {
            guard ContinuousClock.now < deadline else {
                throw ProposalError.refused("member \(target) did not take over within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func onTick() async {
        core.tick()
        publish()
        scheduleReadies()
    }

    /// A message from a peer (what `deliver` on the RPC server hands over).
    public func deliver(_ envelope: Rfs_Raft_RaftEnvelope) async {
        guard envelope.to == id else { return }
        do {
            guard let message = try RaftWire.message(envelope) else { return }
            core.step(message)
            publish()
        } catch {
            logger.warning("raft: malformed message dropped", metadata: ["error": "\(error)"])
            return
        }
        scheduleReadies()
    }

    /// Has the Readies carried out soon, without waiting: the caller (the inbox, the ticker)
    /// goes on stepping, and whatever it steps while a Ready is being persisted is gathered
    /// into the next one, so a burst of messages shares one fsync.
    private func scheduleReadies() {
        guard !processing && !scheduled else { return }
        scheduled = true
        Task {
            self.scheduled = false
            await self.processReadies()
        }
    }

    /// Carries out Readies one after another: a Ready's messages leave only after its entries
    /// and hard state are durable, and Readies never overlap (a step arriving meanwhile is
    /// picked up by the running loop).
    private func processReadies() async {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while let ready = core.takeReady() {
            publish()
            // A leader's appends leave now, so the followers' fsyncs overlap this one; the
            // core counts the leader's own copy only once `persisted` below says so.
            for message in ready.sendableBeforePersisting { senders[message.to]?.send(RaftWire.envelope(message)) }
            do {
                try await storage.persist(entries: ready.entries, hardState: ready.hardState)
            } catch {
                // Nothing more of this Ready may leave: a member that cannot persist must stop.
                logger.critical("raft: persisting failed; this member stops", metadata: ["error": "\(error)"])
                await stop()
                return
            }
            if let last = ready.entries.last { core.persisted(through: last.index, term: last.term) }
            for message in ready.sendableAfterPersisting {
                if case .snapshot = message.body {
                    // Only a member that lost its disk can be behind the compacted log (the
                    // active compacts through what every member holds). Streaming the store
                    // to it is not built: copy a standby's name directory to it instead.
                    let now = ContinuousClock.now
                    if snapshotWarnings[message.to].map({ now - $0 > .seconds(60) }) ?? true {
                        snapshotWarnings[message.to] = now
                        logger.error("raft: a member needs entries this log no longer holds; copy a standby's name directory to it",
                                     metadata: ["member": "\(message.to)", "compactedThrough": "\(compacted.withLock { $0 })"])
                    }
                    core.reportSnapshotFailure(to: message.to)
                    continue
                }
                senders[message.to]?.send(RaftWire.envelope(message))
            }
            if !ready.committed.isEmpty {
                do {
                    try await stateMachine.apply(ready.committed)
                } catch {
                    logger.critical("raft: applying committed entries failed; this member stops", metadata: ["error": "\(error)"])
                    await stop()
                    return
                }
                for entry in ready.committed {
                    guard let waiter = waiting.removeValue(forKey: entry.index) else { continue }
                    if waiter.term == entry.term {
                        waiter.continuation.resume(returning: entry.index)
                    } else {
                        waiter.continuation.resume(throwing: ProposalError.dropped(index: entry.index))
                    }
                }
            }
        }
    }
}

/// Sends one peer's messages in order over one RPC connection, without holding up the node:
/// whatever was queued while the previous call was out goes in the next call as one batch, so
/// under load a follower gets many appends per round trip instead of one.
final class PeerSender: Sendable {
    /// Messages not yet sent. Bounded: a peer that is down loses the oldest, as Raft allows
    /// (the leader re-sends what a follower still needs).
    private let queue = EnvelopeQueue()
    private let doorbell: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>
    private let client: RPCClient
    static let maxQueued = 4096
    static let maxPerCall = 512

    init(peer: RaftNode.Peer, group: EventLoopGroup, logger: Logger) {
        var configuration = RPCClientConfiguration(addresses: [peer.address], user: "raft", protocolName: ProtocolNames.raftProtocol)
        // A peer that is down loses messages, as Raft allows; retrying here would only delay
        // the newer ones behind them.
        configuration.maxRetries = 0
        configuration.maxFailovers = 0
        configuration.connectTimeout = .seconds(1)
        configuration.callTimeout = .seconds(5)
        let client = RPCClient(configuration: configuration, group: group, logger: logger)
        self.client = client
        let (rings, doorbell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.doorbell = doorbell
        let queue = queue
        task = Task {
            for await _ in rings {
                while true {
                    let batch = queue.take(Self.maxPerCall)
                    guard !batch.isEmpty else { break }
                    var message = Rfs_Raft_RaftEnvelopeBatch()
                    message.envelopes = batch
                    _ = try? await client.call("deliverBatch", message, returning: Rfs_Raft_RaftDelivered.self, idempotent: false)
                }
            }
        }
    }

    func send(_ envelope: Rfs_Raft_RaftEnvelope) {
        queue.append(envelope, keepingAtMost: Self.maxQueued)
        doorbell.yield()
    }

    func close() async {
        doorbell.finish()
        task.cancel()
        await client.close()
    }
}

/// A peer's outgoing messages, shared by the node (appending) and its sender task (taking).
final class EnvelopeQueue: Sendable {
    private let items = Mutex<[Rfs_Raft_RaftEnvelope]>([])

    func append(_ envelope: Rfs_Raft_RaftEnvelope, keepingAtMost limit: Int) {
        items.withLock { queued in
            if queued.count >= limit { queued.removeFirst(queued.count - limit + 1) }
            queued.append(envelope)
        }
    }

    /// The oldest `count` messages (or all), removed.
    func take(_ count: Int) -> [Rfs_Raft_RaftEnvelope] {
        items.withLock { queued in
            let taken = Array(queued.prefix(count))
            queued.removeFirst(taken.count)
            return taken
        }
    }
}
