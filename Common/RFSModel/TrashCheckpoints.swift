/// The names and ages of trash checkpoints, as HDFS's TrashPolicyDefault keeps them: a
/// checkpoint is a directory of `/user/<name>/.Trash` named by the time it was made,
/// `yyMMddHHmmss` (here in UTC), with `-<n>` added when that name was taken; `Current` is where
/// deleted paths go until the next checkpoint. Pure: times come in as milliseconds.
public enum TrashCheckpoints {
    public static let current = "Current"

    /// The checkpoint name for `millis` since the epoch.
    public static func name(atMillis millis: Int64) -> String {
        let t = CivilTime.utc(millis: millis)
        return [t.year % 100, t.month, t.day, t.hour, t.minute, t.second].map(CivilTime.two).joined()
    }

    /// The names a checkpoint made at `millis` may take, in the order to try them: its time,
    /// then with `-1` … `-1000` after it for when that name is taken (HDFS's createCheckpoint).
    public static func candidateNames(atMillis millis: Int64) -> [String] {
        let base = name(atMillis: millis)
        return [base] + (1...1000).map { "\(base)-\($0)" }
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
        let nowYear = CivilTime.utc(millis: nowMillis).year
        var year = nowYear - nowYear % 100 + fields[0]
        if year > nowYear + 20 { year -= 100 } else if year <= nowYear - 80 { year += 100 }
        let (month, day, hour, minute) = (fields[1], fields[2], fields[3], fields[4])
        let second = digitCount == 12 ? fields[5] : 0
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        return ((CivilTime.days(fromCivil: year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000
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
}
