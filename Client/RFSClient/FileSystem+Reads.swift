import Foundation
import RFSModel
import RFSProtocol

extension FileSystem {
    /// The status of `path`, or nil when nothing is there (HDFS answers a missing path with
    /// an empty reply, not an error).
    public func fileStatus(_ path: String) async throws -> FileStatus? {
        let absolute = try resolve(path)
        var request = Hadoop_Hdfs_GetFileInfoRequestProto()
        request.src = absolute
        let reply = try await call("getFileInfo", request, returning: Hadoop_Hdfs_GetFileInfoResponseProto.self, idempotent: true)
        return reply.hasFs ? FileStatus(reply.fs, path: absolute) : nil
    }

    /// Whether anything is at `path`.
    public func exists(_ path: String) async throws -> Bool {
        try await fileStatus(path) != nil
    }

    /// The entries of directory `path`, fetched a page (`dfs.ls.limit` entries) at a time as
    /// the sequence is consumed. A missing directory throws `FileNotFoundException`.
    public func listing(_ path: String) throws(FileSystemError) -> DirectoryListing {
        DirectoryListing(fileSystem: self, directory: try resolve(path))
    }

    /// Every entry of directory `path`, in the namenode's (byte-wise name) order.
    public func listStatus(_ path: String) async throws -> [FileStatus] {
        var entries: [FileStatus] = []
        for try await status in try listing(path) { entries.append(status) }
        return entries
    }

    /// Length, file and directory counts and quotas of the tree under `path`.
    public func contentSummary(_ path: String) async throws -> ContentSummary {
        var request = Hadoop_Hdfs_GetContentSummaryRequestProto()
        request.path = try resolve(path)
        let reply = try await call("getContentSummary", request, returning: Hadoop_Hdfs_GetContentSummaryResponseProto.self, idempotent: true)
        return ContentSummary(reply.summary)
    }

    /// Quotas and their usage for directory `path`.
    public func quotaUsage(_ path: String) async throws -> QuotaUsage {
        var request = Hadoop_Hdfs_GetQuotaUsageRequestProto()
        request.path = try resolve(path)
        let reply = try await call("getQuotaUsage", request, returning: Hadoop_Hdfs_GetQuotaUsageResponseProto.self, idempotent: true)
        return QuotaUsage(reply.usage)
    }

    /// One getListing page after `startAfter` (a child name's bytes; empty for the first page).
    public func listingPage(_ directory: String, startAfter: Data) async throws -> (entries: [FileStatus], remaining: Int) {
        var request = Hadoop_Hdfs_GetListingRequestProto()
        request.src = directory
        request.startAfter = startAfter
        request.needLocation = false
        let reply = try await call("getListing", request, returning: Hadoop_Hdfs_GetListingResponseProto.self, idempotent: true)
        guard reply.hasDirList else {
            throw RemoteException(.fileNotFound, "File \(directory) does not exist.")
        }
        let page = reply.dirList.partialListing
        guard page.count <= Limits.directoryItemsMax else {
            throw RemoteException(.ioException, "getListing of \(directory) returned \(page.count) entries, more than \(Limits.directoryItemsMax)")
        }
        let entries = page.map { entry -> FileStatus in
            // A listing of a file names the file itself with an empty name.
            entry.path.isEmpty ? FileStatus(entry, path: directory)
                : FileStatus(entry, path: PathResolver.child(of: directory, named: String(decoding: entry.path, as: UTF8.self)))
        }
        return (entries, Int(reply.dirList.remainingEntries))
    }
}

/// The entries of one directory as an async sequence over paged getListing calls: each page
/// starts after the last name of the one before, so a huge directory is never held whole.
public struct DirectoryListing: AsyncSequence, Sendable {
    public typealias Element = FileStatus

    let fileSystem: FileSystem
    /// The absolute path listed.
    public let directory: String

    public func makeAsyncIterator() -> Iterator {
        Iterator(fileSystem: fileSystem, directory: directory)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let fileSystem: FileSystem
        let directory: String
        private var buffered: [FileStatus] = []
        private var position = 0
        private var startAfter = Data()
        private var finished = false
        /// Entries returned so far: a directory holds at most `Limits.directoryItemsMax`, so a
        /// server that pages past that is broken, and the listing stops rather than loop.
        private var returned = 0

        init(fileSystem: FileSystem, directory: String) {
            self.fileSystem = fileSystem
            self.directory = directory
        }

        public mutating func next() async throws -> FileStatus? {
            if position == buffered.count {
                guard !finished else { return nil }
                let page = try await fileSystem.listingPage(directory, startAfter: startAfter)
                buffered = page.entries
                position = 0
                // An empty page ends the listing even if the server claims more remain:
                // asking again with the same cursor would loop forever.
                finished = page.remaining == 0 || page.entries.isEmpty
                if let last = page.entries.last { startAfter = Data(last.name.utf8) }
                guard !buffered.isEmpty else { return nil }
            }
            returned += 1
            guard returned <= Limits.directoryItemsMax else {
                throw RemoteException(.ioException, "getListing of \(directory) went past \(Limits.directoryItemsMax) entries")
            }
            defer { position += 1 }
            return buffered[position]
        }
    }
}
