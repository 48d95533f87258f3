import Foundation

/// Raw TCP connections to a loopback port, for tests of servers as they stop: no NIO, no
/// client library, just the kernel's connect.
public enum LoopbackProbe {
    /// A socket connected to 127.0.0.1:`port`, nil when the connect fails. The caller closes it.
    public static func connect(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        if connected { return descriptor }
        close(descriptor)
        return nil
    }

    /// Connects and closes at once; whether the connect succeeded.
    public static func connectAndClose(port: Int) -> Bool {
        guard let descriptor = connect(port: port) else { return false }
        close(descriptor)
        return true
    }
}

/// Threads connecting to a port and closing, as fast as they can, until `finish`: what a
/// server sees from many clients while it stops.
public final class ConnectionHammer: @unchecked Sendable {
    // @unchecked: `stopped` and `connects` are only touched under `lock`.
    private let lock = NSLock()
    private var stopped = false
    private var connects = 0
    private let done = DispatchGroup()

    public init(port: Int, threads: Int) {
        for _ in 0..<threads {
            done.enter()
            Thread {
                while !self.lock.withLock({ self.stopped }) {
                    if LoopbackProbe.connectAndClose(port: port) { self.lock.withLock { self.connects += 1 } }
                }
                self.done.leave()
            }.start()
        }
    }

    /// Connections made so far.
    public var count: Int { lock.withLock { connects } }

    public func finish() {
        lock.withLock { stopped = true }
        done.wait()
    }
}
