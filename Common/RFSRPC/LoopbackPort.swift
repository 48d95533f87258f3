#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// TCP ports on the loopback for daemons this process starts (the minicluster's, the benches'):
/// free ones to hand them, chosen where nothing else is likely to take them before the daemon
/// binds them, and whether one listens yet.
public enum LoopbackPort {
    /// The lowest port handed out; below it are the well-known and HDFS's default ports.
    static let lowest = 10_000
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port nothing is bound to on 127.0.0.1 now and not handed out before by this process,
    /// below the kernel's ephemeral range when there is room there: a port from that range
    /// can be given to any process's outgoing connection between this call and the daemon's
    /// bind. Nil when no port can be bound at all.
    public static func free() -> Int? {
        let highest = ephemeralRangeStart() - 1
        if highest - lowest >= 1000 {
            for _ in 0..<1000 {
                let port = Int.random(in: lowest...highest)
                if isBindable(port), handedOut.withLock({ $0.insert(port).inserted }) { return port }
            }
        }
        // No room below the ephemeral range on this machine: one the kernel picks.
        for _ in 0..<100 {
            if let port = kernelChosen(), handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        return nil
    }

    /// The first port of `/proc/sys/net/ipv4/ip_local_port_range` (Linux's default when unreadable).
    static func ephemeralRangeStart() -> Int {
        let fallback = 32_768
        guard let file = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r") else { return fallback }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = fread(&buffer, 1, buffer.count - 1, file)
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? fallback
    }

    /// Binds `port` on 127.0.0.1 (then lets it go): whether nothing holds it now.
    static func isBindable(_ port: Int) -> Bool {
        bound(port: port) != nil
    }

    private static func kernelChosen() -> Int? {
        bound(port: 0)
    }

    /// Whether something accepts connections on `host`:`port` now (an IPv4 literal): a
    /// daemon just started has bound its port, or another process holds one wanted.
    public static func isListening(port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard var address = ipv4(host: host, port: port) else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Binds a TCP socket to 127.0.0.1:`port` and returns the port it got, closing it again.
    private static func bound(port: Int) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard var address = ipv4(host: "127.0.0.1", port: port) else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return ok ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    private static func ipv4(host: String, port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}
