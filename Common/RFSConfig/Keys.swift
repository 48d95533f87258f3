import RFSModel

/// The settings rfs reads, with HDFS's key names where HDFS has the setting. The shipped
/// `conf/rfs-site.conf` documents every one of them; keep the two in step
/// (a test checks that every key here appears there).
public enum Keys {
    public static let defaultFS = ConfigKey<String>.string("fs.defaultFS", default: "hdfs://localhost:\(HDFSDefaults.namenodeRPCPort)", nonEmpty: true)

    public static let blockSize = ConfigKey<Int>.bytes("dfs.blocksize", default: Int(HDFSDefaults.blockSizeBytes), range: 1 << 10 ... 1 << 40)
    public static let minBlockSize = ConfigKey<Int>.bytes("dfs.namenode.fs-limits.min-block-size", default: 1 << 20, range: 0 ... 1 << 40)
    /// User-visible (user. and trusted.) extended attributes one inode may have; HDFS's default.
    public static let maxXAttrsPerInode = ConfigKey<Int>.integer("dfs.namenode.fs-limits.max-xattrs-per-inode", default: 32, range: 0...1_000)
    /// Bytes of an extended attribute's name and value together; HDFS's default and hard limit.
    public static let maxXAttrSize = ConfigKey<Int>.integer("dfs.namenode.fs-limits.max-xattr-size", default: 16_384, range: 1...32_768)
    public static let replication = ConfigKey<Int>.integer("dfs.replication", default: HDFSDefaults.replication, range: 1...512)
    public static let replicationMax = ConfigKey<Int>.integer("dfs.replication.max", default: 512, range: 1...32_767)
    public static let bytesPerChecksum = ConfigKey<Int>.bytes("dfs.bytes-per-checksum", default: HDFSDefaults.bytesPerChecksum, range: 1 ... 1 << 20)
    public static let checksumType = ConfigKey<String>("dfs.checksum.type", default: "CRC32C", expected: "NULL, CRC32 or CRC32C") { text in
        let upper = text.uppercased()
        return ["NULL", "CRC32", "CRC32C"].contains(upper) ? upper : nil
    }
    public static let writePacketSize = ConfigKey<Int>.bytes("dfs.client-write-packet-size", default: HDFSDefaults.writePacketSizeBytes, range: 512 ... Limits.packetBytesMax)
    public static let fileBufferSize = ConfigKey<Int>.bytes("io.file.buffer.size", default: HDFSDefaults.fileBufferSizeBytes, range: 512 ... 1 << 24)
    public static let listingLimit = ConfigKey<Int>.integer("dfs.ls.limit", default: Limits.listingPageEntriesDefault, range: 1...100_000)
    /// Minutes a deleted path stays in the trash (0: no trash); a fraction, as Hadoop reads it.
    public static let trashInterval = minutes("fs.trash.interval")
    /// Minutes between the namenode's trash checkpoints (0, or more than `trashInterval`: that).
    public static let trashCheckpointInterval = minutes("fs.trash.checkpoint.interval")

    static func minutes(_ name: String) -> ConfigKey<Double> {
        ConfigKey(name, default: 0, expected: "minutes, a number from 0 to \(Int32.max)") { text in
            guard let value = Double(text), value >= 0, value <= Double(Int32.max) else { return nil }
            return value
        }
    }
    /// The bits a client clears from the permission of each file and directory it makes:
    /// octal ("022") or, as Hadoop also takes it, the bits to keep ("u=rwx,g=rx,o=" is 027).
    public static let umaskMode = ConfigKey<UInt32>("fs.permissions.umask-mode", default: 0o022,
                                                    expected: "an octal umask such as 022, or u=…,g=…,o= with r, w, x",
                                                    parse: parseUmask)

