import ArgumentParser
import Logging
import NIOPosix
import RFSConfig
import RFSDataNode
import RFSDataNodeHTTP
import RFSMetrics

struct DataNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datanode",
        abstract: "Run a datanode in the foreground until SIGTERM or SIGINT.",
        discussion: "Stores blocks in dfs.datanode.data.dir, serves DataTransferProtocol on dfs.datanode.address (port 0 picks a free one) and reports to the namenodes of fs.defaultFS.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try options.load()
        let address: HostPort
        do { address = try configuration.get(Keys.datanodeAddress) } catch { throw ValidationError("\(error)") }
        let name = (try? configuration.get(Keys.nodeName)).flatMap { $0.isEmpty ? nil : $0 } ?? "datanode:\(address.port)"
        RFSLogging.bootstrap(nodeName: name)
        RFSMetrics.bootstrap()
        let logger = Logger(label: "rfs.datanode")
        ShutdownSignal.install()
        // HTTP first: the port it binds (a free one for port 0) is what registration advertises.
        let http: DataNodeHTTPServer
        let daemon: DataNodeDaemon
        do {
            http = try await DataNodeHTTPServer.start(configuration: configuration, logger: logger)
        } catch let error as ConfigError {
            throw ValidationError("\(error)")
        }
        do {
            daemon = try await DataNodeDaemon.start(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton,
                                                    logger: logger, infoPort: http.port)
        } catch let error as ConfigError {
            await http.close()
            throw ValidationError("\(error)")
        } catch {
            await http.close()
            throw error
        }
        http.attach(daemon)
        let signal = await ShutdownSignal.wait()
        logger.info("datanode stopping", metadata: ["signal": "\(signal)"])
        await http.close()
        await daemon.shutdown()
        logger.info("datanode stopped")
    }
}
