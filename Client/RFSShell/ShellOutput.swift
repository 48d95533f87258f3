#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a shell command writes: the process's stdout and stderr, or buffers in tests.
public protocol ShellOutput: AnyObject {
    func write(_ text: String, error: Bool)
    /// File contents to stdout, byte for byte (-cat, -text).
    func writeBytes(_ bytes: [UInt8])
}

extension ShellOutput {
    public func writeBytes(_ bytes: [UInt8]) { write(String(decoding: bytes, as: UTF8.self), error: false) }
}

extension ShellOutput {
    func printLine(_ line: String) { write(line + "\n", error: false) }
    func printError(_ line: String) { write(line + "\n", error: true) }
}

/// stdout and stderr of the process, written unbuffered (write(2)) so the two interleave as printed.
public final class StandardShellOutput: ShellOutput {
    public init() {}

    public func write(_ text: String, error: Bool) {
        writeAll(Array(text.utf8)[...], to: error ? 2 : 1)
    }

    public func writeBytes(_ bytes: [UInt8]) {
        writeAll(bytes[...], to: 1)
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) {
        var bytes = bytes
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in systemWrite(descriptor, buffer.baseAddress, buffer.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe: nothing more can be shown
            }
            bytes = bytes.dropFirst(written)
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Both streams kept in memory (tests).
public final class CapturedShellOutput: ShellOutput {
    public private(set) var standardOutput = ""
    public private(set) var standardError = ""

    public init() {}

    public func write(_ text: String, error: Bool) {
        if error { standardError += text } else { standardOutput += text }
    }
}
