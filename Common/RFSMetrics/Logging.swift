#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// rfs's log format, for operators: one line per event, the node's name, then the message
/// and its metadata sorted by key.
///
///     2026-11-25T23:08:23.123Z INFO  namenode:8020 rfs.rpc: connection closed peer=127.0.0.1:4122 reason=idle
public struct NodeLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let nodeName: String
    private let sink: LogSink

    public init(label: String, nodeName: String, level: Logger.Level, sink: LogSink = .standardError) {
        self.label = label
        self.nodeName = nodeName
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = "\(Self.timestamp()) \(Self.levelName(event.level)) \(nodeName) \(label): \(event.message)"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += "\n"
        sink.write(line)
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO "
        case .notice: "NOTE "
        case .warning: "WARN "
        case .error: "ERROR"
        case .critical: "CRIT "
        }
    }

    /// UTC, millisecond precision, ISO 8601: sortable and unambiguous across hosts.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.tv_nsec) / 1_000_000
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}

/// Where log lines go. Each line is written with one `write(2)`, so concurrent lines from
/// several threads never interleave mid-line.
public struct LogSink: Sendable {
    let fileDescriptor: Int32

    /// Lines go to `fileDescriptor`, which the caller keeps open.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    public static let standardError = LogSink(fileDescriptor: 2)
    public static let standardOutput = LogSink(fileDescriptor: 1)

    func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                #if canImport(Glibc)
                let written = Glibc.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                let written = Darwin.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

public enum RFSLogging {
    /// Installs `NodeLogHandler` for the whole process. Call once, first thing in a daemon.
    /// `RFS_LOG_LEVEL` (trace, debug, info, notice, warning, error, critical) overrides `level`.
    public static func bootstrap(nodeName: String, level: Logger.Level = .info) {
        let override = getenv("RFS_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0).lowercased()) }
        let effective = override ?? level
        LoggingSystem.bootstrap { label in
            NodeLogHandler(label: label, nodeName: nodeName, level: effective)
        }
    }
}
