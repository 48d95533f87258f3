#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSCompression

/// A small deterministic generator (SplitMix64) so that every input, and so every failure,
/// replays exactly from its seed.
struct SplitMix64: RandomNumberGenerator {
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

enum TestData {
    /// Incompressible bytes, written eight at a time.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var offset = 0
            while offset + 8 <= count {
                raw.storeBytes(of: rng.next(), toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            if offset < count {
                var last = rng.next()
                withUnsafeBytes(of: &last) { raw.slice(offset..<count).copyMemory(from: $0.slice(0..<count - offset)) }
            }
            initialized = count
        }
    }

    /// The same short phrase over and over: compresses extremely well.
    static func repetitive(_ count: Int) -> [UInt8] {
        tile(Array("rfs block replica ".utf8), to: count)
    }

    /// DataNode-style log lines with varying timestamps, block ids, addresses and sizes.
    static func logLines(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        let levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN"]
        let classes = ["datanode.DataNode", "datanode.DataXceiver", "datanode.BlockReceiver",
                       "namenode.FSNamesystem", "datanode.fsdataset.impl.FsDatasetImpl"]
        let events = ["Receiving", "Received", "PacketResponder: terminating for", "Deleting",
                      "Scheduled replication of"]
        var text = ""
        var millis = 1_709_812_345_678 as UInt64
        while text.utf8.count < count {
            millis += rng.next() % 2000
            let block = 1_073_741_825 + rng.next() % 100_000
            let event = events[Int(rng.next() % UInt64(events.count))]
            text += "2024-03-07 \(millis / 3_600_000 % 24):\(millis / 60_000 % 60):\(millis / 1000 % 60),"
                + "\(millis % 1000) \(levels[Int(rng.next() % UInt64(levels.count))]) "
                + "org.apache.hadoop.hdfs.server.\(classes[Int(rng.next() % UInt64(classes.count))]): "
                + "\(event) BP-1198726401-10.0.0.1-1709812345678:blk_\(block)_\(1001 + rng.next() % 5000) "
                + "src: /10.0.\(rng.next() % 8).\(rng.next() % 250):\(40000 + rng.next() % 20000) "
                + "dest: /10.0.\(rng.next() % 8).\(rng.next() % 250):9866 size \(rng.next() % 134_217_728)\n"
        }
        return Array(text.utf8.prefix(count))
    }

    /// CSV rows of a made-up audit table.
    static func csvRows(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        let users = ["alice", "bob", "carol", "dave", "hdfs", "yarn", "hive"]
        let commands = ["open", "create", "rename", "delete", "listStatus", "getfileinfo", "mkdirs"]
        var text = "id,time_ms,user,cmd,src,bytes,allowed\n"
        var id = 0
        while text.utf8.count < count {
            id += 1
            text += "\(id),\(1_709_812_345_678 + UInt64(id) * 37 + rng.next() % 37),"
                + "\(users[Int(rng.next() % UInt64(users.count))]),"
                + "\(commands[Int(rng.next() % UInt64(commands.count))]),"
                + "/user/warehouse/t\(rng.next() % 40)/part-\(rng.next() % 1000).orc,"
                + "\(rng.next() % 1_000_000),\(rng.next() % 20 == 0 ? "false" : "true")\n"
        }
        return Array(text.utf8.prefix(count))
    }

    /// Large, real-looking input built fast: a 64 KiB log-line pattern, copied rotated by a
    /// random offset into each 64 KiB segment, with 32 random printable 8-byte patches per
    /// segment so that no two segments are identical.
    static func largeRealLooking(_ count: Int, seed: UInt64) -> [UInt8] {
        let segmentBytes = 64 << 10
        let pattern = logLines(segmentBytes, seed: seed)
        var rng = SplitMix64(seed: seed ^ 0xA5A5)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            pattern.withUnsafeBytes { source in
                var offset = 0
                while offset < count {
                    let length = min(segmentBytes, count - offset)
                    let rotation = Int(rng.next() % UInt64(segmentBytes))
                    let head = min(length, segmentBytes - rotation)
                    output.slice(offset..<offset + head).copyMemory(from: source.slice(rotation..<rotation + head))
                    if head < length {
                        output.slice(offset + head..<offset + length).copyMemory(from: source.slice(0..<length - head))
                    }
                    for _ in 0..<32 where length >= 8 {
                        let at = offset + Int(rng.next() % UInt64(length - 7))
                        let printable = (rng.next() & 0x3F3F_3F3F_3F3F_3F3F) | 0x2020_2020_2020_2020
                        output.storeBytes(of: printable, toByteOffset: at, as: UInt64.self)
                    }
                    offset += length
                }
            }
            initialized = count
        }
    }

    static func tile(_ pattern: [UInt8], to count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            pattern.withUnsafeBytes { source in
                var offset = 0
                while offset < count {
                    let length = min(source.count, count - offset)
                    output.slice(offset..<offset + length).copyMemory(from: source.slice(0..<length))
                    offset += length
                }
            }
            initialized = count
        }
    }
}

extension UnsafeRawBufferPointer {
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self[range]) }
}

extension UnsafeMutableRawBufferPointer {
    func slice(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }
}

/// Whether two byte arrays are equal, by memcmp: `==` on large arrays is slow in debug
/// builds, and `#expect(a == b)` would print both arrays when it fails.
func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in a.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
}

/// Big-endian helpers for building Hadoop block streams by hand.
func bigEndian32(_ value: Int) -> [UInt8] {
    let v = UInt32(truncatingIfNeeded: value)
    return [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
}

/// A raw block of `input` through the buffer API, sized to what was written.
func rawBlock(_ codec: Codec, _ input: [UInt8]) throws -> [UInt8] {
    var output = [UInt8](repeating: 0, count: codec.maxCompressedLength(input.count))
    let written = try input.withUnsafeBytes { source in
        try output.withUnsafeMutableBytes { try codec.compress(source, into: $0) }
    }
    return Array(output.prefix(written))
}

/// Decompresses a raw block into a buffer of `capacity` bytes; returns what was written.
func rawDecompress(_ codec: Codec, _ block: [UInt8], capacity: Int) throws(CodecError) -> [UInt8] {
    var output = [UInt8](repeating: 0, count: capacity)
    var result: Result<Int, CodecError> = .success(0)
    block.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { target in
            result = Result { () throws(CodecError) in try codec.decompress(source, into: target) }
        }
    }
    return Array(output.prefix(try result.get()))
}
