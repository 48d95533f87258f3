// Where new replicas go: HDFS's default placement policy (BlockPlacementPolicyDefault).

extension BlockManager {
    /// Targets for a new block's pipeline: the writer's datanode first when the writer runs on
    /// a live one, then others at random, weighted towards fewer active transfers. With more
    /// than one rack the second replica goes off the first's rack and the third onto the
    /// second's, as in HDFS. Only in-service datanodes with `blockSizeBytes` remaining are
    /// chosen; never one in `excluded`, never one twice; fewer than `count` when the cluster
    /// is too small.
    public func chooseTargets<R: RandomNumberGenerator>(
        count: Int, writerHost: String?, excluded: Set<DatanodeUUID>, blockSizeBytes: Int64, rng: inout R
    ) -> [DatanodeIdentity] {
        chooseTargetUUIDs(count: count, writerHost: writerHost, chosen: [], excluded: excluded,
                          blockSizeBytes: blockSizeBytes, rng: &rng)
            .map { datanodes[$0]!.identity }
    }

    /// The policy itself. `chosen` are replicas that already exist (re-replication): they
    /// steer the rack choices as if placed first, and are never returned.
    func chooseTargetUUIDs<R: RandomNumberGenerator>(
        count: Int, writerHost: String?, chosen: [DatanodeUUID], excluded: Set<DatanodeUUID>, blockSizeBytes: Int64,
        rng: inout R
    ) -> [DatanodeUUID] {
        guard count > 0 else { return [] }
        // At least a byte: a datanode that has not heartbeated yet reports no space at all.
        let neededBytes = max(1, blockSizeBytes)
        var candidates = sortedNodes.filter { node in
            node.isInService && node.stats.remainingBytes >= neededBytes
                && !excluded.contains(node.uuid) && !chosen.contains(node.uuid)
        }
        var placed = chosen
        var picked: [DatanodeUUID] = []
        let racks = Set(datanodes.values.filter(\.isInService).map(\.identity.rack))
        let rackLimit = Self.replicasPerRackMax(replicas: chosen.count + count, racks: racks.count)
        while picked.count < count, !candidates.isEmpty {
            let options = preferred(candidates, after: placed, writerHost: writerHost, rackAware: racks.count > 1,
                                    rackLimit: rackLimit)
            let choice = Self.weightedPick(options, rng: &rng)
            candidates.removeAll { $0.uuid == choice.uuid }
            placed.append(choice.uuid)
            picked.append(choice.uuid)
        }
        return picked
    }

    /// HDFS's maxNodesPerRack: an even spread plus slack, but never every replica on one rack.
    static func replicasPerRackMax(replicas: Int, racks: Int) -> Int {
        guard racks > 1 else { return Int.max }
        let limit = (replicas - 1) / racks + 2
        return limit == replicas ? limit - 1 : limit
    }

    /// The candidates the next replica may go to, by its position: the writer's node first;
    /// second off the first's rack; third on the second's rack (or off the first's when the
    /// first two share one); the rest anywhere within the per-rack limit. When no candidate
    /// fits, any candidate does: a replica on the wrong rack beats no replica.
    private func preferred(_ candidates: [DatanodeRecord], after placed: [DatanodeUUID], writerHost: String?,
                           rackAware: Bool, rackLimit: Int) -> [DatanodeRecord] {
        func rack(_ uuid: DatanodeUUID) -> String { datanodes[uuid]!.identity.rack }
        var options: [DatanodeRecord]
        switch placed.count {
        case 0:
            options = writerHost.map { host in candidates.filter { $0.identity.isNamed(by: host) } } ?? []
        case 1 where rackAware:
            options = candidates.filter { $0.identity.rack != rack(placed[0]) }
        case 2 where rackAware:
            let first = rack(placed[0])
            let second = rack(placed[1])
            options = candidates.filter { first == second ? $0.identity.rack != first : $0.identity.rack == second }
        default:
            options = []
        }
        if options.isEmpty {
            var perRack: [String: Int] = [:]
            for uuid in placed { perRack[rack(uuid), default: 0] += 1 }
            options = candidates.filter { perRack[$0.identity.rack, default: 0] < rackLimit }
        }
        return options.isEmpty ? candidates : options
    }

    /// A random candidate, each weighted by 1 / (1 + its active transfers), so busy datanodes
    /// get fewer new replicas without being shut out. Integer weights: the draw depends on
    /// the seed alone.
    static func weightedPick<R: RandomNumberGenerator>(_ options: [DatanodeRecord], rng: inout R) -> DatanodeRecord {
        precondition(!options.isEmpty, "weightedPick needs a candidate")
        let scale: UInt64 = 1 << 20
        let weights = options.map { max(1, scale / UInt64(1 + max(0, $0.stats.xceiverCount))) }
        var draw = rng.below(weights.reduce(0, +))
        for (option, weight) in zip(options, weights) {
            if draw < weight { return option }
            draw -= weight
        }
        return options[options.count - 1]
    }
}
