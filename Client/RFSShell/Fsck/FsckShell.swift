import Foundation
import RFSClient
import RFSConfig

/// `rfs fsck <path> [-files [-blocks [-locations | -racks]]]` (HDFS's `hdfs fsck`): walks the
/// tree and checks every file's blocks against its replication — missing blocks (no replica
/// left), corrupt blocks (every replica corrupt), under- and over-replicated ones — and prints
/// HDFS's report. Exit 0 when the path is HEALTHY, 1 when it is CORRUPT, -1 (255) on usage errors.
public enum FsckShell {
    public static let usage = "Usage: rfs fsck <path> [-list-corruptfileblocks | [-move | -delete | -openforwrite] [-files [-blocks [-locations | -racks | -replicaDetails | -upgradedomains]]]] [-includeSnapshots] [-showprogress] [-storagepolicies] [-maintenance] [-blockId <blk_Id>] [-replicate]"

    struct Options {
        var path = "/"
        var files = false
        var blocks = false
        var locations = false
        var racks = false
    }

    struct Totals {
        var directories = 0
        var files = 0
        var bytes: Int64 = 0
        var blocks = 0
        var minimallyReplicated = 0
        var overReplicated = 0
        var underReplicated = 0
        var missingBlocks = 0
        var corruptBlocks = 0
        var missingReplicas = 0
        var replicaCount = 0
        var missingSize: Int64 = 0
    }

    public static func run(_ arguments: [String], environment: [String: String], output: any ShellOutput) async -> Int32 {
        let generic: GenericOptions
        do { generic = try GenericOptions(parsing: arguments) } catch {
            output.printError(error.message)
            return 255
        }
        var options = Options()
        var sawPath = false
        for argument in generic.remaining {
            switch argument {
            case "-files": options.files = true
            case "-blocks": options.blocks = true
            case "-locations": options.locations = true
            case "-racks": options.racks = true
            case "-openforwrite", "-includeSnapshots", "-showprogress", "-storagepolicies", "-maintenance", "-replicaDetails",
                 "-upgradedomains":
                continue
            default:
                if argument.hasPrefix("-") || sawPath {
                    output.printError("fsck: Illegal option '\(argument)'")
                    output.printError(usage)
                    return 255
                }
                options.path = argument
                sawPath = true
            }
        }
        let fs: FileSystem
        do {
            let configuration = try Configuration.load(files: generic.configurationFiles, environment: environment, flags: generic.definitions)
            fs = try FileSystem(uri: try generic.fileSystem ?? configuration.get(Keys.defaultFS), configuration: configuration, environment: environment)
        } catch {
            output.printError("fsck: \(error)")
            return 255
        }
        let code: Int32
        do {
            code = try await check(options, fs: fs, output: output)
        } catch {
            output.printError("fsck: \(error)")
            code = 1
        }
        await fs.close()
        return code
    }

