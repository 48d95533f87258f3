#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Histogram

/// The machine's own limits, measured in the same run as the figures they bound: what a
/// durable log, a disk, the loopback and memory can do with no filesystem in between.
/// Each runs on plain threads (blocking system calls), never on Swift's task pool.
public enum Baselines {
    public struct FsyncResult: Sendable {
        public var perSecond: Double
        public var latency: LatencySummary?
    }

    /// One 200-byte append + fdatasync per call, for `seconds`: what a log that fsyncs every
    /// edit alone can do, and the latency one fsync costs.
    public static func fsync(directory: String, seconds: Double) -> FsyncResult {
        let path = directory + "/fsync-probe-\(getpid())"
        let fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_TRUNC, 0o644)
        guard fd >= 0 else { return FsyncResult(perSecond: 0, latency: nil) }
        defer { close(fd); unlink(path) }
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        let record = [UInt8](repeating: 0x5A, count: 200)
        let start = ContinuousClock.now
        var count = 0
        while (ContinuousClock.now - start).seconds < seconds, !BenchInterrupt.isRequested {
            let began = ContinuousClock.now
            _ = record.withUnsafeBytes { write(fd, $0.baseAddress, 200) }
            fdatasync(fd)
            _ = histogram.record(UInt64(max(1, (ContinuousClock.now - began).microseconds)))
            count += 1
        }
        let summary = LatencySummary(count: count, meanMicros: histogram.mean, p50Micros: Double(histogram.valueAtPercentile(50)),
                                     p99Micros: Double(histogram.valueAtPercentile(99)), p999Micros: Double(histogram.valueAtPercentile(99.9)),
                                     maxMicros: Double(histogram.max))
        return FsyncResult(perSecond: Double(count) / (ContinuousClock.now - start).seconds, latency: count > 0 ? summary : nil)
    }

    /// Sequential writes of `copies` files of `bytes` each at once (one thread each, 1 MiB
    /// writes, fdatasync at the end), as a 3-replica pipeline writes three replicas on this
    /// one disk. Returns one copy's MiB/s: the bound for user bytes written with replication
    /// `copies` on a single-disk machine. The files are left for `sequentialRead`.
    public static func sequentialWrite(directory: String, copies: Int, bytes: Int) -> Double {
        let chunk = randomBytes(1 << 20)
        let start = ContinuousClock.now
        onThreads(copies) { index in
            let fd = open(directory + "/disk-copy-\(index)", O_CREAT | O_WRONLY | O_TRUNC, 0o644)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var written = 0
            chunk.withUnsafeBytes { buffer in
                while written < bytes {
                    let n = write(fd, buffer.baseAddress, min(buffer.count, bytes - written))
                    if n <= 0 { return }
                    written += n
                }
            }
            fdatasync(fd)
        }
        return Double(bytes) / Double(1 << 20) / (ContinuousClock.now - start).seconds
    }

    /// Reads the first copy `sequentialWrite` left, 1 MiB at a time, after emptying the page
    /// cache when allowed (root), then removes the copies. MiB/s and whether the cache was cold.
    public static func sequentialRead(directory: String, copies: Int) -> (mibPerSecond: Double, cold: Bool) {
        defer { for index in 0..<copies { unlink(directory + "/disk-copy-\(index)") } }
        let cold = dropPageCache()
        let fd = open(directory + "/disk-copy-0", O_RDONLY)
        guard fd >= 0 else { return (0, cold) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        var total = 0
        let start = ContinuousClock.now
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n <= 0 { break }
            total += n
        }
        return (Double(total) / Double(1 << 20) / (ContinuousClock.now - start).seconds, cold)
    }

    /// Empties the page cache (root only) so reads come from the disk; false when not allowed.
    @discardableResult
    public static func dropPageCache() -> Bool {
        sync()
        let fd = open("/proc/sys/vm/drop_caches", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "3\n", 2) == 2
    }

    /// One TCP stream over 127.0.0.1 (a sender thread and a receiver thread, 1 MiB writes),
    /// for `seconds`: the loopback bound for the data path (a packet crosses it twice per
    /// replica in a pipeline). MiB/s.
    public static func loopbackTCP(seconds: Double) -> Double {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { return 0 }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard ready else { return 0 }
        let port = address.sin_port
        let received = ByteCount()
        let start = ContinuousClock.now
        onThreads(2) { index in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { buffer.deallocate() }
            if index == 0 {
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else { return }
                defer { close(fd) }
                while true {
                    let n = read(fd, buffer.baseAddress, buffer.count)
                    if n <= 0 { break }
                    received.add(n)
                }
            } else {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var peer = sockaddr_in()
                peer.sin_family = sa_family_t(AF_INET)
                peer.sin_addr.s_addr = inet_addr("127.0.0.1")
                peer.sin_port = port
                let connected = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
                }
                guard connected else { return }
                memset(buffer.baseAddress!, 0x42, buffer.count)
                while (ContinuousClock.now - start).seconds < seconds {
                    if write(fd, buffer.baseAddress, buffer.count) <= 0 { break }
                }
                shutdown(fd, Int32(SHUT_WR))
            }
        }
        return Double(received.value) / Double(1 << 20) / (ContinuousClock.now - start).seconds
    }

    /// memcpy of a 64 MiB buffer (larger than the caches) for `seconds`: the bound for any
    /// copy on the data path. MiB/s.
    public static func memcpyRate(seconds: Double) -> Double {
        let size = 64 << 20
        let source = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        let destination = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { source.deallocate(); destination.deallocate() }
        memset(source.baseAddress!, 0x17, size)
        memset(destination.baseAddress!, 0, size)
        var copies = 0
        let start = ContinuousClock.now
        while (ContinuousClock.now - start).seconds < seconds {
            memcpy(destination.baseAddress!, source.baseAddress!, size)
            copies += 1
        }
        return Double(copies * 64) / (ContinuousClock.now - start).seconds
    }

    /// Random bytes (so no layer can compress or dedupe them), from /dev/urandom in one read.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let fd = open("/dev/urandom", O_RDONLY)
        if fd >= 0 {
            bytes.withUnsafeMutableBytes { buffer in
                var done = 0
                while done < count {
                    let n = read(fd, buffer.baseAddress! + done, count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
            close(fd)
        }
        return bytes
    }
}

/// A byte counter shared by baseline threads.
final class ByteCount: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) { lock.lock(); total += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return total }
}

/// Runs `body(0..<count)` each on its own OS thread and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchSemaphore(value: 0)
    for index in 0..<count {
        let thread = Thread {
            body(index)
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    for _ in 0..<count { done.wait() }
}
