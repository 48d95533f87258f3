import RFSClient

/// `-setQuota`, `-clrQuota`, `-setSpaceQuota`, `-clrSpaceQuota` over one or more directories.
enum DFSAdminQuota {
    static func run(_ name: String, _ arguments: [String], fs: FileSystem) async throws {
        var rest = arguments
        // Storage-type quotas: rfs has one storage type, so the option is read and dropped.
        if let index = rest.firstIndex(of: "-storageType") {
            guard index + 1 < rest.count else { throw UsageError("") }
            rest.removeSubrange(index...index + 1)
        }
        switch name {
        case "setQuota":
            guard rest.count >= 2 else { throw UsageError("") }
            guard let quota = Int64(rest[0]), quota > 0 else { throw UsageError("Invalid values for quota : \(rest[0])") }
            for path in rest.dropFirst() { try await fs.setQuota(path, namespace: .limit(quota), storageSpace: .unchanged) }
        case "clrQuota":
            guard !rest.isEmpty else { throw UsageError("") }
            for path in rest { try await fs.setQuota(path, namespace: .clear, storageSpace: .unchanged) }
        case "setSpaceQuota":
            guard rest.count >= 2 else { throw UsageError("") }
            guard let quota = parseBytes(rest[0]), quota >= 0 else { throw UsageError("Invalid values for quota : \(rest[0])") }
            for path in rest.dropFirst() { try await fs.setQuota(path, namespace: .unchanged, storageSpace: .limit(quota)) }
        default:
            guard !rest.isEmpty else { throw UsageError("") }
            for path in rest { try await fs.setQuota(path, namespace: .unchanged, storageSpace: .clear) }
        }
    }

    /// Hadoop's `TraditionalBinaryPrefix.string2long`: a number with an optional k, m, g, t, p or e.
    static func parseBytes(_ text: String) -> Int64? {
        guard let last = text.lowercased().last else { return nil }
        let shifts: [Character: Int64] = ["k": 10, "m": 20, "g": 30, "t": 40, "p": 50, "e": 60]
        if let shift = shifts[last] {
            guard let n = Int64(text.dropLast()) else { return nil }
            let (value, overflow) = n.multipliedReportingOverflow(by: 1 << shift)
            return overflow ? nil : value
        }
        return Int64(text)
    }
}
