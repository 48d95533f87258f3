// Datanode membership: registration, heartbeats, death, and the reports about datanodes.

extension BlockManager {
    /// Records a datanode. The same uuid again updates its address (and revives it if it
    /// was declared dead); a new uuid with the transfer address of a known datanode replaces
    /// that one, whose replicas are forgotten (the machine was reformatted). Either way the
    /// datanode's replicas are learnt from the full block report that follows.
    public mutating func register(_ identity: DatanodeIdentity, nowMillis: Int64) -> RegistrationResult {
        if let rejection = Self.validate(identity) { return .rejected(rejection) }
        let clashing = datanodes.values
            .filter { $0.uuid != identity.uuid && $0.identity.transferAddress == identity.transferAddress }
            .map(\.uuid).sorted()
        for uuid in clashing { removeDatanode(uuid) }
        if datanodes[identity.uuid] != nil {
            reregister(identity, nowMillis: nowMillis)
        } else {
            let state: AdminState = isExcluded(identity) ? .decommissionInProgress : .normal
            datanodes[identity.uuid] = DatanodeRecord(identity: identity, adminState: state, lastHeartbeatMillis: nowMillis)
        }
        return .registered(identity, adminState: datanodes[identity.uuid]!.adminState, replaced: clashing.first)
    }

    static func validate(_ identity: DatanodeIdentity) -> RegistrationRejection? {
        if identity.uuid.rawValue.isEmpty { return .emptyUUID }
        for (name, port) in [("xferPort", identity.xferPort), ("infoPort", identity.infoPort), ("ipcPort", identity.ipcPort)]
        where !(0...65_535).contains(port) {
            return .invalidPort(name: name, value: port)
        }
        return nil
    }

    /// A known datanode registers again: usually a restart. Its replicas stay until its full
    /// report says otherwise, but what it was told may have died with the old process:
    /// deletions sent are decided again from its report (those still queued stay), and
    /// transfers to or from it are given up now rather than at their timeout.
    private mutating func reregister(_ identity: DatanodeIdentity, nowMillis: Int64) {
        let uuid = identity.uuid
        let wasAlive = datanodes[uuid]!.isAlive
        datanodes[uuid]!.identity = identity
        datanodes[uuid]!.isAlive = true
        datanodes[uuid]!.lastHeartbeatMillis = nowMillis
        datanodes[uuid]!.pendingInvalidations = Set(datanodes[uuid]!.queuedInvalidations.map(\.id))
        datanodes[uuid]!.queuedTransfers = []
        refresh(forgetPendingTransfers(involving: uuid))
        if !wasAlive, isExcluded(identity), datanodes[uuid]!.adminState == .normal {
            datanodes[uuid]!.adminState = .decommissionInProgress
        }
    }

    func isExcluded(_ identity: DatanodeIdentity) -> Bool {
        [identity.ipAddress, identity.hostName, identity.transferAddress, "\(identity.hostName):\(identity.xferPort)"]
            .contains(where: excludedHosts.contains)
    }

    /// Records a heartbeat and hands out the commands queued for the datanode. An unknown
    /// datanode, or one already declared dead, is told to register again.
    public mutating func heartbeat(_ uuid: DatanodeUUID, stats: DatanodeStats, nowMillis: Int64) -> [BlockCommand] {
        guard datanodes[uuid]?.isAlive == true else { return [.reregister] }
        datanodes[uuid]!.stats = stats
        datanodes[uuid]!.lastHeartbeatMillis = nowMillis
        return isStandby ? [] : drainCommands(of: uuid)
    }

    /// The queued commands of a datanode, in this order: its other commands, its transfers
    /// (targets that died since are dropped), then at most `invalidateBlocksPerHeartbeatMax`
    /// deletions.
    mutating func drainCommands(of uuid: DatanodeUUID) -> [BlockCommand] {
        var commands = datanodes[uuid]!.queuedCommands
        for transfer in datanodes[uuid]!.queuedTransfers {
            let targets = transfer.targets.compactMap { datanodes[$0].flatMap { $0.isAlive ? $0.identity : nil } }
            if !targets.isEmpty { commands.append(.transfer(block: transfer.block, targets: targets)) }
        }
        let deletions = datanodes[uuid]!.queuedInvalidations.prefix(configuration.invalidateBlocksPerHeartbeatMax)
        if !deletions.isEmpty { commands.append(.invalidate(blocks: Array(deletions))) }
        datanodes[uuid]!.queuedCommands = []
        datanodes[uuid]!.queuedTransfers = []
        datanodes[uuid]!.queuedInvalidations.removeFirst(deletions.count)
        return commands
    }

