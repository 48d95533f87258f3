import Foundation
import Logging
import Metrics
import RFSMetrics
import Testing

@Suite("Metrics and logging")
struct MetricsTests {
    @Test("swift-metrics recordings appear in the Prometheus exposition")
    func exposition() {
        RFSMetrics.bootstrap()
        Counter(label: "rfs_test_calls_total", dimensions: [("method", "getFileInfo")]).increment(by: 3)
        Timer(label: "rfs_test_call_seconds").recordMilliseconds(3)
        let text = RFSMetrics.exposition()
        #expect(text.contains("# TYPE rfs_test_calls_total counter"))
        #expect(text.contains("rfs_test_calls_total{method=\"getFileInfo\"} 3"))
        #expect(text.contains("rfs_test_call_seconds_bucket{le=\"0.005\"} 1"))
    }

    @Test("one log line per event: time, level, node, label, message, sorted metadata")
    func logLine() throws {
        let pipe = Pipe()
        let sink = LogSink(fileDescriptor: pipe.fileHandleForWriting.fileDescriptor)
        var handler = NodeLogHandler(label: "rfs.rpc", nodeName: "namenode:8020", level: .info, sink: sink)
        handler[metadataKey: "peer"] = "127.0.0.1:4122"
        handler.log(event: LogEvent(level: .warning, message: "connection closed", metadata: ["reason": "idle"],
                                    source: "t", file: #fileID, function: #function, line: #line))
        handler.log(event: LogEvent(level: .debug, message: "filtered by the logger, not the handler", metadata: nil,
                                    source: "t", file: #fileID, function: #function, line: #line))
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(lines.first)
        #expect(first.hasSuffix("WARN  namenode:8020 rfs.rpc: connection closed peer=127.0.0.1:4122 reason=idle"))
        #expect(first.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#, options: .regularExpression) != nil)
    }
}
