/// Where a scan begins, in its direction of travel.
public enum ScanStart: Hashable, Sendable {
    /// The first key of the prefix in the scan's direction (the smallest going forward, the
    /// largest in reverse).
    case first
    /// `key` itself if present, else the next key in the scan's direction.
    case at([UInt8])
    /// The first key strictly past `key` in the scan's direction: to page, pass the last key of
    /// the previous page.
    case after([UInt8])
}

public enum ScanDirection: Hashable, Sendable {
    case forward, reverse
}

/// One page of an ordered scan: keys starting with `prefix`, from `start`, in `direction`, at
/// most `limit` of them.
public struct ScanRequest: Hashable, Sendable {
    /// Only keys that start with this; `[]` for all keys.
    public var prefix: [UInt8]
    public var start: ScanStart
    public var direction: ScanDirection
    /// The most entries to return; nil for no limit.
    public var limit: Int?

    public init(
        prefix: [UInt8] = [], start: ScanStart = .first, direction: ScanDirection = .forward,
        limit: Int? = nil
    ) {
        precondition(limit.map { $0 >= 0 } ?? true, "a scan limit cannot be negative")
        self.prefix = prefix
        self.start = start
        self.direction = direction
        self.limit = limit
    }
}

public struct KeyValuePair: Hashable, Sendable {
    public var key: [UInt8]
    public var value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

extension KeyValueReader {
    /// The entries `request` selects, in its direction. Materializes the page; for listings too
    /// large for that, use a cursor with `position(for:)` and `advance(in:)`.
    public func scan(_ request: ScanRequest) throws -> [KeyValuePair] {
        let cursor = try makeCursor()
        try cursor.position(for: request)
        var page: [KeyValuePair] = []
        while cursor.isValid, page.count < request.limit ?? .max {
            let key = cursor.key
            guard BytewiseOrder.hasPrefix(key, request.prefix) else { break }
            page.append(KeyValuePair(key: key, value: cursor.value))
            try cursor.advance(in: request.direction)
        }
        return page
    }

    public func scan(
        prefix: [UInt8] = [], start: ScanStart = .first, direction: ScanDirection = .forward,
        limit: Int? = nil
    ) throws -> [KeyValuePair] {
        try scan(ScanRequest(prefix: prefix, start: start, direction: direction, limit: limit))
    }
}

extension KeyValueCursor {
    /// Moves to the first entry `request` would return, ignoring its limit. The caller stops
    /// when the cursor is invalid or its key no longer has the prefix.
    ///
    /// Going forward this is one seek. In reverse it seeks to the exclusive upper bound (the
    /// prefix's successor, or the start key) and steps back once; with no bound (empty or
    /// all-0xFF prefix) it starts from the last key.
    public func position(for request: ScanRequest) throws {
        switch request.direction {
        case .forward:
            let lowerBound: [UInt8] =
                switch request.start {
                case .first: request.prefix
                case .at(let key): BytewiseOrder.max(key, request.prefix)
                case .after(let key): BytewiseOrder.max(BytewiseOrder.successor(ofKey: key), request.prefix)
                }
            try seek(lowerBound)
        case .reverse:
            let prefixEnd = BytewiseOrder.successor(ofPrefix: request.prefix)
            let startEnd: [UInt8]? =
                switch request.start {
                case .first: nil
                case .at(let key): BytewiseOrder.successor(ofKey: key)
                case .after(let key): key
                }
            let upperBound: [UInt8]? =
                switch (prefixEnd, startEnd) {
                case (nil, nil): nil
                case (let bound?, nil), (nil, let bound?): bound
                case (let a?, let b?): BytewiseOrder.min(a, b)
                }
            try seekToLast(before: upperBound)
        }
    }

    /// Moves one entry in `direction`.
    public func advance(in direction: ScanDirection) throws {
        switch direction {
        case .forward: try next()
        case .reverse: try prev()
        }
    }

    /// Positions at the last key strictly before `upperBound` (the last key if nil).
    private func seekToLast(before upperBound: [UInt8]?) throws {
        guard let upperBound else { return try seekToLast() }
        try seek(upperBound)
        if isValid {
            try prev()
        } else {
            // Every key is below the bound.
            try seekToLast()
        }
    }
}
