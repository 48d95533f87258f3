import Metrics
import Prometheus

/// The process's metrics: swift-metrics for recording (counters, timers, gauges anywhere in
/// the code, no Prometheus types outside this module), exported in Prometheus's text format
/// by `exposition()`, which every daemon serves on `/metrics`.
public enum RFSMetrics {
    /// The registry that backs `MetricsSystem` once `bootstrap()` has run.
    public static let registry = PrometheusCollectorRegistry()

    /// Points swift-metrics at the Prometheus registry. Call once per process.
    public static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Timers become histograms in seconds, with buckets from 100 µs to 10 s, which span
        // an RPC on loopback to a slow fsync.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Everything recorded so far, in Prometheus's text exposition format (version 0.0.4).
    public static func exposition() -> String {
        registry.emitToString()
    }

    /// The Content-Type for `exposition()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
