import Logging

/// Suffix truncation and prefix compaction of the segment files. Run by the writer thread, in
/// queue order with the appends, so that nothing writes a segment while it changes.
struct SegmentMaintenance {
    let directory: String
    /// Taken alone while truncating, so that no read is under way in a file that shrinks.
    let segmentFiles: PthreadRWLock
    let logger: Logger

    /// Drops the records after `index`: whole segments from the last one back (so that a crash
    /// part-way leaves a log without a gap), then the end of the segment holding `index`.
    func truncate(_ segments: [Segment], after index: UInt64, stats: inout WALStats) throws(WALError) -> [Segment] {
        var segments = segments
        let lastBefore = segments[segments.count - 1].lastIndex
        guard index < lastBefore else { return segments }
        guard index + 1 >= segments[0].firstIndex else {
            throw .indexOutOfRange(index: index, firstIndex: segments[0].firstIndex, lastIndex: lastBefore)
        }
        try segmentFiles.withWriteLock { () throws(WALError) in
            var deleted = false
            while segments.count > 1 && segments[segments.count - 1].firstIndex > index {
                try POSIX.unlink(segments[segments.count - 1].path)
                segments.removeLast()
                stats.segmentsDeleted += 1
                deleted = true
            }
            if deleted {
                try POSIX.syncDirectory(directory)
                stats.directoryFsyncs += 1
            }
            var last = segments.removeLast()
            if index < last.lastIndex {
                try cut(&last, after: index)
                stats.fsyncs += 1
            }
            segments.append(last)
        }
        logger.info("WAL \(directory) dropped records \(index + 1)...\(lastBefore) (suffix truncation)")
        return segments
    }

    /// Shortens `segment` to end with record `index` (to nothing, when `index` precedes it).
    private func cut(_ segment: inout Segment, after index: UInt64) throws(WALError) {
        var end: Int64 = 0
        var term: UInt64?
        if index >= segment.firstIndex {
            try SegmentReader.forEach(in: segment, from: index, through: index) { header, _, endOffset in
                end = endOffset
                term = header.term
            }
        }
        try POSIX.truncate(segment.file.descriptor, to: end, path: segment.path)
        try POSIX.syncFile(segment.file.descriptor, path: segment.path)
        segment.sizeBytes = end
        segment.allocatedBytes = end
        segment.lastIndex = index
        segment.lastTerm = term
        segment.checkpoints.removeAll { $0.index > index }
    }

    /// Deletes the oldest segments whose records are all at or below `index`, oldest first (so
    /// that a crash part-way leaves a log without a gap), never the active one.
    func compact(_ segments: [Segment], through index: UInt64, stats: inout WALStats) throws(WALError) -> [Segment] {
        var segments = segments
        var deleted = 0
        while segments.count > 1 && segments[0].lastIndex <= index {
            try POSIX.unlink(segments[0].path)
            segments.removeFirst()
            deleted += 1
        }
        guard deleted > 0 else { return segments }
        try POSIX.syncDirectory(directory)
        stats.directoryFsyncs += 1
        stats.segmentsDeleted += UInt64(deleted)
        let message = "WAL \(directory) deleted \(deleted) segments, records up to \(segments[0].firstIndex - 1) "
            + "(prefix compaction through \(index))"
        logger.info("\(message)")
        return segments
    }

    /// Replaces the whole log with one empty segment that starts at `index + 1`. The old
    /// segments go first, newest first, then the new one is created: a crash part-way leaves a
    /// shorter log without a gap, or an empty one (recovery then starts it at 1, and the Raft
    /// storage, which knows the snapshot, restarts it again).
    func restart(_ segments: [Segment], after index: UInt64, stats: inout WALStats) throws(WALError) -> [Segment] {
        if segments.count == 1 && segments[0].firstIndex == index + 1 && segments[0].lastIndex == index { return segments }
        let dropped = (segments[0].firstIndex, segments[segments.count - 1].lastIndex)
        try segmentFiles.withWriteLock { () throws(WALError) in
            for segment in segments.reversed() {
                try POSIX.unlink(segment.path)
                stats.segmentsDeleted += 1
            }
            try POSIX.syncDirectory(directory)
            stats.directoryFsyncs += 1
        }
        let fresh = try Segment.create(directory: directory, firstIndex: index + 1)  // syncs the directory
        stats.directoryFsyncs += 1
        stats.segmentsCreated += 1
        logger.info("WAL \(directory) dropped records \(dropped.0)...\(dropped.1) and continues at \(index + 1) (restarted after a snapshot)")
        return [fresh]
    }
}
