import Foundation
import RFSClient
import RFSModel

/// `-expunge [-immediate] [-fs <path>]` (Hadoop's `Expunge`): in the user's trash, deletes the
/// checkpoints older than the trash interval (every one with `-immediate`, `Current` too),
/// then turns `Current` into a new checkpoint, as the namenode's emptier does on its schedule.
struct ExpungeCommand: DFSCommand {
    static let name = "expunge"
    static let usage = "[-immediate] [-fs <path>]"

    let immediate: Bool
    let fileSystem: String?

    init(arguments: [String]) throws(UsageError) {
        let parsed = try CommandFormat(min: 0, max: 0, flags: ["immediate"], valueOptions: ["fs"]).parse(arguments)
        immediate = parsed.has("immediate")
        fileSystem = parsed.values["fs"]
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        let item = try await context.lookup(fileSystem ?? "/")
        let fs = context.fs(item)
        let minutes = try await Trash(context: context).intervalMinutes(fs)
        guard minutes > 0 else { return 0 }
        let trashRoot = "/user/\(fs.user)/.Trash"
        guard let root = try await fs.fileStatus(trashRoot), root.isDirectory else { return 0 }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let names = try await fs.listStatus(trashRoot).map(\.name)
        let expired = immediate ? names : TrashCheckpoints.expired(names, nowMillis: now, intervalMillis: minutes * 60_000)
        for name in expired {
            _ = try await fs.delete("\(trashRoot)/\(name)", recursive: true)
        }
        if !immediate, names.contains(TrashCheckpoints.current) {
            let names = TrashCheckpoints.candidateNames(atMillis: now)
            var made = false
            // rename2 without overwrite, as HDFS's createCheckpoint: the old rename would move
            // Current into a checkpoint directory of the same name.
            for checkpoint in names where !made {
                do {
                    try await fs.rename("\(trashRoot)/\(TrashCheckpoints.current)", to: "\(trashRoot)/\(checkpoint)", overwrite: false)
                    made = true
                } catch let remote as RemoteException where remote.className.hasSuffix("FileAlreadyExistsException") {
                    continue
                }
            }
            guard made else { throw PathFailure("expunge: Failed to checkpoint trash: \(trashRoot)/\(names[0])") }
        }
        return context.exitCode
    }
}
