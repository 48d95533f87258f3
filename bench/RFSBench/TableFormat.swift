import Foundation

/// The text table `rfs bench` prints: one line per figure with its latencies, then its
/// baselines each with the ratio (the headline) and the goal when there is one. Pure.
public enum TableFormat {
    public static func render(_ report: BenchReport) -> String {
        var lines: [String] = []
        let m = report.machine
        lines.append("rfs bench — \(report.command) — \(report.startedAt)")
        lines.append("machine: \(m.cpu), \(m.cores) cores, \(format(m.memoryGiB, digits: 1)) GiB, \(m.kernel); disk: \(m.disk)")
        if !report.settings.isEmpty {
            lines.append("settings: " + report.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if report.stoppedEarly { lines.append("stopped early: the rows below are what was measured before the stop") }
        lines.append("")
        let header = pad("figure", 40) + lpad("value", 11) + " " + pad("unit", 8) + lpad("mean", 9) + lpad("p50", 9) + lpad("p99", 9)
            + lpad("p99.9", 9) + lpad("e/fsync", 8) + "  | " + pad("baseline (same run)", 40) + lpad("value", 11) + " " + pad("unit", 8)
            + lpad("ratio", 8) + lpad("goal", 8)
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        for row in report.rows {
            var left = pad(row.name, 40) + lpad(row.value.map { number($0) } ?? "n/a", 11) + " " + pad(row.unit, 8)
            if let latency = row.latency {
                left += lpad(millis(latency.meanMicros), 9) + lpad(millis(latency.p50Micros), 9) + lpad(millis(latency.p99Micros), 9)
                    + lpad(millis(latency.p999Micros), 9)
            } else {
                left += String(repeating: " ", count: 36)
            }
            left += lpad(row.entriesPerFsync.map { format($0, digits: 1) } ?? "", 8)
            let blank = String(repeating: " ", count: left.count)
            if row.baselines.isEmpty {
                lines.append(left + "  |")
            }
            for (index, baseline) in row.baselines.enumerated() {
                let ratio = row.ratio(to: baseline)
                var right = pad(baseline.name, 40) + lpad(baseline.value.map { number($0) } ?? "n/a", 11) + " " + pad(baseline.unit, 8)
                    + lpad(ratio.map { format($0, digits: 2) + "x" } ?? "", 8)
                if let goal = baseline.goal {
                    let met = ratio.map { $0 >= goal ? " ok" : " MISS" } ?? ""
                    right += lpad("≥" + format(goal, digits: 1) + "x", 8) + met
                }
                if let note = baseline.note { right += "  (\(note))" }
                lines.append((index == 0 ? left : blank) + "  | " + right)
            }
            if let note = row.note { lines.append("    ↳ \(note)") }
        }
        lines.append("")
        lines.append("latencies in ms (HDR histogram); e/fsync = namenode WAL entries per fsync in that phase; ratio = figure / baseline")
        return lines.joined(separator: "\n")
    }

    /// Thousands separated, no decimals above 100, two below (ratios and small rates stay readable).
    public static func number(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "\(value)" }
        if abs(value) >= 100 {
            let rounded = Int(value.rounded())
            let digits = String(abs(rounded))
            var grouped = ""
            for (index, character) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
                grouped.append(character)
            }
            return (rounded < 0 ? "-" : "") + grouped
        }
        return format(value, digits: 2)
    }

    static func millis(_ micros: Double) -> String {
        let ms = micros / 1000
        return ms >= 100 ? format(ms, digits: 0) : ms >= 10 ? format(ms, digits: 1) : format(ms, digits: 2)
    }

    static func format(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
