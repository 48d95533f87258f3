#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers

/// The C API is synchronous and the Swift client is async. A C call runs its work as a task
/// whose jobs run on the *caller's own thread*: the task prefers a `CallerThreadExecutor`
/// (SE-0417), so it, the stream actors it enters and the nonisolated code it calls all run
/// where the C caller waits, and the thread sleeps only while NIO has nothing for it. That
/// keeps a call from handing work to Swift's cooperative pool and back (two thread wake-ups
/// per call, which cost as much as a 64 KiB read). The caller is a C (or pyarrow) thread,
/// never one of the pool's, so waiting on it blocks nothing Swift needs.
func blocking<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) -> Result<Value, any Error> {
    let executor = CallerThreadExecutor()
    let outcome = NIOLockedValueBox<Result<Value, any Error>?>(nil)
    Task.detached(executorPreference: executor) {
        let result: Result<Value, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLockedValue { $0 = result }
        executor.finish()
    }
    executor.runJobs()
    return outcome.withLockedValue { $0! }
}

/// A task executor for one C call: jobs are queued by whoever resumes the task (NIO's event
/// loops, timers, actors) and run by the thread in `runJobs` until the call's task finishes.
/// Only that task and its child tasks prefer this executor (unstructured tasks the work
/// starts, such as a stream's lease renewal, run on the global executor), so no job can
/// arrive after `runJobs` returns.
final class CallerThreadExecutor: TaskExecutor, @unchecked Sendable {
    // Guarded by `mutex`; `condition` wakes the runner for a job or the end.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var finished = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Called by the task as its last step.
    func finish() {
        pthread_mutex_lock(mutex)
        finished = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Runs queued jobs on the calling thread until the task has finished and nothing is queued.
    func runJobs() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !finished { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty {
                pthread_mutex_unlock(mutex)
                return
            }
            let next = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            next.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Memory a C caller lends for the length of one call: it stays valid while the caller is
/// parked in `blocking`, which is the only place the task touches it. Hence `@unchecked`.
struct LentMemory: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
}

struct LentReadOnlyMemory: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
