/// The names and ages of trash checkpoints, as HDFS's TrashPolicyDefault keeps them: a
/// checkpoint is a directory of `/user/<name>/.Trash` named by the time it was made,
/// `yyMMddHHmmss` (here in UTC), with `-<n>` added when that name was taken; `Current` is where
/// deleted paths go until the next checkpoint. Pure: times come in as milliseconds.
public enum TrashCheckpoints {
    public static let current = "Current"

    /// The checkpoint name for `millis` since the epoch.
    public static func name(atMillis millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return two(year % 100) + two(month) + two(day) + two(secondOfDay / 3600) + two(secondOfDay / 60 % 60) + two(secondOfDay % 60)
    }

    /// The time a checkpoint's name stands for: `yyMMddHHmmss` with an optional `-<n>`, or the
    /// old `yyMMddHHmm`; the century is the one that puts the year within 80 years before and
    /// 20 after `nowMillis`, as Java's SimpleDateFormat reads `yy`. nil for `Current` and
    /// anything else, which the emptier leaves alone, as HDFS does.
    public static func millis(ofName name: String, nowMillis: Int64) -> Int64? {
        let utf8 = Array(name.utf8)
        let digitCount = utf8.prefix { $0 >= 48 && $0 <= 57 }.count
        let suffix = utf8.dropFirst(digitCount)
        guard digitCount == 12 || (digitCount == 10 && suffix.isEmpty) else { return nil }
        if !suffix.isEmpty {
            guard suffix.first == UInt8(ascii: "-"), suffix.count > 1, suffix.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        }
        let fields = stride(from: 0, to: digitCount, by: 2).map { Int64(utf8[$0] - 48) * 10 + Int64(utf8[$0 + 1] - 48) }
        let nowYear = civil(fromDays: (nowMillis >= 0 ? nowMillis : nowMillis - 86_399_999) / 86_400_000).0
        var year = nowYear - nowYear % 100 + fields[0]
        if year > nowYear + 20 { year -= 100 } else if year <= nowYear - 80 { year += 100 }
        let (month, day, hour, minute) = (fields[1], fields[2], fields[3], fields[4])
        let second = digitCount == 12 ? fields[5] : 0
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        return ((days(fromCivil: year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000
    }

    /// The entries of a trash directory to delete at `nowMillis`: checkpoints made more than
    /// `intervalMillis` ago (never `Current`, never a name that is not a checkpoint's).
    public static func expired(_ names: [String], nowMillis: Int64, intervalMillis: Int64) -> [String] {
        names.filter { name in millis(ofName: name, nowMillis: nowMillis).map { nowMillis - intervalMillis > $0 } ?? false }
    }

    /// When the emptier next runs: the next multiple of its interval after `nowMillis`, so that
    /// checkpoints fall on round times whatever the namenode's start.
    public static func nextRunMillis(after nowMillis: Int64, intervalMillis: Int64) -> Int64 {
        (nowMillis / intervalMillis + 1) * intervalMillis
    }

    /// The emptier's period: the checkpoint interval, unless it is 0 or longer than the
    /// deletion interval (HDFS's TrashPolicyDefault.Emptier).
    public static func emptierIntervalMillis(deletionMinutes: Double, checkpointMinutes: Double) -> Int64 {
        let minutes = checkpointMinutes <= 0 || checkpointMinutes > deletionMinutes ? deletionMinutes : checkpointMinutes
        return max(1000, Int64(minutes * 60_000))
    }

    // Days since 1970-01-01 and back (the proleptic Gregorian calendar).
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
