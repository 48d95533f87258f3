#if canImport(Glibc)
import Glibc
#endif

/// What the calling thread tells the operating system about itself.
public enum CurrentThread {
    /// Marks the calling thread as a throughput thread (Linux's SCHED_BATCH): it keeps the same
    /// share of the CPU, but waking it does not preempt the thread that woke it. A pipeline's
    /// later stages want that: the stage that hands work over goes on gathering the next batch
    /// instead of being switched out at every hand-off (on a loaded machine, once per item).
    /// Returns whether the policy took; elsewhere than Linux it does nothing.
    @discardableResult
    public static func preferThroughput() -> Bool {
        #if os(Linux)
        var parameters = sched_param()
        parameters.sched_priority = 0
        // SCHED_BATCH is 3 in <linux/sched.h>; Glibc's module does not export the macro.
        return sched_setscheduler(0, 3, &parameters) == 0
        #else
        return false
        #endif
    }

    /// Names the calling thread as `top -H`, `perf` and /proc show it (at most 15 bytes are
    /// kept). Glibc's module does not export pthread_setname_np, so on Linux this writes the
    /// thread's own comm file.
    public static func setName(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #endif
    }
}
