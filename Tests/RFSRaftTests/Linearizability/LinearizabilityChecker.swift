/// A sequential object: what an operation answers in a state, and the state after it.
protocol SequentialSpecification: Hashable {
    associatedtype Operation: CustomStringConvertible
    associatedtype Outcome: Equatable & CustomStringConvertible
    func applying(_ operation: Operation) -> (Outcome, Self)
}

/// One client operation as the client saw it: when it was invoked and when (if ever) it
/// returned, on one clock shared by every client. An operation whose outcome is unknown
/// (the client timed out, or its namenode crashed) may have taken effect at any point
/// after its invocation, or never.
struct HistoryEntry<Operation, Outcome> {
    var client: Int
    var operation: Operation
    var invokedAt: Int
    /// nil: the outcome is unknown.
    var returned: (at: Int, outcome: Outcome)?
}

enum LinearizabilityVerdict: Equatable {
    case linearizable
    /// No order explains the outcomes; the text shows the operations the search could not
    /// get past and the history around them.
    case violation(String)
    /// The search gave up after its budget of steps (never seen on a correct history of the
    /// size the simulation makes; reported rather than passed silently).
    case inconclusive(steps: Int)
}

/// Wing & Gong's search for a linearization, with Lowe's memoization of (operations
/// linearized, state) pairs already explored (as in Porcupine and Knossos). Operations sit
/// in a doubly linked list of call and return events in time order; the search linearizes
/// the earliest call it can whose outcome the specification agrees with, backtracks when a
/// return is reached with its operation not yet linearized, and never explores a
/// configuration twice.
struct LinearizabilityChecker<Spec: SequentialSpecification> {
    typealias Entry = HistoryEntry<Spec.Operation, Spec.Outcome>

    let initial: Spec
    var stepBudget = 5_000_000

    func check(_ history: [Entry]) -> LinearizabilityVerdict {
        guard !history.isEmpty else { return .linearizable }
        var events = EventList(history)
        var linearized = Bitset(count: history.count)
        var explored: Set<Configuration> = []
        var stack: [(call: Int, state: Spec)] = []
        var state = initial
        var cursor = events.first
        var steps = 0
        var deepest = (depth: -1, blockedAt: 0)
        while let node = cursor {
            steps += 1
            if steps > stepBudget { return .inconclusive(steps: steps) }
            guard let operation = events.operation(calledAt: node) else {
                // A return whose operation is not linearized yet: undo the latest choice.
                if stack.count > deepest.depth { deepest = (stack.count, events.operation(returningAt: node)) }
                guard let (call, previous) = stack.popLast() else {
                    return .violation(describe(history, blockedAt: deepest.blockedAt))
                }
                state = previous
                linearized.remove(events.operation(calledAt: call)!)
                events.unlift(call)
                cursor = events.next(call)
                continue
            }
            let entry = history[operation]
            let (outcome, after) = state.applying(entry.operation)
            if entry.returned == nil || entry.returned!.outcome == outcome {
                linearized.insert(operation)
                if explored.insert(Configuration(linearized: linearized, state: after)).inserted {
                    stack.append((node, state))
                    state = after
                    events.lift(node)
                    cursor = events.first
                    continue
                }
                linearized.remove(operation)
            }
            cursor = events.next(node)
        }
        return .linearizable
    }

    private struct Configuration: Hashable {
        let linearized: Bitset
        let state: Spec
    }

    /// The operation the deepest attempt could not linearize, with the operations around it:
    /// those overlapping it and those that ended shortly (200 events) before it began.
    private func describe(_ history: [Entry], blockedAt blocked: Int) -> String {
        let target = history[blocked]
        let end = target.returned?.at ?? Int.max
        let window = history.indices.filter { index in
            let entry = history[index]
            return entry.invokedAt <= end && (entry.returned?.at ?? Int.max) >= target.invokedAt - 200
        }
        let lines = window.map { index -> String in
            let entry = history[index]
            let returned = entry.returned.map { "\($0.at) -> \($0.outcome)" } ?? "never -> unknown"
            return "\(index == blocked ? "=> " : "   ")client \(entry.client) [\(entry.invokedAt), \(returned)] \(entry.operation)"
        }
        return "no linearization explains op \(blocked) (\(target.operation)); the operations around it:\n" + lines.joined(separator: "\n")
    }
}

/// The call and return events of a history, in time order, as a doubly linked list the
/// search can unlink an operation from and put back.
private struct EventList {
    // Event 2k is operation k's call, 2k+1 its return; index `sentinel` heads the list.
    private var nextOf: [Int]
    private var previousOf: [Int]
    private let sentinel: Int

    init<Operation, Outcome>(_ history: [HistoryEntry<Operation, Outcome>]) {
        let count = history.count * 2
        sentinel = count
        // Returns sort after calls at the same time; unknown outcomes return at the end.
        func time(_ event: Int) -> (Int, Int, Int) {
            let entry = history[event / 2]
            if event % 2 == 0 { return (entry.invokedAt, 0, event) }
            return (entry.returned?.at ?? Int.max, 1, event)
        }
        let order = (0..<count).sorted { time($0) < time($1) }
        nextOf = Array(repeating: -1, count: count + 1)
        previousOf = Array(repeating: -1, count: count + 1)
        var previous = sentinel
        for event in order {
            nextOf[previous] = event
            previousOf[event] = previous
            previous = event
        }
        nextOf[previous] = -1
    }

    var first: Int? { nextOf[sentinel] >= 0 ? nextOf[sentinel] : nil }

    func next(_ event: Int) -> Int? { nextOf[event] >= 0 ? nextOf[event] : nil }

    func operation(calledAt event: Int) -> Int? { event % 2 == 0 ? event / 2 : nil }

    func operation(returningAt event: Int) -> Int { event / 2 }

    /// Unlinks a call and its return.
    mutating func lift(_ call: Int) {
        unlink(call)
        unlink(call + 1)
    }

    /// Puts back what `lift` took out (in reverse order, so the neighbours are right).
    mutating func unlift(_ call: Int) {
        relink(call + 1)
        relink(call)
    }

    private mutating func unlink(_ event: Int) {
        let previous = previousOf[event]
        let next = nextOf[event]
        nextOf[previous] = next
        if next >= 0 { previousOf[next] = previous }
    }

    private mutating func relink(_ event: Int) {
        let previous = previousOf[event]
        let next = nextOf[event]
        nextOf[previous] = event
        if next >= 0 { previousOf[next] = event }
    }
}

/// Which operations are linearized, as bits.
struct Bitset: Hashable {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    mutating func insert(_ bit: Int) { words[bit / 64] |= 1 << UInt64(bit % 64) }
    mutating func remove(_ bit: Int) { words[bit / 64] &= ~(1 << UInt64(bit % 64)) }
}
