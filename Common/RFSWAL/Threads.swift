#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RFSModel

/// A pthread mutex. The WAL's writer is a plain pthread (fsync blocks, so it must not run on
/// Swift's cooperative pool), and these primitives are what it waits on.
final class PthreadMutex: @unchecked Sendable {
    // @unchecked is safe: the pthread mutex is itself the synchronisation; its storage is
    // allocated once, never moves, and is destroyed only in deinit, when no thread can hold it.
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { precondition(pthread_mutex_lock(mutex) == 0, "pthread_mutex_lock failed") }
    func unlock() { precondition(pthread_mutex_unlock(mutex) == 0, "pthread_mutex_unlock failed") }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A pthread condition variable, used with one `PthreadMutex`.
final class PthreadCondition: @unchecked Sendable {
    // @unchecked is safe: as for PthreadMutex, the storage never moves and pthread synchronises.
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    /// Waits for a signal; `mutex` must be held, and is held again on return.
    func wait(_ mutex: PthreadMutex) {
        precondition(pthread_cond_wait(condition, mutex.mutex) == 0, "pthread_cond_wait failed")
    }

    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }
}

/// A pthread readers-writer lock: reads of segment files share it, suffix truncation (which
/// shrinks a file under them) takes it alone.
final class PthreadRWLock: @unchecked Sendable {
    // @unchecked is safe: as for PthreadMutex.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        precondition(pthread_rwlock_init(lock, nil) == 0, "pthread_rwlock_init failed")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func withReadLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        precondition(pthread_rwlock_rdlock(lock) == 0, "pthread_rwlock_rdlock failed")
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func withWriteLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        precondition(pthread_rwlock_wrlock(lock) == 0, "pthread_rwlock_wrlock failed")
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

/// A joinable pthread running one closure.
struct JoinableThread {
    private let thread: pthread_t

    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// Starts `run` on a new thread named `name` (as /proc, `top -H` and `perf` show it).
    init(name: String, _ run: @escaping @Sendable () -> Void) {
        let body = Unmanaged.passRetained(Body(name: name, run: run)).toOpaque()
        #if canImport(Darwin)
        var created: pthread_t?
        let result = pthread_create(&created, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument).takeRetainedValue()
            pthread_setname_np(body.name)
            body.run()
            return nil
        }, body)
        precondition(result == 0, "pthread_create failed: \(result)")
        thread = created!
        #else
        var created = pthread_t()
        let result = pthread_create(&created, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            CurrentThread.setName(body.name)
            body.run()
            return nil
        }, body)
        precondition(result == 0, "pthread_create failed: \(result)")
        thread = created
        #endif
    }

    /// Waits for the thread to finish.
    func join() {
        precondition(pthread_join(thread, nil) == 0, "pthread_join failed")
    }
}