    /// Declares dead every live datanode silent for longer than the heartbeat expiry and
    /// returns them (ascending). Their replicas leave the block map, so their blocks become
    /// under-replicated and the replication monitor copies them elsewhere.
    public mutating func checkHeartbeats(nowMillis: Int64) -> [DatanodeUUID] {
        if !postponedReplicas.isEmpty {
            let lifetime = Self.postponedReplicaLifetimeMillis
            for (id, waiting) in postponedReplicas {
                let kept = waiting.filter { nowMillis - $0.reportedMillis <= lifetime }
                postponedReplicas[id] = kept.isEmpty ? nil : kept
            }
        }
        let expiry = configuration.heartbeatExpiryMillis
        let expired = datanodes.values
            .filter { $0.isAlive && nowMillis - $0.lastHeartbeatMillis > expiry }
            .map(\.uuid).sorted()
        for uuid in expired { markDead(uuid) }
        return expired
    }

    /// Forgets everything a dead datanode held or was to do; keeps its record for the
    /// dead-node report.
    mutating func markDead(_ uuid: DatanodeUUID) {
        guard var node = datanodes[uuid], node.isAlive else { return }
        let held = node.blocks
        node.isAlive = false
        node.blocks = []
        node.queuedTransfers = []
        node.queuedInvalidations = []
        node.pendingInvalidations = []
        node.queuedCommands = []
        datanodes[uuid] = node
        for id in held {
            blocks[id]?.replicas.removeAll { $0.datanode == uuid }
        }
        let affected = forgetPendingTransfers(involving: uuid)
        refresh(held.union(affected))
    }

    /// Drops `uuid` from every transfer in flight: as the source, the transfer will not
    /// happen; as a target, it will not arrive.
    mutating func forgetPendingTransfers(involving uuid: DatanodeUUID) -> [BlockID] {
        var affected: [BlockID] = []
        for (id, pending) in pendingTransfers where pending.source == uuid || pending.targets.contains(uuid) {
            affected.append(id)
            let remaining = pending.targets.filter { $0 != uuid }
            if pending.source == uuid || remaining.isEmpty {
                pendingTransfers[id] = nil
            } else {
                pendingTransfers[id]!.targets = remaining
            }
        }
        return affected
    }

    /// Removes a datanode altogether (replaced by a reformatted one, or a fatal disk error):
    /// as if it died, and it leaves the dead-node report too.
    public mutating func removeDatanode(_ uuid: DatanodeUUID) {
        markDead(uuid)
        datanodes[uuid] = nil
    }

    public func isAlive(_ uuid: DatanodeUUID) -> Bool { datanodes[uuid]?.isAlive ?? false }

    public func identity(of uuid: DatanodeUUID) -> DatanodeIdentity? { datanodes[uuid]?.identity }

    public func status(of uuid: DatanodeUUID) -> DatanodeStatus? { datanodes[uuid]?.status }

    /// Live datanodes, by uuid.
    public var liveDatanodes: [DatanodeIdentity] { sortedNodes.filter(\.isAlive).map(\.identity) }

    /// Datanodes declared dead and not yet back, by uuid.
    public var deadDatanodes: [DatanodeIdentity] { sortedNodes.filter { !$0.isAlive }.map(\.identity) }

    /// `dfsadmin -report`'s lists, by uuid.
    public func datanodeReport(kind: DatanodeReportKind) -> [DatanodeStatus] {
        sortedNodes.filter { node in
            switch kind {
            case .all: true
            case .live: node.isAlive
            case .dead: !node.isAlive
            case .decommissioning: node.adminState == .decommissionInProgress
            }
        }.map(\.status)
    }

    var sortedNodes: [DatanodeRecord] { datanodes.values.sorted { $0.uuid < $1.uuid } }
}
