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

let writeStart = ContinuousClock.now
let output = try await fileSystem.create(path, overwrite: true)
var written = 0
while written < size {
    let count = min(chunk, size - written)
    try await output.write(source[..<count])
    written += count
}
try await output.close()
let writeTime = ContinuousClock.now - writeStart

let readStart = ContinuousClock.now
let input = try await fileSystem.open(path)
let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
var read = 0
while true {
    let count = try await input.read(into: buffer)
    if count == 0 { break }
    read += count
}
let readTime = ContinuousClock.now - readStart
buffer.deallocate()
await fileSystem.close()
guard read == size else { fatalError("read \(read) bytes of \(size)") }

func megabytesPerSecond(_ duration: Duration) -> Double {
    Double(size) / 1e6 / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}
print(String(format: "swift %.1f %.1f", megabytesPerSecond(writeTime), megabytesPerSecond(readTime)))