    static func check(_ options: Options, fs: FileSystem, output: any ShellOutput) async throws -> Int32 {
        let path = try fs.resolve(options.path)
        output.printLine("FSCK started by \(fs.user) for path \(path) at \(Date())")
        guard let root = try await fs.fileStatus(path) else {
            output.printLine("FSCK ended at \(Date())")
            output.printLine("Path '\(path)' does not exist")
            return 1
        }
        var totals = Totals()
        var corruptFiles: [String] = []
        let defaults = try await fs.serverDefaults()
        var pending: [(String, FileStatus)] = [(path, root)]
        while let (current, status) = pending.popLast() {
            if status.isDirectory {
                totals.directories += 1
                if options.files { output.printLine("\(current) <dir>") }
                let children = try await fs.listStatus(current)
                for child in children.reversed() {
                    pending.append(("\(current == "/" ? "" : current)/\(child.name)", child))
                }
                continue
            }
            totals.files += 1
            totals.bytes += status.length
            let blocks = try await fs.blockLocations(current)
            var lines: [String] = []
            var fileProblems = 0
            for (index, block) in blocks.enumerated() {
                totals.blocks += 1
                let live = block.isCorrupt ? 0 : block.replicas.count
                totals.replicaCount += live
                if block.replicas.isEmpty {
                    totals.missingBlocks += 1
                    totals.missingSize += block.lengthBytes
                    fileProblems += 1
                } else if block.isCorrupt {
                    totals.corruptBlocks += 1
                    fileProblems += 1
                } else {
                    totals.minimallyReplicated += 1
                }
                if live < status.replication {
                    totals.underReplicated += live > 0 ? 1 : 0
                    totals.missingReplicas += status.replication - live
                } else if live > status.replication {
                    totals.overReplicated += 1
                }
                guard options.blocks else { continue }
                var line = "\(index). \(block.name) len=\(block.lengthBytes) Live_repl=\(live)"
                if block.replicas.isEmpty { line += " MISSING!" } else if block.isCorrupt { line += " CORRUPT!" }
                if options.locations || options.racks {
                    let described = block.replicas.map { replica in
                        options.racks ? "\(replica.rack)/\(replica.address)"
                            : "DatanodeInfoWithStorage[\(replica.address),\(replica.storageID),DISK]"
                    }
                    line += "  [\(described.joined(separator: ", "))]"
                }
                lines.append(line)
            }
            if fileProblems > 0 { corruptFiles.append(current) }
            if options.files {
                let state = fileProblems > 0 ? "CORRUPT" : "OK"
                output.printLine("\(current) \(status.length) bytes, replicated: replication=\(status.replication), \(blocks.count) block(s):  \(state)")
                for line in lines { output.printLine(line) }
                if !lines.isEmpty { output.printLine("") }
            }
        }
        let healthy = totals.missingBlocks == 0 && totals.corruptBlocks == 0
        let live = try await fs.datanodeReport(.live)
        let racks = Set(live.map(\.networkLocation)).count
        func percent(_ count: Int) -> String {
            String(format: "%.1f %%", totals.blocks == 0 ? 0 : Double(count) * 100 / Double(totals.blocks))
        }
        output.printLine("")
        output.printLine("Status: \(healthy ? "HEALTHY" : "CORRUPT")")
        output.printLine(" Number of data-nodes:\t\(live.count)")
        output.printLine(" Number of racks:\t\t\(racks)")
        output.printLine(" Total dirs:\t\t\t\(totals.directories)")
        output.printLine(" Total symlinks:\t\t0")
        output.printLine("")
        output.printLine("Replicated Blocks:")
        output.printLine(" Total size:\t\(totals.bytes) B")
        output.printLine(" Total files:\t\(totals.files)")
        let average = totals.blocks == 0 ? 0 : totals.bytes / Int64(totals.blocks)
        output.printLine(" Total blocks (validated):\t\(totals.blocks) (avg. block size \(average) B)")
        if !healthy {
            output.printLine("  ********************************")
            output.printLine("  UNDER MIN REPL'D BLOCKS:\t\(totals.missingBlocks + totals.corruptBlocks) (\(percent(totals.missingBlocks + totals.corruptBlocks)))")
            output.printLine("  CORRUPT FILES:\t\(corruptFiles.count)")
            output.printLine("  MISSING BLOCKS:\t\(totals.missingBlocks)")
            output.printLine("  MISSING SIZE:\t\t\(totals.missingSize) B")
            output.printLine("  ********************************")
        }
        output.printLine(" Minimally replicated blocks:\t\(totals.minimallyReplicated) (\(percent(totals.minimallyReplicated)))")
        output.printLine(" Over-replicated blocks:\t\(totals.overReplicated) (\(percent(totals.overReplicated)))")
        output.printLine(" Under-replicated blocks:\t\(totals.underReplicated) (\(percent(totals.underReplicated)))")
        output.printLine(" Mis-replicated blocks:\t\t0 (0.0 %)")
        output.printLine(" Default replication factor:\t\(defaults.replication)")
        let averageReplication = totals.blocks == 0 ? 0 : Double(totals.replicaCount) / Double(totals.blocks)
        output.printLine(" Average block replication:\t\(String(format: "%.1f", averageReplication))")
        output.printLine(" Missing blocks:\t\t\(totals.missingBlocks)")
        output.printLine(" Corrupt blocks:\t\t\(totals.corruptBlocks)")
        let expected = totals.replicaCount + totals.missingReplicas
        output.printLine(" Missing replicas:\t\t\(totals.missingReplicas) (\(String(format: "%.1f", expected == 0 ? 0 : Double(totals.missingReplicas) * 100 / Double(expected))) %)")
        output.printLine("FSCK ended at \(Date())")
        output.printLine("")
        output.printLine("The filesystem under path '\(path)' is \(healthy ? "HEALTHY" : "CORRUPT")")
        return healthy ? 0 : 1
    }
}
