#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times as FsShell prints them: `-ls` in the local time zone (`yyyy-MM-dd HH:mm`), `-stat`
/// in UTC (`yyyy-MM-dd HH:mm:ss`).
public enum DateFormat {
    public static func listing(milliseconds: Int64) -> String {
        let parts = brokenDown(milliseconds: milliseconds, utc: false)
        return "\(parts.date) \(two(parts.hour)):\(two(parts.minute))"
    }

    public static func statUTC(milliseconds: Int64) -> String {
        let parts = brokenDown(milliseconds: milliseconds, utc: true)
        return "\(parts.date) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
    }

    static func brokenDown(milliseconds: Int64, utc: Bool) -> (date: String, hour: Int, minute: Int, second: Int) {
        // Java's Date floors negative milliseconds toward the earlier second.
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        let year = Int(parts.tm_year) + 1900
        let date = "\(year < 1000 ? String(repeating: "0", count: 4 - String(year).count) : "")\(year)-\(two(Int(parts.tm_mon) + 1))-\(two(Int(parts.tm_mday)))"
        return (date, Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
