import Foundation

/// A one-line progress bar on stderr for -put and -get of large files, shown only when stderr
/// is a terminal (pipes and logs get nothing) and the file is at least `minimumBytes`.
final class TransferProgress {
    static let minimumBytes: Int64 = 32 << 20
    /// Redraws at most this often.
    static let interval: TimeInterval = 0.25

    private let label: String
    private let totalBytes: Int64
    private let output: any ShellOutput
    private let enabled: Bool
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var doneBytes: Int64 = 0

    init(label: String, totalBytes: Int64, output: any ShellOutput) {
        self.label = label
        self.totalBytes = totalBytes
        self.output = output
        self.enabled = totalBytes >= Self.minimumBytes && isatty(2) == 1
    }

    func advance(by bytes: Int) {
        guard enabled else { return }
        doneBytes += Int64(bytes)
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= Self.interval || doneBytes >= totalBytes else { return }
        lastDrawn = now
        let fraction = totalBytes == 0 ? 1 : min(1, Double(doneBytes) / Double(totalBytes))
        let width = 30
        let filled = Int(fraction * Double(width))
        let seconds = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(doneBytes) / seconds / 1_048_576
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        output.write(String(format: "\r%@ [%@] %3d%% %.1f MiB/s", label, bar, Int(fraction * 100), rate), error: true)
    }

    func finish() {
        guard enabled else { return }
        output.write("\n", error: true)
    }
}
