import Hummingbird
import RFSMetrics
import RFSWebHDFS

/// `/metrics` (Prometheus text) and `/jmx` (HDFS's JMX servlet shape) on every daemon. Both
/// show the same figures: `/jmx` is built from the exposition text, so nothing is counted twice.
public enum MetricsPages {
    /// One JMX bean: `name` as HDFS writes it (`Hadoop:service=NameNode,name=FSNamesystem`).
    public struct Bean: Sendable {
        public var name: String
        public var attributes: [(String, JSON)]
        public init(name: String, attributes: [(String, JSON)]) {
            self.name = name
            self.attributes = attributes
        }
    }

    public static func metrics() -> Response {
        Replies.text(RFSMetrics.exposition(), contentType: RFSMetrics.contentType)
    }

    /// `/jmx[?qry=pattern]`: the daemon's own beans, then one `name=RFSMetrics` bean with
    /// every Prometheus sample (`metric{labels}` → value). `qry` matches names with `*`
    /// wildcards, as Hadoop's JMXJsonServlet does.
    public static func jmx(service: String, beans: [Bean], query: String?) -> Response {
        var all = beans
        all.append(Bean(name: "Hadoop:service=\(service),name=RFSMetrics", attributes: samples(RFSMetrics.exposition())))
        let selected = all.filter { bean in query.map { pattern in wildcardMatch(pattern, bean.name) } ?? true }
        let rendered: [JSON] = selected.map { bean in
            let header: [(String, JSON)] = [("name", .string(bean.name)), ("modelerType", .string(modelerType(bean.name)))]
            return JSON.object(header + bean.attributes)
        }
        let json = JSON.object([("beans", .array(rendered))])
        // HDFS's servlet answers JSON with a content type; scripts (not Hadoop's client) read it.
        return Replies.text(json.rendered, contentType: "application/json; charset=utf-8")
    }

    static func modelerType(_ name: String) -> String {
        name.split(separator: ",").last.map { String($0.split(separator: "=").last ?? "") } ?? name
    }

    /// Every sample line of a Prometheus exposition as (series, value).
    public static func samples(_ text: String) -> [(String, JSON)] {
        var result: [(String, JSON)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = String(line[..<space])
            let valueText = line[line.index(after: space)...]
            if let integer = Int64(valueText) {
                result.append((series, .int(integer)))
            } else if let value = Double(valueText) {
                result.append((series, .double(value)))
            }
        }
        return result
    }

    static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return pattern == text }
        var rest = Substring(text)
        for (index, part) in parts.enumerated() {
            if index == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if index == parts.count - 1 {
                return part.isEmpty || rest.hasSuffix(part)
            } else if !part.isEmpty {
                guard let found = rest.range(of: part) else { return false }
                rest = rest[found.upperBound...]
            }
        }
        return true
    }
}
