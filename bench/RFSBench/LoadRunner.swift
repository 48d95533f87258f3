#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Histogram
import Synchronization

/// How long a phase runs: at most `operations` operations and at most `duration`, whichever
/// comes first (either may be absent, not both). Ctrl-C ends any phase early.
public struct LoadBound: Sendable, Equatable {
    public var operations: Int?
    public var duration: Duration?

    public init(operations: Int?, duration: Duration?) {
        precondition(operations != nil || duration != nil, "a load needs an operation count or a duration")
        self.operations = operations
        self.duration = duration
    }
}

/// What one phase measured.
public struct LoadResult: Sendable {
    public var operations: Int
    public var elapsed: Duration
    public var histogram: Histogram<UInt64>
    /// The first error, when an operation failed (the phase stops at it).
    public var error: String?
    public var interrupted: Bool

    public var opsPerSecond: Double { elapsed.seconds > 0 ? Double(operations) / elapsed.seconds : 0 }

    public var latency: LatencySummary? {
        guard histogram.totalCount > 0 else { return nil }
        return LatencySummary(count: Int(histogram.totalCount), meanMicros: histogram.mean,
                              p50Micros: Double(histogram.valueAtPercentile(50)),
                              p99Micros: Double(histogram.valueAtPercentile(99)),
                              p999Micros: Double(histogram.valueAtPercentile(99.9)),
                              maxMicros: Double(histogram.max))
    }
}

/// Ctrl-C for the whole run: the first SIGINT asks every phase to stop (what was measured is
/// still printed and written); a second one exits at once.
public enum BenchInterrupt {
    static let requested = Atomic<Bool>(false)

    public static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// No further phase should start: Ctrl-C, or the cluster went away.
    public static var shouldStop: Bool { isRequested || abortReason != nil }

    /// Child processes (minicluster, etcd members) to stop if a second Ctrl-C exits at once:
    /// they run in their own process groups, so the terminal's SIGINT does not reach them.
    static let children: [PidSlot] = (0..<16).map { _ in PidSlot() }

    public static func install() {
        _ = children.count  // initialized here, never inside the handler
        signal(SIGINT) { _ in
            if BenchInterrupt.requested.exchange(true, ordering: .relaxed) {
                for slot in BenchInterrupt.children {
                    let pid = slot.pid.load(ordering: .relaxed)
                    if pid > 0 { kill(pid, SIGTERM) }
                }
                _exit(130)
            }
        }
    }

    /// Set when the cluster under test went away (its minicluster process exited): every
    /// phase stops at once with this reason instead of retrying against nothing.
    static let abort = Mutex<String?>(nil)
    /// True once the bench itself stops the minicluster (its exit is then expected).
    static let stoppingCluster = Atomic<Bool>(false)

    public static var abortReason: String? { abort.withLock { $0 } }

    static func abort(because reason: String) { abort.withLock { $0 = $0 ?? reason } }

    static func track(_ pid: Int32) {
        for slot in children where slot.pid.compareExchange(expected: 0, desired: pid, ordering: .relaxed).exchanged { return }
    }

    static func untrack(_ pid: Int32) {
        for slot in children where slot.pid.compareExchange(expected: pid, desired: 0, ordering: .relaxed).exchanged { return }
    }
}

final class PidSlot: Sendable {
    let pid = Atomic<Int32>(0)
}

enum WorkerOutcome: Sendable {
    case worker(Histogram<UInt64>, String?)
    case stop
    case allDone
}

/// Shared between a phase's workers: the next operation index and the count completed.
final class LoadCounters: Sendable {
    let workersDone = Atomic<Int>(0)
    let next = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    let failed = Atomic<Bool>(false)
}

/// Runs `workers` concurrent async workers (tasks, not threads), each taking the next
/// operation index until the bound is reached, and times every operation into a per-worker
/// HDR histogram (microseconds) merged at the end. `operation(worker, index)` does the work.
/// `executor(worker)`, when given, is the task executor that worker's task prefers (an event
/// loop's, so that its RPC connection lives on that thread too).
public func runLoad(name: String, workers: Int, bound: LoadBound, progress: ProgressLine?,
                    abortReason: @escaping @Sendable () -> String? = { BenchInterrupt.abortReason },
                    executor: (@Sendable (_ worker: Int) -> (any TaskExecutor)?)? = nil,
                    operation: @escaping @Sendable (_ worker: Int, _ index: Int) async throws -> Void) async -> LoadResult {
    let counters = LoadCounters()
    let start = ContinuousClock.now
    let deadline = bound.duration.map { start + $0 }
    let limit = bound.operations ?? Int.max
    let reporter = progress.map { line in
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let done = counters.completed.load(ordering: .relaxed)
                let seconds = (ContinuousClock.now - start).seconds
                line.show("\(name): \(done) ops, \(Int(Double(done) / max(seconds, 0.001))) ops/s, \(Int(seconds)) s")
            }
        }
    }
    let outcome = await withTaskGroup(of: WorkerOutcome.self) { group in
        for worker in 0..<workers {
            group.addTask(executorPreference: executor?(worker)) {
                var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
                defer { counters.workersDone.wrappingAdd(1, ordering: .relaxed) }
                while !BenchInterrupt.isRequested, !counters.failed.load(ordering: .relaxed), !Task.isCancelled {
                    if let deadline, ContinuousClock.now >= deadline { break }
                    let index = counters.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if index >= limit { break }
                    let began = ContinuousClock.now
                    do {
                        try await operation(worker, index)
                    } catch {
                        // After Ctrl-C (or a cancelled phase) an operation cut short is not a failure of the run.
                        if BenchInterrupt.isRequested || Task.isCancelled { break }
                        counters.failed.store(true, ordering: .relaxed)
                        return .worker(histogram, "\(name) failed at operation \(index): \(error)")
                    }
                    let micros = (ContinuousClock.now - began).microseconds
                    _ = histogram.record(UInt64(max(1, micros)))
                    counters.completed.wrappingAdd(1, ordering: .relaxed)
                }
                return .worker(histogram, nil)
            }
        }
        // Ctrl-C must not wait for operations stuck in retries against a cluster that went
        // away: the watcher cancels the workers (RPC back-off sleeps end at cancellation).
        group.addTask {
            while counters.workersDone.load(ordering: .relaxed) < workers {
                if BenchInterrupt.isRequested || abortReason() != nil { return .stop }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return .allDone
        }
        var merged = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var firstError: String?
        for await outcome in group {
            switch outcome {
            case .worker(let histogram, let error):
                merged.add(histogram)
                if firstError == nil { firstError = error }
            case .stop:
                group.cancelAll()
            case .allDone:
                break
            }
        }
        if firstError == nil, let reason = abortReason() { firstError = "\(name) stopped: \(reason)" }
        return (merged, firstError)
    }
    let elapsed = ContinuousClock.now - start
    reporter?.cancel()
    progress?.clear()
    return LoadResult(operations: counters.completed.load(ordering: .relaxed), elapsed: elapsed, histogram: outcome.0,
                      error: outcome.1, interrupted: BenchInterrupt.isRequested)
}

/// The one-line progress display on a terminal (stderr), rewritten in place; silent when
/// stderr is not a terminal, so logs and CI output stay clean.
public final class ProgressLine: Sendable {
    let enabled: Bool

    public init(enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled
    }

    public func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    public func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// A phase starting, shown until the next update.
    public func phase(_ text: String) { show(text + " …") }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }

    var microseconds: Int64 {
        let (s, attoseconds) = components
        return s * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
