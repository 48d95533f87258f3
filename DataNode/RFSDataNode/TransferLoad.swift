import Synchronization

/// Live data-transfer connections (HDFS's xceiver count) and outgoing replications (xmits),
/// reported in every heartbeat so the namenode can spread load.
public final class TransferLoad: Sendable {
    private let counts = Mutex((connections: 0, transfers: 0))

    public init() {}

    public var connections: Int { counts.withLock { $0.connections } }
    public var transfers: Int { counts.withLock { $0.transfers } }

    func connectionOpened() { counts.withLock { $0.connections += 1 } }
    func connectionClosed() { counts.withLock { $0.connections -= 1 } }
    func transferStarted() { counts.withLock { $0.transfers += 1 } }
    func transferEnded() { counts.withLock { $0.transfers -= 1 } }
}
