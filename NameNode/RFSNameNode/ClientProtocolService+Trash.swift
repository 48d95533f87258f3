import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC

/// HDFS's trash emptier, run by the active namenode while `fs.trash.interval` is above 0:
/// clients move deleted paths into `/user/<name>/.Trash/Current`; every checkpoint interval
/// the emptier deletes each user's checkpoints older than the interval and turns `Current`
/// into a new checkpoint, so deleted data is freed one to two intervals after its delete.
extension ClientProtocolService {
    /// Runs passes on round multiples of the interval until cancelled; a standby, or a
    /// namenode in safe mode, skips its turn.
    func runTrashEmptier(deletionMinutes: Double, checkpointMinutes: Double, isActive: @Sendable () -> Bool) async {
        let interval = TrashCheckpoints.emptierIntervalMillis(deletionMinutes: deletionMinutes, checkpointMinutes: checkpointMinutes)
        let deletionMillis = Int64(deletionMinutes * 60_000)
        logger.info("trash emptier started", metadata: ["deletionMinutes": "\(deletionMinutes)", "checkpointMillis": "\(interval)"])
        while !Task.isCancelled {
            let now = clock()
            do { try await Task.sleep(for: .milliseconds(TrashCheckpoints.nextRunMillis(after: now, intervalMillis: interval) - now)) } catch { return }
            guard isActive(), !safeMode.isOn else { continue }
            await emptyTrash(nowMillis: clock(), deletionMillis: deletionMillis)
        }
    }

    /// One pass over every user's trash: old checkpoints deleted, then `Current` checkpointed.
    /// A user's trash that fails is logged and skipped; the next pass tries it again.
    func emptyTrash(nowMillis: Int64, deletionMillis: Int64) async {
        let context: RPCCallContext
        do { context = try namenodeContext(method: "trashEmptier") } catch { return }
        let superuser = caller(context)
        let homes: [String]
        do {
            homes = try entries(of: "/user", caller: superuser).filter { $0.kind == .inodeDirectory }.map { "/user/" + String(decoding: $0.name, as: UTF8.self) }
        } catch {
            logger.warning("trash emptier: cannot list /user", metadata: ["error": "\(error)"])
            return
        }
        for home in homes {
            let trashRoot = home + "/.Trash"
            do {
                guard try reads().fileInfo(trashRoot, caller: superuser)?.kind == .inodeDirectory else { continue }
                let names = try entries(of: trashRoot, caller: superuser).map { String(decoding: $0.name, as: UTF8.self) }
                for name in TrashCheckpoints.expired(names, nowMillis: nowMillis, intervalMillis: deletionMillis) {
                    var delete = Rfs_Namenode_Delete()
                    delete.path = trashRoot + "/" + name
                    delete.recursive = true
                    delete.detachAbove = UInt64(deleteIncrement)
                    if try await propose(.delete(delete), context: context) == .flag(true) {
                        logger.info("deleted trash checkpoint", metadata: ["path": "\(delete.path)"])
                    }
                }
                if names.contains(TrashCheckpoints.current) {
                    try await checkpoint(trashRoot: trashRoot, taken: Set(names), nowMillis: nowMillis, context: context)
                }
            } catch {
                logger.warning("trash emptier skipped a trash directory", metadata: ["path": "\(trashRoot)", "error": "\(error)"])
            }
        }
    }

    /// Renames `Current` to the first free checkpoint name for `nowMillis`.
    private func checkpoint(trashRoot: String, taken: Set<String>, nowMillis: Int64, context: RPCCallContext) async throws {
        let names = TrashCheckpoints.candidateNames(atMillis: nowMillis)
        for name in names where !taken.contains(name) {
            var rename = Rfs_Namenode_Rename()
            rename.source = trashRoot + "/" + TrashCheckpoints.current
            rename.destination = trashRoot + "/" + name
            do {
                _ = try await propose(.rename(rename), context: context)
                logger.info("created trash checkpoint", metadata: ["path": "\(rename.destination)"])
                return
            } catch NamespaceRejection.fileAlreadyExists {
                // Made since the listing: try the next name.
            }
        }
        throw NamespaceRejection.io("Failed to checkpoint trash: \(trashRoot)/\(names[0])")
    }

    /// Every entry of the directory `path`, read a listing page at a time.
    private func entries(of path: String, caller: Caller) throws -> [Rfs_Namenode_InodeRecord] {
        var all: [Rfs_Namenode_InodeRecord] = []
        var after: [UInt8] = []
        while let page = try reads().listing(path, startAfter: after, limit: Limits.listingPageEntriesDefault, caller: caller),
              !page.listsFileItself {
            all += page.entries
            guard page.remainingEntries > 0, let last = page.entries.last else { break }
            after = Array(last.name)
        }
        return all
    }
}
