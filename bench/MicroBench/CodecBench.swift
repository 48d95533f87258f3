#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSCompression

// The codec benchmark. Names here carry a `codec` prefix (or are private) so that they never
// collide with the other benchmarks' helpers in this module.

/// For each codec, compress and decompress throughput and the compression ratio over
/// real-looking text (DataNode log lines and CSV rows) and over random bytes, at 64 KiB (a
/// data-transfer packet) and 8 MiB, through the raw-block API with a reused `CodecContext`
/// (the hot-path form). Throughput is MB/s (10^6 B/s) of uncompressed data in both
/// directions, each printed next to memcpy of the same buffer measured in the same run.
/// A last section shows what a fresh zstd context per call costs at packet size.
func runCodecBench(quick: Bool) -> [String] {
    let seconds = quick ? 0.05 : 0.5
    var lines = [
        "codec: MB/s (10^6 B/s) of uncompressed bytes; (x) = that speed / memcpy of the same buffer, same run;",
        "       ratio = compressed / original; raw blocks through a reused CodecContext",
    ]
    lines.append(codecPad(["data", "size", "codec", "ratio", "compress", "(x)", "decompress", "(x)", "memcpy"]))
    for (dataName, generate) in [("text", codecBenchText), ("random", codecBenchRandom)] {
        for size in [64 << 10, 8 << 20] {
            let input = generate(size, 0xC0DEC)
            let memcpyMBps = codecMemcpyMBps(input, seconds: seconds)
            for kind in CodecKind.allCases {
                let result = codecMeasure(Codec(kind).makeContext(), input: input, seconds: seconds)
                lines.append(codecPad([
                    dataName, codecSizeName(size), kind.rawValue, codecFormat(result.ratio, digits: 3),
                    codecFormat(result.compressMBps), codecFormat(result.compressMBps / memcpyMBps, digits: 3) + "x",
                    codecFormat(result.decompressMBps), codecFormat(result.decompressMBps / memcpyMBps, digits: 3) + "x",
                    codecFormat(memcpyMBps),
                ]))
            }
        }
    }
    lines.append(contentsOf: codecContextReuseLines(seconds: seconds))
    return lines
}

private struct CodecBenchResult {
    var ratio: Double
    var compressMBps: Double
    var decompressMBps: Double
}

private func codecMeasure(_ context: CodecContext, input: [UInt8], seconds: Double) -> CodecBenchResult {
    let compressed = UnsafeMutableRawBufferPointer.allocate(
        byteCount: context.codec.maxCompressedLength(input.count), alignment: 64)
    let restored = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count, alignment: 64)
    defer { compressed.deallocate(); restored.deallocate() }
    return input.withUnsafeBytes { source in
        var compressedCount = 0
        let compressMBps = codecMeasureMBps(bytesPerCall: input.count, minimumSeconds: seconds) {
            compressedCount = codecOrDie { () throws(CodecError) in try context.compress(source, into: compressed) }
            codecConsume(compressedCount)
        }
        let block = UnsafeRawBufferPointer(rebasing: compressed[0..<compressedCount])
        let decompressMBps = codecMeasureMBps(bytesPerCall: input.count, minimumSeconds: seconds) {
            codecConsume(codecOrDie { () throws(CodecError) in try context.decompress(block, into: restored) })
        }
        precondition(memcmp(restored.baseAddress!, source.baseAddress!, input.count) == 0,
                     "\(context.codec) did not round-trip \(input.count) bytes")
        return CodecBenchResult(ratio: Double(compressedCount) / Double(input.count),
                                compressMBps: compressMBps, decompressMBps: decompressMBps)
    }
}

/// zstd at packet size with a context reused (`CodecContext`) and with a new one per call
/// (what `Codec`'s own methods do).
private func codecContextReuseLines(seconds: Double) -> [String] {
    let input = codecBenchText(64 << 10, 7)
    let codec = Codec.zstd()
    let reused = codecMeasure(codec.makeContext(), input: input, seconds: seconds)
    let compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: codec.maxCompressedLength(input.count),
                                                            alignment: 64)
    defer { compressed.deallocate() }
    let perCall = input.withUnsafeBytes { source in
        codecMeasureMBps(bytesPerCall: input.count, minimumSeconds: seconds) {
            codecConsume(codecOrDie { () throws(CodecError) in try codec.compress(source, into: compressed) })
        }
    }
    return [
        "codec: zstd level 3 compress, 64 KiB text: context reused \(codecFormat(reused.compressMBps)) MB/s, "
            + "new context per call \(codecFormat(perCall)) MB/s "
            + "(\(codecFormat(perCall / reused.compressMBps, digits: 2))x)",
    ]
}