    /// `fs.permissions.umask-mode`'s two spellings, as Hadoop's FsPermission.getUMask reads them.
    static func parseUmask(_ text: String) -> UInt32? {
        let text = String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        if !text.isEmpty, text.count <= 4, text.allSatisfy({ ("0"..."7").contains($0) }) {
            let value = UInt32(text, radix: 8)!
            return value <= 0o777 ? value : nil
        }
        var kept: UInt32 = 0
        var seen = Set<Character>()
        for clause in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = clause.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 1, let who = parts[0].first, "ugo".contains(who),
                  seen.insert(who).inserted else { return nil }
            var bits: UInt32 = 0
            for letter in parts[1] {
                switch letter {
                case "r": bits |= 4
                case "w": bits |= 2
                case "x": bits |= 1
                case "-": break
                default: return nil
                }
            }
            kept |= bits << (who == "u" ? 6 : who == "g" ? 3 : 0)
        }
        return seen.count == 3 ? 0o777 & ~kept : nil
    }

    public static let rpcFrameBytesMax = ConfigKey<Int>.bytes("ipc.maximum.data.length", default: Limits.rpcFrameBytesDefault, range: 1 << 10 ... Limits.rpcFrameBytesMax)
    public static let rpcTimeout = ConfigKey<Duration>.duration("ipc.client.rpc-timeout.ms", default: .seconds(120), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    public static let connectTimeout = ConfigKey<Duration>.duration("ipc.client.connect.timeout", default: .seconds(20), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    /// Connection attempts to a lone namenode before a call fails (with HA, fail-over settings apply).
    public static let connectRetriesMax = ConfigKey<Int>.integer("ipc.client.connect.max.retries", default: 10, range: 0...1000)
    public static let connectRetryInterval = ConfigKey<Duration>.duration("ipc.client.connect.retry.interval", default: .seconds(1), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    public static let clientRetriesMax = ConfigKey<Int>.integer("dfs.client.retry.max.attempts", default: 10, range: 0...1000)
    public static let failoverMaxAttempts = ConfigKey<Int>.integer("dfs.client.failover.max.attempts", default: 15, range: 0...1000)
    public static let failoverSleepBase = ConfigKey<Duration>.duration("dfs.client.failover.sleep.base.millis", default: .milliseconds(500), defaultUnit: .milliseconds(1))
    public static let failoverSleepMax = ConfigKey<Duration>.duration("dfs.client.failover.sleep.max.millis", default: .seconds(15), defaultUnit: .milliseconds(1))

    public static let namenodeRPCAddress = ConfigKey<HostPort>.address("dfs.namenode.rpc-address", default: HostPort(host: "0.0.0.0", port: HDFSDefaults.namenodeRPCPort))
    public static let namenodeHTTPAddress = ConfigKey<HostPort>.address("dfs.namenode.http-address", default: HostPort(host: "0.0.0.0", port: HDFSDefaults.namenodeHTTPPort))
    public static let namenodeNameDir = ConfigKey<String>.localDirectory("dfs.namenode.name.dir", default: "/tmp/rfs/name")
    /// Read for compatibility with HDFS configurations and otherwise unused: rfs runs each call's
    /// handler on the event loop of its connection, so `rpcEventLoops` is what sets concurrency.
    public static let namenodeHandlerCount = ConfigKey<Int>.integer("dfs.namenode.handler.count", default: 10, range: 1...1024)
    /// Event-loop threads of the namenode's RPC server (and its Raft member's connections); 0
    /// picks half the machine's cores, at least one (see `NameNodeDaemon.rpcEventLoopCount`).
    public static let namenodeRPCEventLoops = ConfigKey<Int>.integer("rfs.namenode.rpc.event-loops", default: 0, range: 0...256)

    public static let datanodeAddress = ConfigKey<HostPort>.address("dfs.datanode.address", default: HostPort(host: "0.0.0.0", port: HDFSDefaults.datanodeTransferPort))
    public static let datanodeHTTPAddress = ConfigKey<HostPort>.address("dfs.datanode.http.address", default: HostPort(host: "0.0.0.0", port: HDFSDefaults.datanodeHTTPPort))
    public static let datanodeIPCAddress = ConfigKey<HostPort>.address("dfs.datanode.ipc.address", default: HostPort(host: "0.0.0.0", port: HDFSDefaults.datanodeIPCPort))
    public static let datanodeDataDirs = ConfigKey<[String]>.localDirectories("dfs.datanode.data.dir", default: ["/tmp/rfs/data"])
    public static let heartbeatInterval = ConfigKey<Duration>.duration("dfs.heartbeat.interval", default: .seconds(3), defaultUnit: .seconds(1), minimum: .milliseconds(1))
    /// A writer silent this long loses its files: the namenode recovers and closes them.
    public static let leaseHardLimit = ConfigKey<Duration>.duration("dfs.namenode.lease-hard-limit-sec", default: .seconds(1200), defaultUnit: .seconds(1), minimum: .seconds(1))
    public static let heartbeatRecheckInterval = ConfigKey<Duration>.duration("dfs.namenode.heartbeat.recheck-interval", default: .seconds(300), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    public static let blockReportInterval = ConfigKey<Duration>.duration("dfs.blockreport.intervalMsec", default: .seconds(6 * 3600), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    public static let datanodeReservedBytes = ConfigKey<Int>.bytes("dfs.datanode.du.reserved", default: 0, range: 0 ... 1 << 50)
    public static let datanodeHostname = ConfigKey<String>.string("dfs.datanode.hostname", default: "")
    public static let scannerBytesPerSecond = ConfigKey<Int>.bytes("dfs.block.scanner.volume.bytes.per.second", default: 1 << 20, range: 0 ... 1 << 40)
    public static let scanPeriod = ConfigKey<Duration>.duration("dfs.datanode.scan.period.hours", default: .seconds(504 * 3600), defaultUnit: .seconds(3600), minimum: .milliseconds(1))
    public static let socketTimeout = ConfigKey<Duration>.duration("dfs.client.socket-timeout", default: .seconds(60), defaultUnit: .milliseconds(1), minimum: .milliseconds(100))
    public static let datanodeIOThreads = ConfigKey<Int>.integer("rfs.datanode.io.threads", default: 8, range: 1...256)
    /// The Unix domain socket a datanode serves short-circuit reads on (`_PORT` becomes its
    /// transfer port); empty: none. Clients read it to find a local datanode's socket.
    public static let domainSocketPath = ConfigKey<String>.string("dfs.domain.socket.path", default: "")
    /// Clients read replicas on a local datanode straight from its files (HDFS's short-circuit reads).
    public static let shortCircuitReads = ConfigKey<Bool>.boolean("dfs.client.read.shortcircuit", default: false)
    /// How long a client leaves a domain socket alone after short-circuit access through it failed.
    public static let domainSocketDisableInterval = ConfigKey<Duration>.duration("dfs.client.domain.socket.disable.interval.seconds",
                                                                                 default: .seconds(600), defaultUnit: .seconds(1), minimum: .zero)

    /// A file of hosts to decommission (one per line, `#` comments), read at start and on refreshNodes.
    public static let hostsExclude = ConfigKey<String>.string("dfs.hosts.exclude", default: "")
    /// Fraction of blocks that must have a reported replica before the namenode leaves safe mode.
    public static let safeModeThreshold = ConfigKey<Double>("dfs.namenode.safemode.threshold-pct", default: 0.999,
                                                            expected: "a fraction in 0...1 (e.g. 0.999)") { text in
        guard let value = Double(text), (0...1).contains(value) else { return nil }
        return value
    }
    public static let permissionsEnabled = ConfigKey<Bool>.boolean("dfs.permissions.enabled", default: true)
    public static let superGroup = ConfigKey<String>.string("dfs.permissions.superusergroup", default: HDFSDefaults.superGroup, nonEmpty: true)

    public static let nameservices = ConfigKey<[String]>.list("dfs.nameservices", default: [])
    /// `dfs.ha.namenodes.<nameservice>`: the namenode ids of one nameservice.
    public static let haNamenodesPrefix = "dfs.ha.namenodes."
    /// `dfs.namenode.rpc-address.<nameservice>.<namenode id>`.
    public static let namenodeRPCAddressPrefix = "dfs.namenode.rpc-address."
    /// Which of `dfs.ha.namenodes.<nameservice>` this namenode is (HA only).
    public static let haNamenodeID = ConfigKey<String>.string("dfs.ha.namenode.id", default: "", nonEmpty: false)
    /// How often a Raft member's clock ticks; leaders send a heartbeat every tick.
    public static let raftTick = ConfigKey<Duration>.duration("rfs.raft.tick", default: .milliseconds(100), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    /// Ticks without a leader before a follower campaigns (randomized up to twice this).
    public static let raftElectionTicks = ConfigKey<Int>.integer("rfs.raft.election-ticks", default: 10, range: 2...1000)
    /// Appends a Raft leader keeps unacknowledged per follower before waiting (etcd's
    /// MaxInflightMsgs).
    public static let raftMaxInflightAppends = ConfigKey<Int>.integer("rfs.raft.max-inflight-appends", default: 64, range: 1...1024)
    /// With HA: the active proposes dropping the Raft log once every member holds this many
    /// entries past the last compaction.
    public static let raftLogCompactionEntries = ConfigKey<Int>.integer("rfs.raft.log-compaction-entries", default: 100_000, range: 1...(1 << 40))
    /// Free space the namenode's name directory must keep (HDFS's NameNodeResourceChecker):
    /// below it the namenode enters safe mode, rather than fail its edit log on a full disk.
    public static let namenodeReservedBytes = ConfigKey<Int>.bytes("dfs.namenode.resource.du.reserved", default: 100 << 20, range: 0 ... 1 << 60)
    /// How often the namenode checks that free space.
    public static let namenodeResourceCheckInterval = ConfigKey<Duration>.duration("dfs.namenode.resource.check.interval", default: .seconds(5), defaultUnit: .milliseconds(1), minimum: .milliseconds(1))
    /// How often the namenode syncs its store (and may drop the log up to what the store holds).
    public static let checkpointInterval = ConfigKey<Duration>.duration("rfs.namenode.checkpoint-interval", default: .seconds(30), defaultUnit: .seconds(1), minimum: .milliseconds(10))
    /// Inodes one edit may remove: a recursive delete of a larger subtree detaches it at once
    /// and removes it in later edits of this many inodes each, so that neither the namenode's
    /// memory nor the other edits' wait grows with the size of a deleted tree (HDFS deletes
    /// the blocks of a large delete in increments, `dfs.namenode.block.deletion.increment`).
    public static let deleteIncrement = ConfigKey<Int>.integer("rfs.namenode.delete.increment", default: 1000, range: 1...1_000_000)
    /// Shapes used to read the per-nameservice keys above.
    public static let listShape = ConfigKey<[String]>.list("(list)", default: [])
    public static let addressShape = ConfigKey<HostPort>.address("(address)", default: HostPort(host: "", port: 0))

    /// The node's name in every log line (defaults to the daemon's role and port).
    public static let nodeName = ConfigKey<String>.string("rfs.node.name", default: "", nonEmpty: false)

    /// Every fixed key, for environment overrides and the documentation check.
    public static let all: [String] = [
        defaultFS.name, blockSize.name, minBlockSize.name, maxXAttrsPerInode.name, maxXAttrSize.name, replication.name, replicationMax.name,
        bytesPerChecksum.name, checksumType.name, writePacketSize.name, fileBufferSize.name,
        listingLimit.name, trashInterval.name, trashCheckpointInterval.name, umaskMode.name, rpcFrameBytesMax.name, rpcTimeout.name,
        connectTimeout.name, connectRetriesMax.name, connectRetryInterval.name, clientRetriesMax.name, failoverMaxAttempts.name, failoverSleepBase.name,
        failoverSleepMax.name, namenodeRPCAddress.name, namenodeHTTPAddress.name, namenodeNameDir.name,
        namenodeHandlerCount.name, namenodeRPCEventLoops.name, datanodeAddress.name, datanodeHTTPAddress.name, datanodeIPCAddress.name,
        datanodeDataDirs.name, heartbeatInterval.name, heartbeatRecheckInterval.name,
        permissionsEnabled.name, superGroup.name, nameservices.name, nodeName.name, hostsExclude.name, safeModeThreshold.name,
        blockReportInterval.name, datanodeReservedBytes.name, datanodeHostname.name, scannerBytesPerSecond.name,
        scanPeriod.name, socketTimeout.name, datanodeIOThreads.name, leaseHardLimit.name,
        domainSocketPath.name, shortCircuitReads.name, domainSocketDisableInterval.name,
        haNamenodeID.name, raftTick.name, raftElectionTicks.name, raftMaxInflightAppends.name, raftLogCompactionEntries.name, checkpointInterval.name,
        namenodeReservedBytes.name, namenodeResourceCheckInterval.name, deleteIncrement.name,
    ]
}

/// One namenode of an HA nameservice.
public struct NamenodeEndpoint: Sendable, Hashable {
    public let id: String
    public let rpcAddress: HostPort

    /// Its Raft member id in an HA nameservice: a hash of its namenode id, so that every
    /// namenode and client derives the same ids whatever the list's order (never 0, which
    /// Raft reads as "none").
    public var raftMemberID: UInt64 { Self.raftMemberID(ofNamenode: id) }

    public static func raftMemberID(ofNamenode name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in ("raft-member:" + name).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return max(1, hash >> 1)
    }
}

extension Configuration {
    /// The namenodes a client should try, in order, for `fs.defaultFS`'s authority: the
    /// `dfs.ha.namenodes.<ns>` list when the authority names a nameservice, else the
    /// authority itself as one host:port (port 8020 when omitted).
    public func namenodeEndpoints(forAuthority authority: String) throws(ConfigError) -> [NamenodeEndpoint] {
        let services = try get(Keys.nameservices)
        if services.contains(authority) {
            let listKey = Keys.haNamenodesPrefix + authority
            guard let ids = try get(listKey, as: Keys.listShape), !ids.isEmpty else {
                throw .missing(key: listKey, expected: "the namenode ids of nameservice \(authority), e.g. nn1,nn2,nn3")
            }
            var endpoints: [NamenodeEndpoint] = []
            for id in ids {
                let addressKey = Keys.namenodeRPCAddressPrefix + authority + "." + id
                guard let address = try get(addressKey, as: Keys.addressShape) else {
                    throw .missing(key: addressKey, expected: "host:port of namenode \(id)")
                }
                endpoints.append(NamenodeEndpoint(id: id, rpcAddress: address))
            }
            return endpoints
        }
        let withPort = authority.contains(":") ? authority : authority + ":\(HDFSDefaults.namenodeRPCPort)"
        guard let address = HostPort(parsing: withPort) else {
            throw .invalidValue(key: Keys.defaultFS.name, value: authority, source: source(of: Keys.defaultFS.name),
                                expected: "hdfs://host[:port] or hdfs://<nameservice>")
        }
        return [NamenodeEndpoint(id: authority, rpcAddress: address)]
    }
}
