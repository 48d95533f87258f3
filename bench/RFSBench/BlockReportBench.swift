import Foundation

/// blockReport: simulated datanodes sending full block reports over DatanodeProtocol.
struct BlockReportBench {
    let target: ClusterTarget
    let progress: ProgressLine?
    let blocksPerReport: Int
    let reports: Int
    let threads: Int
    let duration: Duration?

    func run() async throws -> BenchRow {
        throw BenchError("blockReport is not built yet")
    }
}