private func codecMemcpyMBps(_ input: [UInt8], seconds: Double) -> Double {
    let target = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count, alignment: 64)
    defer { target.deallocate() }
    return input.withUnsafeBytes { source in
        codecMeasureMBps(bytesPerCall: input.count, minimumSeconds: seconds) {
            memcpy(target.baseAddress!, source.baseAddress!, input.count)
            codecConsume(Int(target[input.count - 1]))
        }
    }
}

/// MB/s (10^6 bytes per second) of `bytesPerCall`, calling `body` in doubling batches until
/// `minimumSeconds` have passed, after a short warm-up.
private func codecMeasureMBps(bytesPerCall: Int, minimumSeconds: Double, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    for _ in 0..<max(1, min(16, (16 << 20) / bytesPerCall)) { body() }
    var calls = 0
    var batch = 1
    let start = clock.now
    var elapsed = Duration.zero
    while true {
        for _ in 0..<batch { body() }
        calls += batch
        elapsed = clock.now - start
        if codecSeconds(elapsed) >= minimumSeconds { break }
        batch *= 2
    }
    return Double(calls) * Double(bytesPerCall) / codecSeconds(elapsed) / 1e6
}

private func codecSeconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
}

/// A sink the optimizer cannot see through, so measured work is not removed.
nonisolated(unsafe) private var codecBenchSink = 0

@inline(never)
private func codecConsume(_ value: Int) { codecBenchSink &+= value }

private func codecOrDie(_ body: () throws(CodecError) -> Int) -> Int {
    do {
        return try body()
    } catch {
        fatalError("codec benchmark: \(error)")
    }
}

// MARK: Inputs

/// DataNode-style log lines interleaved with CSV audit rows, with varying numbers: text that
/// compresses about as well as real logs do (not a tiled pattern).
private func codecBenchText(_ count: Int, _ seed: UInt64) -> [UInt8] {
    var rng = CodecBenchRandom(seed: seed)
    let classes = ["datanode.DataNode", "datanode.DataXceiver", "datanode.BlockReceiver", "namenode.FSNamesystem"]
    let events = ["Receiving", "Received", "PacketResponder: terminating for", "Deleting"]
    let users = ["alice", "bob", "hdfs", "hive", "yarn"]
    var text = ""
    text.reserveCapacity(count + 256)
    var millis = 1_709_812_345_678 as UInt64
    while text.utf8.count < count {
        millis += rng.next() % 2000
        if rng.next() % 4 == 0 {
            text += "\(millis),\(users[Int(rng.next() % 5)]),open,/user/warehouse/t\(rng.next() % 40)/part-"
                + "\(rng.next() % 1000).orc,\(rng.next() % 1_000_000),true\n"
        } else {
            text += "2024-03-07 \(millis / 3_600_000 % 24):\(millis / 60_000 % 60):\(millis / 1000 % 60),"
                + "\(millis % 1000) INFO org.apache.hadoop.hdfs.server.\(classes[Int(rng.next() % 4)]): "
                + "\(events[Int(rng.next() % 4)]) BP-1198726401-10.0.0.1-1709812345678:blk_"
                + "\(1_073_741_825 + rng.next() % 100_000)_\(1001 + rng.next() % 5000) src: /10.0."
                + "\(rng.next() % 8).\(rng.next() % 250):\(40000 + rng.next() % 20000) size \(rng.next() % 134_217_728)\n"
        }
    }
    return Array(text.utf8.prefix(count))
}

private func codecBenchRandom(_ count: Int, _ seed: UInt64) -> [UInt8] {
    var rng = CodecBenchRandom(seed: seed)
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        let raw = UnsafeMutableRawBufferPointer(buffer)
        var offset = 0
        while offset + 8 <= count {
            raw.storeBytes(of: rng.next(), toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        for index in offset..<count { raw[index] = UInt8(truncatingIfNeeded: rng.next()) }
        initialized = count
    }
}

/// SplitMix64, so every run measures the same bytes.
private struct CodecBenchRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: Formatting

private func codecSizeName(_ bytes: Int) -> String {
    bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : bytes >= 1 << 10 ? "\(bytes >> 10) KiB" : "\(bytes) B"
}

private func codecFormat(_ value: Double, digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return String(rounded)
}

private func codecPad(_ columns: [String]) -> String {
    columns.map { $0.count >= 11 ? $0 + " " : $0 + String(repeating: " ", count: 11 - $0.count) }.joined()
}
