import NIOCore
import RFSModel

extension EventLoopGroup {
    /// Makes every loop thread of the group a throughput thread (`CurrentThread.preferThroughput`).
    /// For load generators that share the machine with the server they measure: a reply wakes
    /// the client's loop, which would otherwise preempt the server's thread mid-burst — once per
    /// reply — although a client on another machine never takes the server's core.
    public func preferThroughputOnEveryLoop() async throws {
        for loop in makeIterator() {
            try await loop.submit { CurrentThread.preferThroughput() }.get()
        }
    }
}
