// The Swift-client half of `make bench-libhdfs`: the same sequential write and read as
// hdfs_bench.c, through RFSClient directly, so the two figures differ only by the C API.
//
//   rfs-client-bench hdfs://host:port /path size-mib chunk-kib
// prints: swift <write MB/s> <read MB/s>
import Foundation
import RFSClient

let arguments = CommandLine.arguments
guard arguments.count == 5, let sizeMiB = Int(arguments[3]), let chunkKiB = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: rfs-client-bench hdfs://host:port /path size-mib chunk-kib\n".utf8))
    exit(2)
}
let path = arguments[2]
let size = sizeMiB << 20
let chunk = chunkKiB << 10
let fileSystem = try FileSystem(uri: arguments[1])
let source = [UInt8]((0..<chunk).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) })

// The loops run in nonisolated functions, on the global executor as a Swift service's would;
// top-level code would run them on the main actor, hopping to the main thread at every await.
func writeFile(_ fileSystem: FileSystem, _ path: String, size: Int, source: [UInt8]) async throws -> Duration {
    let start = ContinuousClock.now
    let output = try await fileSystem.create(path, overwrite: true)
    var written = 0
    while written < size {
        let count = min(source.count, size - written)
        try await output.write(source[..<count])
        written += count
    }
    try await output.close()
    return ContinuousClock.now - start
}

func readFile(_ fileSystem: FileSystem, _ path: String, chunk: Int) async throws -> (Duration, Int) {
    let start = ContinuousClock.now
    let input = try await fileSystem.open(path)
    // The stream writes into the buffer only while this function awaits it.
    struct Lent: @unchecked Sendable { let bytes: UnsafeMutableRawBufferPointer }
    let buffer = Lent(bytes: .allocate(byteCount: chunk, alignment: 16))
    defer { buffer.bytes.deallocate() }
    var read = 0
    while true {
        let count = try await input.read(into: buffer.bytes)
        if count == 0 { break }
        read += count
    }
    await input.close()
    return (ContinuousClock.now - start, read)
}

let writeTime = try await writeFile(fileSystem, path, size: size, source: source)
let (readTime, read) = try await readFile(fileSystem, path, chunk: chunk)
await fileSystem.close()
guard read == size else { fatalError("read \(read) bytes of \(size)") }

func megabytesPerSecond(_ duration: Duration) -> Double {
    Double(size) / 1e6 / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}
print(String(format: "swift %.1f %.1f", megabytesPerSecond(writeTime), megabytesPerSecond(readTime)))
