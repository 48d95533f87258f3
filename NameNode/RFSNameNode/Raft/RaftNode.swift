import Logging
import NIOCore
import RFSChecksum
import RFSModel
import RFSProtocol
import RFSRaft
import RFSRPC
import RFSWAL
import Synchronization

/// What a Raft group replicates: committed entries are handed over in index order, each once.
/// The machine may apply them later (on its own thread), as long as it keeps that order.
/// A leader reads a snapshot of it for a member behind the compacted log; that member
/// receives the snapshot beside its state, then installs it (see RaftSnapshots.swift).
public protocol RaftStateMachine: Sendable {
    /// Takes committed entries, in order, without blocking or suspending: it runs inside the
    /// member's Ready loop (a machine applies them on its own thread).
    func apply(_ entries: [RaftEntry]) throws
    func readSnapshot() throws -> any RaftSnapshotReader
    func receiveSnapshot(_ meta: SnapshotMeta) throws -> any RaftSnapshotWriter
    /// The finished snapshot replaces the state machine, durably, before this returns.
    func installSnapshot(_ meta: SnapshotMeta) async throws
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
    /// The group's voters and learners, with their names and addresses.
    public var members: [RaftMember] = []
}

/// A member of a Raft group: the pure `RaftCore` run by a shell that ticks it on a timer,
/// steps it with messages from its peers (RaftProtocol's one-way `deliverMessages` on this
/// member's RPC server, queued in arrival order and stepped together), and carries out each Ready in order without
/// waiting for the disk (`processReadies`): entries go to the WAL, acknowledgements and votes
/// leave once what they claim is durable, committed entries durable here are applied and the
/// proposers waiting on them woken.
///
/// A member behind the compacted log (its disk was lost or replaced) is sent a snapshot of the
/// state machine: `SnapshotStream` carries it in chunks over the `installSnapshot` RPC, the
/// member writes it beside its state and installs it once complete.
///
/// Members are added and removed one at a time (`addMember`, `removeMember`); the membership
/// as last changed is kept in `RaftMembersFile`. Not yet: linearizable reads to clients (the
/// core has ReadIndex).
public actor RaftNode {
    public struct Peer: Sendable, Hashable {
        public var id: NodeID
        public var address: HostPort
        /// The namenode id (`dfs.ha.namenodes.<ns>`); defaults to the Raft id.
        public var name: String
        public init(id: NodeID, address: HostPort, name: String? = nil) {
            self.id = id
            self.address = address
            self.name = name ?? "\(id)"
        }
    }

    public nonisolated let id: NodeID
    private var core: RaftCore
    private let storage: RaftStorage
    private let stateMachine: any RaftStateMachine
    private var senders: [NodeID: PeerSender] = [:]
    /// One RPC client per peer for snapshots, so that a stream does not hold up the messages.
    private var snapshotClients: [NodeID: RPCClient] = [:]
    /// Every member this one knows, by id: the configuration's at a group's start, then as
    /// membership changes apply (persisted in `RaftMembersFile`).
    private var members: [NodeID: RaftMember] = [:] { didSet { publishedMembers = nil } }
    /// The status's member list as `publish` last built it, for the membership it was built
    /// from; dropped whenever `members` changes, so it is rebuilt only when either changed.
    private var publishedMembers: (membership: Membership, list: [RaftMember])?
    /// What `publish` last put in `published` (its counters carry over to the next).
    private var lastPublished = RaftNodeStatus()
    private let directory: String
    private let group: EventLoopGroup
    /// The event loop this member runs on, as its actor's executor, and where its peer
    /// connections live: a peer's batch, the steps it causes and the messages they send run on
    /// one thread, rather than being handed between NIO's loops and Swift's pool at each
    /// step (on a namenode whose cores are busy, each hand-off is a thread wake-up).
    private nonisolated let loop: any EventLoop
    private nonisolated let loopExecutor: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loopExecutor.asUnownedSerialExecutor() }
    /// For tasks started outside the actor (a proposer's `submit`, the WAL writer's completion):
    /// a plain `Task {}` there starts on Swift's pool, which wakes a pool thread only to hop
    /// onto the loop; one that prefers the loop is queued on it directly.
    private nonisolated let loopTaskExecutor: EventLoopTaskExecutor
    /// The clock's period (`start`).
    private var tickInterval = Duration.milliseconds(100)
    /// Members a snapshot is being streamed to now (one stream each at most).
    private var streaming: Set<NodeID> = []
    /// The snapshot this member is receiving, if any.
    private var incoming: IncomingSnapshot?
    /// When a stream to each member last failed, and how many times in a row: the next waits
    /// 2 s, doubling up to 30 s (a member that is down would otherwise be retried, and logged,
    /// at every heartbeat).
    private var snapshotFailures: [NodeID: (at: ContinuousClock.Instant, count: Int)] = [:]

    private static func snapshotRetryDelay(afterFailures count: Int) -> Duration {
        .seconds(min(30, 2 << min(count - 1, 4)))
    }
    private let logger: Logger
    private var processing = false
    private var ticker: Task<Void, Never>?
    /// Proposers waiting for their entry to apply: its term, to tell a replaced entry. An
    /// index can have more than one: a leader whose log was cut back proposes at an index
    /// again in a later term, and the earlier entry may still be the one that commits.
    private var waiting: [UInt64: [(term: UInt64, continuation: CheckedContinuation<UInt64, any Error>)]] = [:]
    /// Peers' messages received one-way and not yet stepped, batch by batch with each batch's
    /// size on the wire, and whether a turn of the actor is taking them. Bounded: past
    /// `maxInboxMessages` or `maxInboxBytes` the oldest batches are dropped, as Raft allows
    /// (the leader sends again what is still needed).
    private nonisolated let inbox = Mutex<Inbox>(Inbox())
    static let maxInboxMessages = 8192
    static let maxInboxBytes = 64 << 20
    /// The most a peer sender puts in one batch unless its first message alone is bigger
    /// (twice the core's largest append, which the daemon keeps well under the RPC frame limit).
    private nonisolated let batchByteLimit: Int
    /// Proposals queued by `submit`, and whether a turn of the actor is taking them.
    private nonisolated let proposals = Mutex<(items: [QueuedProposal], draining: Bool)>(([], false))
    /// Writes handed to the WAL (numbered in order) and not yet durable, oldest first.
    private var unwritten: [UnwrittenEntries] = []
    private var writesSubmitted: UInt64 = 0
    /// What the WAL's writer reported: the newest write durable, or a failure; `notifying` while
    /// a turn of the actor is on its way to take it.
    private nonisolated let durable = DurableReport()
    /// The newest index handed to the WAL, durable or not: an entry at or below it replaces.
    private var lastSubmitted: UInt64 = 0
    private let published = Mutex(RaftNodeStatus())
    private let compacted = Mutex<UInt64>(0)

    /// The last index dropped from this member's log (0 when none).
    public nonisolated var compactedIndex: UInt64 { compacted.withLock { $0 } }
    private var stopped = false
    private var scheduled = false
    /// Whether `start` ran: peers' messages are stepped from then on (dropped before, as Raft
    /// allows; the leader sends again what is still needed).
    private var started = false

    /// The member's log (its counters feed /metrics).
    public nonisolated var wal: WriteAheadLog { storage.wal }

    /// The member's role, term, leader and indexes as of its last step.
    public nonisolated var status: RaftNodeStatus { published.withLock { $0 } }

    /// Whether this member leads, in which term, and its term's first index, as of its last
    /// step: what every client call checks (`HAState.isActive`), without copying the rest.
    public nonisolated var leadership: (role: RaftRole, term: UInt64, leaderStartIndex: UInt64) {
        published.withLock { ($0.role, $0.term, $0.leaderStartIndex) }
    }

    public enum ProposalError: Error, Sendable, Equatable, CustomStringConvertible {
        case notLeader(leader: NodeID)
        case refused(String)
        /// A new leader replaced the entry before it committed: it never took effect.
        case dropped(index: UInt64)
        /// The member stopped (or cannot persist) before the entry was settled.
        case stopped
        /// A snapshot from the leader replaced this member's log through the entry's index
        /// before the entry was seen to commit here: whether it took effect is not known here.
        case outcomeUnknown(index: UInt64)

        public var description: String {
            switch self {
            case .notLeader(let leader): "not the leader" + (leader == 0 ? " (none known)" : "; member \(leader) is")
            case .stopped: "the Raft member stopped"
            case .refused(let why): "proposal refused: \(why)"
            case .dropped(let index): "the entry at \(index) was replaced by a new leader's"
            case .outcomeUnknown(let index): "a snapshot replaced this member's log through the entry at \(index); its outcome is not known here"
            }
        }
    }

    /// Opens (or recovers) the member's log under `directory`. `appliedIndex`: what the state
    /// machine already holds (entries after it are handed to it again once known committed).
    /// `bootstrap`: on a member's very first start (empty log), entries every member of a new
    /// group writes identically as its first, already committed (etcd's way of starting a group).
    public init(configuration: RaftConfiguration, peers: [Peer], directory: String, stateMachine: any RaftStateMachine,
                appliedIndex: UInt64 = 0, installedSnapshot: (index: UInt64, term: UInt64)? = nil,
                bootstrap: [RaftEntry] = [], group: EventLoopGroup, logger: Logger) async throws {
        id = configuration.id
        batchByteLimit = 2 * configuration.maxBytesPerMessage
        self.directory = directory
        self.group = group
        loop = group.next()
        loopExecutor = loop.executor
        loopTaskExecutor = EventLoopTaskExecutor(loop)
        var (storage, recovered) = try RaftStorage.open(directory: directory, logger: logger)
        if recovered.entries.isEmpty && recovered.hardState == HardState() && !bootstrap.isEmpty && installedSnapshot == nil {
            try await storage.bootstrap(bootstrap)
            (storage, recovered) = try RaftStorage.open(directory: directory, logger: logger)
        }
        if let installed = installedSnapshot, !Self.covers(recovered, installed) {
            // The state machine installed a snapshot and a crash came before the log was
            // restarted after it (see `processReadies`): finish that now.
            logger.warning("raft: the state machine holds a snapshot the log does not know; restarting the log after it",
                           metadata: ["snapshotIndex": "\(installed.index)", "snapshotTerm": "\(installed.term)"])
            try storage.install(snapshotThrough: installed.index, term: installed.term)
            storage.close()
            (storage, recovered) = try RaftStorage.open(directory: directory, logger: logger)
        }
        self.storage = storage
        lastSubmitted = storage.wal.lastIndex
        self.stateMachine = stateMachine
        self.logger = logger
        // The membership as last changed (or, for a namenode joining a running group, as
        // `BootstrapStandby` found it: without this one, which votes only once added), else
        // the configuration's, a group's first start.
        let persisted = try RaftMembersFile.load(from: directory)
        var members = persisted ?? peers.map { RaftMember(id: $0.id, name: $0.name, address: $0.address) }
        var voters = Set(members.filter { !$0.learner }.map(\.id))
        if persisted == nil { voters.insert(configuration.id) }
        let membership = Membership(voters: voters, learners: Set(members.filter(\.learner).map(\.id)))
        // Addresses of members the configuration names but the membership does not (yet): a
        // joining member learns of them by the changes that add them.
        for peer in peers where !members.contains(where: { $0.id == peer.id }) {
            members.append(RaftMember(id: peer.id, name: peer.name, address: peer.address, learner: true))
        }
        let snapshot = recovered.compactedThrough.map { SnapshotMeta(index: $0.index, term: $0.term, membership: membership) }
        core = RaftCore(configuration: configuration, hardState: recovered.hardState, snapshot: snapshot, entries: recovered.entries,
                        appliedIndex: appliedIndex, membership: membership)
        compacted.withLock { $0 = recovered.compactedThrough?.index ?? 0 }
        for member in members { self.members[member.id] = member }
        // Connections only to the group's members: the others are addresses kept for a
        // change that may add them (`applied(membershipChange:)` connects then).
        for member in members where member.id != configuration.id && membership.members.contains(member.id) { connect(member) }
        publish()
    }

    /// Opens the connections to `member` (messages and snapshots).
    private func connect(_ member: RaftMember) {
        guard member.id != id, senders[member.id] == nil else { return }
        let peer = Peer(id: member.id, address: member.address, name: member.name)
        senders[member.id] = PeerSender(peer: peer, loop: loop, maxBytesPerCall: batchByteLimit, logger: logger)
        // The last chunk's answer waits for the member to install the snapshot.
        snapshotClients[member.id] = RPCClient(configuration: .raftPeer(member.address, callTimeout: .seconds(120)),
                                               group: group, logger: logger)
    }

    private func disconnect(_ member: NodeID) async {
        if let sender = senders.removeValue(forKey: member) { await sender.close() }
        if let client = snapshotClients.removeValue(forKey: member) { await client.close() }
    }

    /// Whether a recovered log continues from the snapshot point: it was compacted there or
    /// later, or it holds that entry with that term.
    private static func covers(_ recovered: RaftStorage.Recovered, _ point: (index: UInt64, term: UInt64)) -> Bool {
        if let compacted = recovered.compactedThrough, compacted.index >= point.index { return true }
        return recovered.entries.contains { $0.index == point.index && $0.term == point.term }
    }

    private static func status(of core: RaftCore, members: [RaftMember], previous: RaftNodeStatus) -> RaftNodeStatus {
        var status = RaftNodeStatus(role: core.role, term: core.term, leader: core.leader, commitIndex: core.commitIndex,
                                    lastIndex: core.lastIndex, leaderChanges: previous.leaderChanges,
                                    replication: core.role == .leader ? core.replication : [:])
        status.members = members
        status.ticksSinceLeaderContact = core.ticksSinceLeaderContact
        if core.leader != 0 && (core.leader != previous.leader || core.term != previous.term) { status.leaderChanges += 1 }
        if core.role == .leader {
            // Becoming leader appends the term's no-op last; keep the index it had then.
            let continuing = previous.role == .leader && previous.term == core.term
            status.leaderStartIndex = continuing ? previous.leaderStartIndex : core.lastIndex
        }
        return status
    }

    /// The group as the core has it, with the names and addresses the shell knows.
    private static func memberList(_ membership: Membership, _ members: [NodeID: RaftMember]) -> [RaftMember] {
        membership.members.sorted().map { id in
            var member = members[id] ?? RaftMember(id: id, name: "\(id)", address: HostPort(host: "", port: 0))
            member.learner = !membership.voters.contains(id)
            return member
        }
    }

    /// Publishes the core's state for `status` readers (after every step). It runs several
    /// times per batch of proposals, so the member list is rebuilt only when it changed.
    private func publish() {
        let membership = core.membership
        let list: [RaftMember]
        if let cached = publishedMembers, cached.membership == membership {
            list = cached.list
        } else {
            list = Self.memberList(membership, members)
            publishedMembers = (membership, list)
        }
        let status = Self.status(of: core, members: list, previous: lastPublished)
        lastPublished = status
        published.withLock { $0 = status }
    }

    /// Registers `deliver` on the member's RPC server.
    /// The one-way RaftProtocol method peers' messages travel by (`PeerSender`).
    static let oneWayDelivery = "deliverMessages"
    /// A two-way method that only says this member serves `deliverMessages`: a member of an
    /// earlier version answers RpcNoSuchMethodException, and is sent `deliverBatch` calls.
    static let oneWayProbe = "probeDeliverMessages"

    /// Registers the member's RaftProtocol methods on its RPC server.
    public nonisolated func register(into registry: inout RPCServiceRegistry) {
        // Two-way deliveries, which members of earlier versions send (and are sent): one call
        // out at a time per peer, stepped in order. Stepping never waits for the disk (the
        // Ready loop hands writes to the WAL), so the answer is prompt.
        registry.register(protocol: ProtocolNames.raftProtocol, method: "deliver") { [weak self] (envelope: Rfs_Raft_RaftEnvelope, _: RPCCallContext) in
            await self?.deliver([envelope])
            return Rfs_Raft_RaftDelivered()
        }
        registry.register(protocol: ProtocolNames.raftProtocol, method: "deliverBatch") { [weak self] (batch: Rfs_Raft_RaftEnvelopeBatch, _: RPCCallContext) in
            await self?.deliver(batch.envelopes)
            return Rfs_Raft_RaftDelivered()
        }
        // What peers' senders use: one-way, so a batch costs one write at the sender and one
        // read here, with no answer written back and read there (a quarter of a leader's
        // socket calls per round went to those answers). Taken in the order they arrive.
        registry.registerOneWay(protocol: ProtocolNames.raftProtocol, method: Self.oneWayDelivery, logger: logger) { [weak self] (batch: Rfs_Raft_RaftEnvelopeBatch, bytes: Int, _: RPCCallContext) in
            self?.enqueue(batch.envelopes, bytes: bytes)
        }
        registry.register(protocol: ProtocolNames.raftProtocol, method: Self.oneWayProbe) { (_: Rfs_Raft_RaftDelivered, _: RPCCallContext) in
            Rfs_Raft_RaftDelivered()
        }
        registry.register(protocol: ProtocolNames.raftProtocol, method: "installSnapshot") { [weak self] (chunk: Rfs_Raft_InstallSnapshotRequest, _: RPCCallContext) in
            guard let self else { throw ProposalError.stopped }
            return await self.receive(chunk)
        }
    }

    /// Starts stepping peers' messages and ticking every `tick`.
    public func start(tick: Duration) {
        tickInterval = tick
        started = true
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
        for sender in senders.values { await sender.close() }
        for client in snapshotClients.values { await client.close() }
        incoming?.writer.discard()
        incoming = nil
        storage.close()
        for waiter in waiting.values.joined() { waiter.continuation.resume(throwing: ProposalError.stopped) }
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
            waiting[index, default: []].append((term, continuation))
            Task { await self.processReadies() }
        }
    }

    /// Queues `data` for appending without entering the actor: `accepted` runs with the
    /// entry's index and term (or why it was refused) before anything of it can be persisted
    /// or applied, so the caller can wait for the state machine to apply that index (and tell a
    /// replaced entry by its term). Proposals queued together are appended in one actor turn
    /// and leave in one Ready: one WAL write, one append message per follower.
    public nonisolated func submit(_ data: [UInt8], accepted: @escaping @Sendable (Result<(index: UInt64, term: UInt64), ProposalError>) -> Void) {
        let first = proposals.withLock { queue in
            queue.items.append(QueuedProposal(data: data, accepted: accepted))
            defer { queue.draining = true }
            return !queue.draining
        }
        if first { Task(executorPreference: loopTaskExecutor) { await self.appendQueuedProposals() } }
    }

    private func appendQueuedProposals() async {
        while true {
            let batch = proposals.withLock { queue in
                defer { queue.items = [] }
                if queue.items.isEmpty { queue.draining = false }
                return queue.items
            }
            guard !batch.isEmpty else { return }
            for proposal in batch {
                do {
                    let index = try append(proposal.data)
                    proposal.accepted(.success((index, core.term)))
                } catch {
                    proposal.accepted(.failure(error))
                }
            }
            await processReadies()
        }
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

    /// Drops the log through `index` (which the state machine holds durably): the core forgets
    /// the entries, the compaction point is recorded, the WAL's segments go. A member asked for
    /// a dropped entry is streamed a snapshot instead (`streamSnapshot`).
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
        // A write to a peer that has not finished for a while is into a connection that is
        // gone without a reset (its host vanished): the next batch goes on a fresh one.
        for sender in senders.values { sender.dropConnectionIfStuck(after: .seconds(5)) }
        core.tick()
        publish()
        scheduleReadies()
    }

    /// Messages from peers (what the inbox held, or one two-way `deliver` or `deliverBatch`
    /// call), stepped in one turn: their effects leave in one Ready.
    public func deliver(_ envelopes: [Rfs_Raft_RaftEnvelope]) async {
        guard started && !stopped else { return }
        for envelope in envelopes where envelope.to == id {
            do {
                guard let message = try RaftWire.message(envelope) else { continue }
                core.step(message)
            } catch {
                logger.warning("raft: malformed message dropped", metadata: ["error": "\(error)"])
            }
        }
        publish()
        // In this turn: the loop never waits for the disk (and a two-way caller's next call
        // waits for this one's answer).
        await processReadies()
    }

    /// Queues messages received one-way, in the order they came, for one turn of the actor
    /// that steps every message queued by then (see `deliver`).
    nonisolated func enqueue(_ envelopes: [Rfs_Raft_RaftEnvelope], bytes: Int) {
        guard !envelopes.isEmpty else { return }
        let first = inbox.withLock { inbox in
            inbox.add(envelopes, bytes: bytes, keepingAtMost: Self.maxInboxMessages, bytes: Self.maxInboxBytes)
            defer { inbox.draining = true }
            return !inbox.draining
        }
        if first { Task(executorPreference: loopTaskExecutor) { await self.deliverQueued() } }
    }

    private func deliverQueued() async {
        while true {
            let envelopes = inbox.withLock { inbox in
                let taken = inbox.takeAll()
                if taken.isEmpty { inbox.draining = false }
                return taken
            }
            guard !envelopes.isEmpty else { return }
            await deliver(envelopes)
        }
    }

    /// Has the Readies carried out soon, without waiting: the caller (a peer's delivery, the
    /// ticker) goes on, and whatever is stepped meanwhile is gathered into the next Ready.
    private func scheduleReadies() {
        guard !processing && !scheduled else { return }
        scheduled = true
        Task {
            self.scheduled = false
            await self.processReadies()
        }
    }

    /// Carries out Readies one after another without waiting for the disk: a Ready's term and
    /// vote are made durable at once (elections only), its entries are handed to the WAL, and
    /// its messages that claim durability (acknowledgements, votes) wait for every write
    /// handed over so far (`written`). A leader's appends leave at once, so the followers'
    /// fsyncs overlap its own; committed entries that are durable here are applied at once.
    /// The WAL's writer meanwhile gathers whatever was handed over into one fsync, so a burst
    /// of Readies shares it (etcd's asynchronous storage writes).
    private func processReadies() async {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while let ready = core.takeReady() {
            publish()
            for lost in ready.lostLogs {
                logger.error("raft: a member no longer holds entries it acknowledged: its name directory was lost or replaced. They are sent to it again, but until it has them its vote could elect a leader that lacks them: remove it (rfs haadmin -removeNamenode), prepare it with rfs namenode -bootstrapStandby -force, then add it back (-addNamenode)",
                             metadata: ["member": "\(members[lost.member]?.name ?? "\(lost.member)")",
                                        "acknowledged": "\(lost.acknowledged)", "holds": "\(lost.holds)"])
            }
            if let snapshot = ready.snapshot {
                // Received in full earlier (`receive`); the state machine switches to it, then
                // the log restarts after it. A crash between the two is finished at the next
                // start (the state machine reports the snapshot it holds).
                await waitUntilWritten()
                do {
                    try await stateMachine.installSnapshot(snapshot)
                    try storage.install(snapshotThrough: snapshot.index, term: snapshot.term)
                    lastSubmitted = snapshot.index
                    compacted.withLock { $0 = snapshot.index }
                    // Entries through the snapshot are never handed over here: their
                    // proposers cannot learn their outcome from this member.
                    for index in waiting.keys.filter({ $0 <= snapshot.index }) {
                        for waiter in waiting.removeValue(forKey: index) ?? [] {
                            waiter.continuation.resume(throwing: ProposalError.outcomeUnknown(index: index))
                        }
                    }
                    try await adopt(snapshot.membership)
                    logger.notice("raft: installed a snapshot from the leader",
                                  metadata: ["index": "\(snapshot.index)", "term": "\(snapshot.term)"])
                } catch {
                    logger.critical("raft: installing a snapshot failed; this member stops", metadata: ["error": "\(error)"])
                    await stop()
                    return
                }
            }
            do {
                if let hardState = ready.hardState { try storage.saveTermAndVote(hardState) }
            } catch {
                logger.critical("raft: persisting the term and vote failed; this member stops", metadata: ["error": "\(error)"])
                await stop()
                return
            }
            for message in ready.sendableBeforePersisting { senders[message.to]?.send(RaftWire.encodedEnvelope(message)) }
            if let last = ready.entries.last {
                writesSubmitted += 1
                let sequence = writesSubmitted
                do {
                    try storage.submit(entries: ready.entries, lastSubmitted: lastSubmitted) { [weak self, durable] result in
                        // Every Ready's write of one group commit completes at once: one turn
                        // of the actor takes them all.
                        let first = durable.state.withLock { report in
                            switch result {
                            case .success: report.sequence = max(report.sequence, sequence)
                            case .failure(let error): report.failure = report.failure ?? error
                            }
                            defer { report.notifying = true }
                            return !report.notifying
                        }
                        if first, let self { Task(executorPreference: self.loopTaskExecutor) { await self.written() } }
                    }
                } catch {
                    // Nothing more of this Ready may leave: a member that cannot persist must stop.
                    logger.critical("raft: persisting failed; this member stops", metadata: ["error": "\(error)"])
                    await stop()
                    return
                }
                lastSubmitted = last.index
                unwritten.append(UnwrittenEntries(sequence: sequence, lastIndex: last.index, lastTerm: last.term))
            }
            let after = ready.sendableAfterPersisting
            if !after.isEmpty {
                // What they acknowledge may be in any write still under way: wait for the newest.
                if unwritten.isEmpty { send(after) } else { unwritten[unwritten.count - 1].waitingMessages += after }
            }
            if !ready.committed.isEmpty {
                do {
                    try stateMachine.apply(ready.committed)
                } catch {
                    logger.critical("raft: applying committed entries failed; this member stops", metadata: ["error": "\(error)"])
                    await stop()
                    return
                }
                for entry in ready.committed where entry.kind == .configChange {
                    await applied(membershipChange: entry)
                }
                for entry in ready.committed {
                    for waiter in waiting.removeValue(forKey: entry.index) ?? [] {
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

    /// The WAL made the writes through the newest reported (`durable`) durable, and with them
    /// every earlier one: the core counts those entries as this member's, and the messages that
    /// waited on them leave.
    private func written() async {
        let (sequence, failure) = durable.state.withLock { report in
            report.notifying = false
            return (report.sequence, report.failure)
        }
        guard !stopped else { return }
        if let error = failure {
            logger.critical("raft: persisting failed; this member stops", metadata: ["error": "\(error)"])
            await stop()
            return
        }
        var released: [RaftMessage] = []
        while let oldest = unwritten.first, oldest.sequence <= sequence {
            unwritten.removeFirst()
            core.persisted(through: oldest.lastIndex, term: oldest.lastTerm)
            released += oldest.waitingMessages
        }
        send(released)
        publish()
        await processReadies()
    }

    /// Waits until every write handed to the WAL is durable (a snapshot replaces the log).
    private func waitUntilWritten() async {
        while !unwritten.isEmpty && !stopped { try? await Task.sleep(for: .milliseconds(1)) }
    }

    private func send(_ messages: [RaftMessage]) {
        for message in messages {
            if case .snapshot = message.body {
                streamSnapshot(to: message.to)
                continue
            }
            senders[message.to]?.send(RaftWire.encodedEnvelope(message))
        }
    }
}

/// What the WAL's writer thread reports to the member (see `RaftNode.written`).
final class DurableReport: Sendable {
    let state = Mutex<(sequence: UInt64, failure: WALError?, notifying: Bool)>((0, nil, false))
}

/// Entries handed to the WAL and not yet reported durable, with the messages that wait for them.
struct UnwrittenEntries {
    var sequence: UInt64
    var lastIndex: UInt64
    var lastTerm: UInt64
    var waitingMessages: [RaftMessage] = []
}

/// Peers' messages received one-way and not yet stepped (`RaftNode.enqueue`).
struct Inbox {
    private var batches: [(envelopes: [Rfs_Raft_RaftEnvelope], bytes: Int)] = []
    private(set) var messages = 0
    private(set) var bytes = 0
    /// Whether a turn of the member is on its way to take them.
    var draining = false

    /// Adds a batch; then drops the oldest batches (never the one just added) while more than
    /// `maxMessages` messages or `maxBytes` bytes are held.
    mutating func add(_ envelopes: [Rfs_Raft_RaftEnvelope], bytes size: Int, keepingAtMost maxMessages: Int, bytes maxBytes: Int) {
        batches.append((envelopes, size))
        messages += envelopes.count
        bytes += size
        var dropping = 0
        while dropping < batches.count - 1, messages > maxMessages || bytes > maxBytes {
            messages -= batches[dropping].envelopes.count
            bytes -= batches[dropping].bytes
            dropping += 1
        }
        batches.removeFirst(dropping)
    }

    /// Every message held, oldest first, removed.
    mutating func takeAll() -> [Rfs_Raft_RaftEnvelope] {
        defer { batches = []; messages = 0; bytes = 0 }
        return batches.count == 1 ? batches[0].envelopes : batches.flatMap(\.envelopes)
    }
}

/// A proposal queued by `RaftNode.submit`.
struct QueuedProposal: Sendable {
    var data: [UInt8]
    var accepted: @Sendable (Result<(index: UInt64, term: UInt64), RaftNode.ProposalError>) -> Void
}

// MARK: - Membership

extension RaftNode {
    /// Adds `member` to the group: first as a learner (replicated to, not counted), then, once
    /// it holds what was committed when it was added, as a voter, so that an empty namenode
    /// never weakens the quorum while it catches up. Returns once it votes.
    public func addMember(_ member: RaftMember, catchUpTimeout: Duration) async throws {
        guard core.role == .leader else { throw ProposalError.notLeader(leader: core.leader) }
        if let known = status.members.first(where: { $0.id == member.id }), !known.learner { return }
        if !core.membership.learners.contains(member.id) {
            try await proposeMembershipChange(.addLearner(member.id), context: member.context)
        }
        let target = core.commitIndex
        let deadline = ContinuousClock.now + catchUpTimeout
        while (core.replication[member.id]?.match ?? 0) < target {
            guard core.role == .leader else { throw ProposalError.notLeader(leader: core.leader) }
            guard ContinuousClock.now < deadline else {
                throw ProposalError.refused("\(member.name) did not catch up within \(catchUpTimeout); it stays a learner")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await proposeMembershipChange(.addVoter(member.id), context: member.context)
    }

    /// Removes a member (voter or learner) from the group.
    public func removeMember(_ id: NodeID) async throws {
        guard core.membership.members.contains(id) else { return }
        let context = members[id]?.context ?? []
        try await proposeMembershipChange(.removeNode(id), context: context)
    }

    /// Proposes one change and waits until it is committed and applied here.
    private func proposeMembershipChange(_ change: ConfChange, context: [UInt8]) async throws {
        guard !stopped else { throw ProposalError.stopped }
        let index: UInt64
        do {
            index = try core.proposeConfChange(change, context: context)
        } catch {
            if case .notLeader(let leader) = error { throw ProposalError.notLeader(leader: leader) }
            throw ProposalError.refused("\(error)")
        }
        let term = core.term
        _ = try await withCheckedThrowingContinuation { continuation in
            waiting[index, default: []].append((term, continuation))
            Task { await self.processReadies() }
        }
        // The other members apply the change once they learn it is committed, which the next
        // heartbeats tell them: wait for a few, so that when this returns the members that are
        // up count the new group (a removed member stopped right after no longer holds the
        // remaining ones below a quorum because they still counted it).
        try? await Task.sleep(for: tickInterval * 3)
    }

    /// A committed membership change (the core already applied it): the shell connects to an
    /// added member (its address travels in the entry) or lets a removed one go, and persists
    /// the membership before anything depends on it.
    func applied(membershipChange entry: RaftEntry) async {
        guard let change = ConfChange(encoded: entry.data) else { return }
        let context = ConfChange.context(ofEncoded: entry.data)
        switch change {
        case .addVoter(let id), .addLearner(let id):
            let learner: Bool
            if case .addLearner = change { learner = true } else { learner = false }
            if let member = RaftMember(id: id, context: context, learner: learner) {
                members[id] = member
            } else if members[id] != nil {
                members[id]!.learner = learner
            } else {
                logger.error("raft: a member was added without an address this member can use", metadata: ["member": "\(id)"])
            }
            if let member = members[id] { connect(member) }
        case .removeNode(let id):
            members[id] = nil
            await disconnect(id)
        }
        persistMembers()
        publish()
        logger.notice("raft: membership changed", metadata: [
            "change": "\(change)", "index": "\(entry.index)",
            "voters": "\(core.membership.voters.sorted())", "learners": "\(core.membership.learners.sorted())",
        ])
    }

    /// A snapshot's membership replaces what this member knew (it was behind the changes).
    func adopt(_ membership: Membership) async throws {
        for id in members.keys where !membership.members.contains(id) && id != self.id {
            members[id] = nil
            await disconnect(id)
        }
        for id in membership.members {
            if members[id] == nil {
                logger.error("raft: the snapshot names a member whose address this member does not know; list it in the configuration",
                             metadata: ["member": "\(id)"])
                continue
            }
            members[id]!.learner = membership.learners.contains(id)
            connect(members[id]!)
        }
        persistMembers()
    }

    /// Writes the membership as the core has it (a failure is logged: the configuration and
    /// the log still rebuild it at the next start).
    private func persistMembers() {
        let current = core.membership.members.compactMap { id -> RaftMember? in
            guard var member = members[id] else { return nil }
            member.learner = !core.membership.voters.contains(id)
            return member
        }
        do {
            try RaftMembersFile.save(current, to: directory)
        } catch {
            logger.error("raft: persisting the membership failed", metadata: ["error": "\(error)"])
        }
    }
}

// MARK: - Snapshots

extension RaftNode {
    /// Streams a snapshot of the state machine to `peer`, which needs entries this log no
    /// longer holds. The snapshot is whatever the state machine has applied now (at least the
    /// compaction point); the core learns the outcome from the member's answer to the
    /// installed snapshot, or from `reportSnapshotFailure`.
    private func streamSnapshot(to peer: NodeID) {
        guard !streaming.contains(peer), let client = snapshotClients[peer] else { return }
        if let failed = snapshotFailures[peer], ContinuousClock.now - failed.at < Self.snapshotRetryDelay(afterFailures: failed.count) {
            core.reportSnapshotFailure(to: peer)
            return
        }
        let reader: any RaftSnapshotReader
        do {
            reader = try stateMachine.readSnapshot()
        } catch {
            logger.error("raft: reading a snapshot for a member failed", metadata: ["member": "\(peer)", "error": "\(error)"])
            core.reportSnapshotFailure(to: peer)
            return
        }
        guard let meta = core.snapshotMeta(at: reader.index) else {
            logger.error("raft: the state machine's snapshot is not at an index the log knows",
                         metadata: ["member": "\(peer)", "index": "\(reader.index)"])
            core.reportSnapshotFailure(to: peer)
            return
        }
        streaming.insert(peer)
        let stream = SnapshotStream(client: client, leader: id, term: core.term, meta: meta,
                                    chunkBytes: min(SnapshotStream.defaultChunkBytes, batchByteLimit / 2))
        logger.log(level: snapshotFailures[peer] == nil ? .notice : .debug, "raft: streaming a snapshot to a member behind the compacted log",
                      metadata: ["member": "\(peer)", "index": "\(meta.index)", "term": "\(meta.term)"])
        Task.detached { [weak self] in
            let started = ContinuousClock.now
            let outcome = await stream.send(reader)
            await self?.streamEnded(to: peer, outcome, after: ContinuousClock.now - started)
        }
    }

    private func streamEnded(to peer: NodeID, _ outcome: SnapshotStream.Outcome, after elapsed: Duration) {
        streaming.remove(peer)
        switch outcome {
        case .sent(let bytes):
            snapshotFailures[peer] = nil
            logger.notice("raft: snapshot sent", metadata: ["member": "\(peer)", "bytes": "\(bytes)", "seconds": "\(elapsed)"])
        case .failed(let why):
            let count = (snapshotFailures[peer]?.count ?? 0) + 1
            snapshotFailures[peer] = (ContinuousClock.now, count)
            // Once per series, then every tenth: a member down for hours is not news each time.
            logger.log(level: count == 1 || count % 10 == 0 ? .warning : .debug,
                       "raft: streaming a snapshot failed; the member will be probed again",
                       metadata: ["member": "\(peer)", "error": "\(why)", "failuresInARow": "\(count)"])
            core.reportSnapshotFailure(to: peer)
        case .newerTerm(let term):
            snapshotFailures[peer] = (ContinuousClock.now, (snapshotFailures[peer]?.count ?? 0) + 1)
            logger.notice("raft: a member answered the snapshot with a newer term", metadata: ["member": "\(peer)", "term": "\(term)"])
            core.reportSnapshotFailure(to: peer)
        }
        scheduleReadies()
    }

    /// One chunk of a snapshot from the leader. Chunks are written as they come; the last one
    /// (`done`) makes them durable and hands the core the snapshot, which installs it unless
    /// this member already holds that state. Answers how many bytes it holds in order.
    func receive(_ chunk: Rfs_Raft_InstallSnapshotRequest) async -> Rfs_Raft_InstallSnapshotResponse {
        var response = Rfs_Raft_InstallSnapshotResponse()
        response.followerID = id
        response.term = core.term
        guard !stopped, chunk.term >= core.term else {
            response.rejected = true
            return response
        }
        let message = RaftWire.message(chunk, to: id)
        guard case .snapshot(let meta) = message.body else { return response }
        if chunk.offset == 0 {
            incoming?.writer.discard()
            incoming = nil
            do {
                incoming = IncomingSnapshot(leader: chunk.leaderID, term: chunk.term, meta: meta,
                                            writer: try stateMachine.receiveSnapshot(meta))
            } catch {
                logger.error("raft: cannot receive a snapshot", metadata: ["error": "\(error)"])
                response.rejected = true
                return response
            }
        }
        guard var receiving = incoming, receiving.leader == chunk.leaderID, receiving.term == chunk.term,
              receiving.meta == meta, receiving.nextOffset == chunk.offset else {
            // Not the continuation of what is being received: the leader starts over.
            response.nextOffset = incoming?.nextOffset ?? 0
            return response
        }
        let data = [UInt8](chunk.data)
        guard CRC32C.checksum(data) == chunk.crc32C else {
            logger.warning("raft: a snapshot chunk failed its checksum", metadata: ["offset": "\(chunk.offset)"])
            response.nextOffset = receiving.nextOffset
            return response
        }
        do {
            if !data.isEmpty { try receiving.writer.write(data) }
            receiving.nextOffset += UInt64(data.count)
            response.nextOffset = receiving.nextOffset
            guard chunk.done else {
                incoming = receiving
                return response
            }
            incoming = nil
            try receiving.writer.finish(meta)
        } catch {
            logger.error("raft: writing a received snapshot failed", metadata: ["error": "\(error)"])
            receiving.writer.discard()
            incoming = nil
            response.rejected = true
            return response
        }
        core.step(message)
        publish()
        if core.snapshot != meta {
            // The core did not take it (this member already holds that state).
            receiving.writer.discard()
        }
        await processReadies()
        response.term = core.term
        response.installed = core.snapshot == meta
        return response
    }
}

/// Sends one peer's messages in order over one RPC connection, one-way (`deliverMessages`),
/// without holding up the node: whatever was queued by the time the sender runs (every
/// message of one turn of the node, at least) goes as one batch, and a batch waits only for
/// the previous one to reach the socket. How many appends are out per follower is the core's
/// window (`rfs.raft.max-inflight-appends`).
final class PeerSender: Sendable {
    /// Messages not yet sent. Bounded: a peer that is down loses the oldest, as Raft allows
    /// (the leader re-sends what a follower still needs).
    private let queue = EnvelopeQueue()
    private let doorbell: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>
    private let client: RPCClient
    static let maxQueued = 4096
    static let maxPerCall = 512
    /// How often the sender asks again whether the peer serves one-way delivery (it may have
    /// been restarted on another version).
    static let probeInterval = Duration.seconds(10)
    /// When the write under way began, if one is.
    private let writing = WriteClock()

    /// `loop`: the member's own, where the connection is made and the batches are written.
    /// `maxBytesPerCall`: a batch's bytes (unless its first message alone is bigger), kept
    /// below the receiver's RPC frame limit (a batch over it would be refused every time).
    init(peer: RaftNode.Peer, loop: any EventLoop, maxBytesPerCall: Int, logger: Logger) {
        // A peer that is down loses messages, as Raft allows; retrying here would only delay
        // the newer ones behind them.
        let client = RPCClient(configuration: .raftPeer(peer.address, callTimeout: .seconds(5)), group: loop, logger: logger)
        self.client = client
        let (rings, doorbell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.doorbell = doorbell
        let queue = queue, writing = writing
        task = Task(executorPreference: EventLoopTaskExecutor(loop)) {
            // Whether the peer serves one-way delivery, as last asked (nil: could not ask), and when.
            var oneWay: Bool?
            var asked = ContinuousClock.now
            for await _ in rings {
                while !Task.isCancelled {
                    let batch = queue.take(Self.maxPerCall, maxBytes: maxBytesPerCall)
                    guard !batch.isEmpty else { break }
                    if oneWay == nil || ContinuousClock.now - asked > Self.probeInterval {
                        // An answer that could not be had keeps what was known: a peer that
                        // is down is no more likely to have changed version than one that is up.
                        if let answer = await Self.servesOneWay(client) { oneWay = answer }
                        asked = ContinuousClock.now
                    }
                    let body = RaftWire.encodedBatch(batch)
                    writing.begin()
                    switch oneWay {
                    case true?: try? await client.sendRaw(RaftNode.oneWayDelivery, body: body)
                    case false?: _ = try? await client.callRaw("deliverBatch", body: body, idempotent: false)
                    case nil: break   // the peer could not be asked yet (it is down): the batch is lost, as Raft allows
                    }
                    writing.end()
                }
            }
        }
    }

    /// Queues one serialized RaftEnvelope (`RaftWire.encodedEnvelope`).
    func send(_ envelope: [UInt8]) {
        queue.append(envelope, keepingAtMost: Self.maxQueued)
        doorbell.yield()
    }

    /// Whether the peer serves `deliverMessages`; nil when it could not be asked. (A probe or
    /// `deliverBatch` call that times out with nothing heard closes its connection in the RPC
    /// client itself: its peer may have vanished without a reset.)
    static func servesOneWay(_ client: RPCClient) async -> Bool? {
        do {
            _ = try await client.call(RaftNode.oneWayProbe, Rfs_Raft_RaftDelivered(), returning: Rfs_Raft_RaftDelivered.self, idempotent: true)
            return true
        } catch let error as RPCRemoteException where error.exceptionClassName == HadoopException.noSuchMethod.rawValue {
            return false
        } catch {
            return nil
        }
    }

    /// Drops the connection when a write on it has been under way longer than `limit` (the
    /// socket's buffer is full and the peer reads nothing): the write fails, and the sender
    /// goes on with a new connection. One-way sends have no reply to time out, so the RPC
    /// client's own check never sees this case.
    func dropConnectionIfStuck(after limit: Duration) {
        if writing.endIfOlder(than: limit) { Task { [client] in await client.dropConnections() } }
    }

    func close() async {
        doorbell.finish()
        task.cancel()
        await client.close()
    }
}

/// When a peer sender's write under way began (nil: none is).
final class WriteClock: Sendable {
    private let started = Mutex<ContinuousClock.Instant?>(nil)

    func begin() { started.withLock { $0 = ContinuousClock.now } }
    func end() { started.withLock { $0 = nil } }

    /// Whether a write has been under way longer than `limit`; if so it no longer counts.
    func endIfOlder(than limit: Duration) -> Bool {
        started.withLock { since in
            guard let began = since, ContinuousClock.now - began > limit else { return false }
            since = nil
            return true
        }
    }
}

/// A peer's outgoing messages, shared by the node (appending) and its sender task (taking).
final class EnvelopeQueue: Sendable {
    private let items = Mutex<[[UInt8]]>([])

    func append(_ envelope: [UInt8], keepingAtMost limit: Int) {
        items.withLock { queued in
            if queued.count >= limit { queued.removeFirst(queued.count - limit + 1) }
            queued.append(envelope)
        }
    }

    /// The oldest messages, removed: at most `count` of them and, past the first, `maxBytes`.
    func take(_ count: Int, maxBytes: Int) -> [[UInt8]] {
        items.withLock { queued in
            var taking = 0, bytes = 0
            while taking < min(count, queued.count), taking == 0 || bytes + queued[taking].count <= maxBytes {
                bytes += queued[taking].count
                taking += 1
            }
            let taken = Array(queued.prefix(taking))
            queued.removeFirst(taking)
            return taken
        }
    }
}

extension RPCClientConfiguration {
    /// One Raft member's connection to another: one address, no retries or fail-over (the
    /// protocol re-sends what is still needed), a short connect timeout.
    static func raftPeer(_ address: HostPort, connectTimeout: Duration = .seconds(1), callTimeout: Duration) -> RPCClientConfiguration {
        var configuration = RPCClientConfiguration(addresses: [address], user: "raft", protocolName: ProtocolNames.raftProtocol)
        configuration.maxRetries = 0
        configuration.maxFailovers = 0
        configuration.connectTimeout = connectTimeout
        configuration.callTimeout = callTimeout
        return configuration
    }
}
