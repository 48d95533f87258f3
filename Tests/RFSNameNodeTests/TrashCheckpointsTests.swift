import RFSModel
import Testing

@Suite("Trash checkpoints: names, ages and the emptier's schedule")
struct TrashCheckpointsTests {
    // 2026-11-27 09:05:07 UTC, and a leap day.
    static let morning: Int64 = 1_795_770_307_000
    static let leapDay: Int64 = 1_709_251_199_000  // 2024-02-29 23:59:59 UTC

    @Test("a checkpoint is named yyMMddHHmmss in UTC, and the name reads back to its second")
    func names() {
        #expect(TrashCheckpoints.name(atMillis: Self.morning) == "261127090507")
        #expect(TrashCheckpoints.name(atMillis: Self.morning + 999) == "261127090507")
        #expect(TrashCheckpoints.name(atMillis: Self.leapDay) == "240229235959")
        #expect(TrashCheckpoints.name(atMillis: 946_684_800_000) == "000101000000")
        for millis in [Self.morning, Self.leapDay, 946_684_800_000, 2_398_377_600_000] {
            #expect(TrashCheckpoints.millis(ofName: TrashCheckpoints.name(atMillis: millis), nowMillis: millis) == millis)
        }
    }

    @Test("a taken name's -n suffix and the old yyMMddHHmm form are checkpoints; anything else is not")
    func parsing() {
        #expect(TrashCheckpoints.millis(ofName: "261127090507-3", nowMillis: Self.morning) == Self.morning)
        #expect(TrashCheckpoints.millis(ofName: "2611270905", nowMillis: Self.morning) == Self.morning - 7000)
        // yy as SimpleDateFormat reads it: within 80 years before and 20 after now.
        #expect(TrashCheckpoints.millis(ofName: "990101000000", nowMillis: Self.morning) == 915_148_800_000)
        #expect(TrashCheckpoints.millis(ofName: "460101000000", nowMillis: Self.morning) == 2_398_377_600_000)
        for stray in ["Current", "", "26112709050", "261127090507-", "261127090507-x", "2611270905-1", "261327090507",
                      "261131090507", "250229000000", "261127240000", "261127096000", "notes", "1261127090507"] {
            #expect(TrashCheckpoints.millis(ofName: stray, nowMillis: Self.morning) == nil, "\(stray)")
        }
    }

    @Test("only checkpoints older than the interval expire")
    func expiry() {
        let hour: Int64 = 3_600_000
        let names = ["Current", "notes", TrashCheckpoints.name(atMillis: Self.morning - 2 * hour),
                     TrashCheckpoints.name(atMillis: Self.morning - hour + 1000), TrashCheckpoints.name(atMillis: Self.morning - 3 * hour) + "-1"]
        #expect(TrashCheckpoints.expired(names, nowMillis: Self.morning, intervalMillis: hour) == [names[2], names[4]])
    }

    @Test("the emptier runs on round multiples of its interval, the checkpoint interval when it is shorter")
    func schedule() {
        #expect(TrashCheckpoints.nextRunMillis(after: 3_599_999, intervalMillis: 3_600_000) == 3_600_000)
        #expect(TrashCheckpoints.nextRunMillis(after: 3_600_000, intervalMillis: 3_600_000) == 7_200_000)
        #expect(TrashCheckpoints.emptierIntervalMillis(deletionMinutes: 60, checkpointMinutes: 0) == 3_600_000)
        #expect(TrashCheckpoints.emptierIntervalMillis(deletionMinutes: 60, checkpointMinutes: 90) == 3_600_000)
        #expect(TrashCheckpoints.emptierIntervalMillis(deletionMinutes: 60, checkpointMinutes: 15) == 900_000)
        #expect(TrashCheckpoints.emptierIntervalMillis(deletionMinutes: 0.05, checkpointMinutes: 0) == 3000)
    }
}
