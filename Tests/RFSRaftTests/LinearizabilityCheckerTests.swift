@testable import RFSRaft
import Testing

/// The checker on small histories whose verdict is known, over a register and over a slot.
@Suite struct LinearizabilityCheckerTests {
    /// A register: write a value, or read the current one.
    struct Register: SequentialSpecification {
        enum Operation: CustomStringConvertible {
            case write(Int), read
            var description: String {
                switch self {
                case .write(let value): "write \(value)"
                case .read: "read"
                }
            }
        }

        enum Outcome: Equatable, CustomStringConvertible {
            case ok, value(Int)
            var description: String {
                switch self {
                case .ok: "ok"
                case .value(let value): "\(value)"
                }
            }
        }

        var value = 0

        func applying(_ operation: Operation) -> (Outcome, Register) {
            switch operation {
            case .write(let new): (.ok, Register(value: new))
            case .read: (.value(value), self)
            }
        }
    }

    typealias Entry = HistoryEntry<Register.Operation, Register.Outcome>

    static func entry(_ client: Int, _ operation: Register.Operation, _ invoked: Int, _ returned: Int?,
                      _ outcome: Register.Outcome? = nil) -> Entry {
        Entry(client: client, operation: operation, invokedAt: invoked,
              returned: returned.map { ($0, outcome ?? .ok) })
    }

    let checker = LinearizabilityChecker(initial: Register())

    @Test("a read that overlaps a write may see either value")
    func overlappingRead() {
        let history = [
            Self.entry(0, .write(1), 1, 4),
            Self.entry(1, .read, 2, 3, .value(1)),
            Self.entry(2, .read, 2, 5, .value(0)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("a read after a completed write must see it")
    func staleRead() {
        let history = [
            Self.entry(0, .write(1), 1, 2),
            Self.entry(1, .read, 3, 4, .value(0)),
        ]
        guard case .violation(let text) = checker.check(history) else {
            Issue.record("a stale read was accepted")
            return
        }
        #expect(text.contains("read"))
    }

    @Test("reads must not go back in time: 1 then 0 while one write of 1 is in flight")
    func newThenOld() {
        let history = [
            Self.entry(0, .write(1), 1, 10),
            Self.entry(1, .read, 2, 3, .value(1)),
            Self.entry(2, .read, 4, 5, .value(0)),
        ]
        #expect(checker.check(history) != .linearizable)
    }

    @Test("a write with an unknown outcome may have happened, late or never")
    func unknownOutcome() {
        let late = [
            Self.entry(0, .write(1), 1, nil),
            Self.entry(1, .read, 2, 3, .value(0)),
            Self.entry(1, .read, 4, 5, .value(1)),
        ]
        #expect(checker.check(late) == .linearizable)
        let never = [
            Self.entry(0, .write(1), 1, nil),
            Self.entry(1, .read, 2, 3, .value(0)),
        ]
        #expect(checker.check(never) == .linearizable)
        let flickering = [
            Self.entry(0, .write(1), 1, nil),
            Self.entry(1, .read, 2, 3, .value(1)),
            Self.entry(1, .read, 4, 5, .value(0)),
        ]
        #expect(checker.check(flickering) != .linearizable)
    }

    @Test("a slot: an acknowledged create is lost when a later create of the same name succeeds again")
    func lostCreate() {
        typealias SlotEntry = HistoryEntry<SlotOperation, SlotOutcome>
        let history = [
            SlotEntry(client: 0, operation: .create(name: 0, permission: 0o644, overwrite: false), invokedAt: 1, returned: (2, .done)),
            SlotEntry(client: 1, operation: .create(name: 0, permission: 0o600, overwrite: false), invokedAt: 3, returned: (4, .done)),
        ]
        #expect(LinearizabilityChecker(initial: SlotModel()).check(history) != .linearizable)
        let renamed = [
            history[0],
            SlotEntry(client: 2, operation: .rename(from: 0, to: 1, overwrite: false), invokedAt: 3, returned: (5, .done)),
            SlotEntry(client: 1, operation: .create(name: 0, permission: 0o600, overwrite: false), invokedAt: 3, returned: (4, .done)),
            SlotEntry(client: 1, operation: .stat(name: 1), invokedAt: 6, returned: (7, .found(.file(permission: 0o644)))),
        ]
        #expect(LinearizabilityChecker(initial: SlotModel()).check(renamed) == .linearizable)
    }
}
