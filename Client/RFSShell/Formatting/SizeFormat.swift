/// Sizes as FsShell prints them: plain bytes, or with `-h` Hadoop's
/// `TraditionalBinaryPrefix.long2String(n, "", 1)` (`0`, `1023`, `1 K`, `1.5 K`, `128 M`).
public enum SizeFormat {
    static let prefixes: [(symbol: String, shift: Int)] = [("K", 10), ("M", 20), ("G", 30), ("T", 40), ("P", 50), ("E", 60)]

    public static func format(_ bytes: Int64, humanReadable: Bool) -> String {
        humanReadable ? human(bytes) : String(bytes)
    }

    public static func human(_ value: Int64) -> String {
        if value == Int64.min { return "-8 E" }
        let sign = value < 0 ? "-" : ""
        let n = value.magnitude
        guard n >= 1024 else { return sign + String(n) }
        var index = 0
        while index + 1 < prefixes.count, n >= UInt64(1) << UInt64(prefixes[index + 1].shift) { index += 1 }
        var prefix = prefixes[index]
        let mask = (UInt64(1) << UInt64(prefix.shift)) - 1
        if n & mask == 0 {
            return sign + String(n >> UInt64(prefix.shift)) + " " + prefix.symbol
        }
        var text = oneDecimal(Double(n) / Double(UInt64(1) << UInt64(prefix.shift)))
        // 1023.96 K rounds to "1024.0"; Hadoop then moves to the next prefix.
        if text.hasPrefix("1024"), index + 1 < prefixes.count {
            prefix = prefixes[index + 1]
            text = oneDecimal(Double(n) / Double(UInt64(1) << UInt64(prefix.shift)))
        }
        return sign + text + " " + prefix.symbol
    }

    /// Java's `%.1f` (half-up on the decimal value).
    static func oneDecimal(_ value: Double) -> String {
        let tenths = (value * 10).rounded(.toNearestOrAwayFromZero)
        let whole = Int64(tenths) / 10
        let fraction = Int64(tenths) % 10
        return "\(whole).\(fraction)"
    }

    /// Java's `%.2f`, for percentages in reports.
    public static func twoDecimals(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity") }
        let hundredths = Int64((value * 100).rounded(.toNearestOrAwayFromZero))
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Hadoop's `StringUtils.formatPercent(fraction, 0)` (`NaN%` for 0/0).
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return fraction.isNaN ? "NaN%" : "Infinity%" }
        return String(Int64((fraction * 100).rounded(.toNearestOrAwayFromZero))) + "%"
    }

    /// Hadoop's `StringUtils.formatPercent(fraction, 2)`.
    public static func percentTwoDecimals(_ fraction: Double) -> String {
        twoDecimals(fraction * 100) + "%"
    }

    /// Hadoop's `StringUtils.byteDesc`: `long2String(n, "B", 2)` (`0 B`, `1.50 KB`, `128 MB`).
    public static func byteDescription(_ bytes: Int64) -> String {
        let n = bytes.magnitude
        guard n >= 1024 else { return "\(bytes) B" }
        var index = 0
        while index + 1 < prefixes.count, n >= UInt64(1) << UInt64(prefixes[index + 1].shift) { index += 1 }
        let prefix = prefixes[index]
        let sign = bytes < 0 ? "-" : ""
        let mask = (UInt64(1) << UInt64(prefix.shift)) - 1
        let number = n & mask == 0 ? String(n >> UInt64(prefix.shift))
            : twoDecimals(Double(n) / Double(UInt64(1) << UInt64(prefix.shift)))
        return sign + number + " " + prefix.symbol + "B"
    }
}

/// Java's `String.format("%Ns")` and `("%-Ns")`.
public enum Padding {
    public static func left(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    public static func right(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
