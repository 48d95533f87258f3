#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSChecksum

/// Throughput of a closure over `bytesPerCall`, repeated until `minimumSeconds` have passed.
/// Returns GB/s (10^9 bytes per second).
func measureGBps(bytesPerCall: Int, minimumSeconds: Double, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    // Warm up caches and the branch predictor first.
    for _ in 0..<16 { body() }
    var calls = 0
    var batch = max(1, (1 << 24) / max(bytesPerCall, 1))
    let start = clock.now
    var elapsed = Duration.zero
    while true {
        for _ in 0..<batch { body() }
        calls += batch
        elapsed = clock.now - start
        if elapsed.seconds >= minimumSeconds { break }
        batch *= 2
    }
    return Double(calls) * Double(bytesPerCall) / elapsed.seconds / 1e9
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// A sink the optimizer cannot see through, so measured work is not removed.
nonisolated(unsafe) var benchSink: UInt64 = 0

@inline(never)
func consume(_ value: UInt32) { benchSink &+= UInt64(value) }

/// The checksum benchmark: CRC32C and CRC32 whole-buffer and HDFS-chunked (512-byte chunks)
/// over 512 B, 64 KiB and 8 MiB buffers, each next to memcpy of the same buffer in the same run.
func runChecksumBench(quick: Bool) -> [String] {
    let seconds = quick ? 0.05 : 0.5
    var lines = ["checksum: GB/s (10^9 B/s); ratio = checksum speed / memcpy speed of the same buffer, same run"]
    lines.append(pad(["size", "memcpy", "crc32c", "ratio", "crc32c/512", "ratio", "crc32", "crc32/512"]))
    for size in [512, 65_536, 8 << 20] {
        let source = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        let target = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { source.deallocate(); target.deallocate() }
        for i in 0..<size { source[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        let data = UnsafeRawBufferPointer(source)
        let chunked = ChunkedChecksum.hdfsDefault
        let chunkedCRC32 = ChunkedChecksum(type: .crc32, bytesPerChecksum: 512)
        let sums = UnsafeMutableRawBufferPointer.allocate(
            byteCount: chunked.checksumsLength(forDataLength: size), alignment: 16)
        defer { sums.deallocate() }

        let memcpyGBps = measureGBps(bytesPerCall: size, minimumSeconds: seconds) {
            memcpy(target.baseAddress!, source.baseAddress!, size)
            consume(UInt32(target[size - 1]))
        }
        let crc32c = measureGBps(bytesPerCall: size, minimumSeconds: seconds) {
            consume(CRC32C.checksum(data))
        }
        let crc32cChunked = measureGBps(bytesPerCall: size, minimumSeconds: seconds) {
            chunked.compute(data, into: sums)
            consume(UInt32(sums[0]))
        }
        let crc32 = measureGBps(bytesPerCall: size, minimumSeconds: seconds) {
            consume(CRC32.checksum(data))
        }
        let crc32Chunked = measureGBps(bytesPerCall: size, minimumSeconds: seconds) {
            chunkedCRC32.compute(data, into: sums)
            consume(UInt32(sums[0]))
        }
        lines.append(pad([
            sizeName(size), fmt(memcpyGBps), fmt(crc32c), fmt(crc32c / memcpyGBps) + "x",
            fmt(crc32cChunked), fmt(crc32cChunked / memcpyGBps) + "x", fmt(crc32), fmt(crc32Chunked),
        ]))
    }
    return lines
}

func sizeName(_ bytes: Int) -> String {
    if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
    if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
    return "\(bytes) B"
}

func fmt(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return String(rounded)
}

func pad(_ columns: [String]) -> String {
    columns.map { $0.count >= 11 ? $0 + " " : $0 + String(repeating: " ", count: 11 - $0.count) }.joined()
}
