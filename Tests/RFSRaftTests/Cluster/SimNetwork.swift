@testable import RFSRaft
import RFSModel

/// A message on the simulated wire. A snapshot carries the image its sender's shell streams
/// with it (captured when sent, as a stream of a LevelDB snapshot would be).
struct Envelope {
    var message: RaftMessage
    var image: NamespaceImage?
    /// A copy the network made: its loss is not the sender's stream failing.
    var isDuplicate = false
}

/// One direction between two nodes: a partition may cut one direction and not the other.
struct DirectedLink: Hashable, Comparable {
    let from: NodeID
    let to: NodeID

    static func < (a: DirectedLink, b: DirectedLink) -> Bool { (a.from, a.to) < (b.from, b.to) }
}

struct NetworkFaults {
    var dropPercent = 0
    var duplicatePercent = 0
    /// Each message takes 1...this many ticks: messages overtake each other.
    var maxDelayTicks = 1
    /// Chance per tick that the shape of the partition changes.
    var reshapePercentPerTick = 0
}

/// The simulated network: delays (hence reordering), drops, duplicates and partitions whose
/// links are cut per direction, all drawn from the simulation's one generator.
struct SimNetwork {
    var faults = NetworkFaults()
    /// Directions that carry nothing now.
    private(set) var cut: Set<DirectedLink> = []
    private var inFlight: [(at: Int, envelope: Envelope)] = []

    /// Puts `envelope` on the wire (and maybe a copy of it); returns it if it is dropped.
    mutating func send(_ envelope: Envelope, now: Int, rng: inout SplitMix64) -> Envelope? {
        if chance(faults.dropPercent, &rng) { return envelope }
        inFlight.append((now + delay(&rng), envelope))
        if chance(faults.duplicatePercent, &rng) {
            var copy = envelope
            copy.isDuplicate = true
            inFlight.append((now + delay(&rng), copy))
        }
        return nil
    }

    /// Messages whose time has come, in the order they were sent, split into those a
    /// cut link loses and those that arrive.
    mutating func takeDue(now: Int) -> [(envelope: Envelope, arrives: Bool)] {
        guard inFlight.contains(where: { $0.at <= now }) else { return [] }
        var due: [(Envelope, Bool)] = []
        var waiting: [(at: Int, envelope: Envelope)] = []
        waiting.reserveCapacity(inFlight.count)
        for item in inFlight {
            if item.at <= now {
                let link = DirectedLink(from: item.envelope.message.from, to: item.envelope.message.to)
                due.append((item.envelope, !cut.contains(link)))
            } else {
                waiting.append(item)
            }
        }
        inFlight = waiting
        return due
    }

    /// A crashed node's connections break: what was on its way to it is lost.
    mutating func dropAll(to node: NodeID) -> [Envelope] {
        let lost = inFlight.filter { $0.envelope.message.to == node }.map(\.envelope)
        inFlight.removeAll { $0.envelope.message.to == node }
        return lost
    }

    mutating func heal() { cut = [] }

    /// Changes the partition, by the seed: heals it, splits the nodes in two, makes one node
    /// deaf (it hears no one, everyone hears it) or mute (the reverse), or clogs or unclogs
    /// one direction of one link (FoundationDB's swizzle-clogging, a link at a time).
    mutating func reshape(nodes: [NodeID], rng: inout SplitMix64) {
        let links = nodes.flatMap { from in nodes.filter { $0 != from }.map { DirectedLink(from: from, to: $0) } }
        switch rng.next() % 6 {
        case 0:
            cut = []
        case 1:
            let side = Dictionary(uniqueKeysWithValues: nodes.map { ($0, rng.next() % 2) })
            cut = Set(links.filter { side[$0.from] != side[$0.to] })
        case 2:
            let deaf = nodes[Int(rng.next() % UInt64(nodes.count))]
            cut = Set(links.filter { $0.to == deaf })
        case 3:
            let mute = nodes[Int(rng.next() % UInt64(nodes.count))]
            cut = Set(links.filter { $0.from == mute })
        case 4:
            cut.insert(links[Int(rng.next() % UInt64(links.count))])
        default:
            let clogged = cut.sorted()
            if !clogged.isEmpty { cut.remove(clogged[Int(rng.next() % UInt64(clogged.count))]) }
        }
    }

    private func delay(_ rng: inout SplitMix64) -> Int {
        1 + Int(rng.next() % UInt64(max(1, faults.maxDelayTicks)))
    }
}

/// True `percent` times in a hundred, by the generator.
func chance(_ percent: Int, _ rng: inout SplitMix64) -> Bool {
    percent > 0 && Int(rng.next() % 100) < percent
}

/// True `perMille` times in a thousand, for faults rarer than one in a hundred.
func chance(perMille: Int, _ rng: inout SplitMix64) -> Bool {
    perMille > 0 && Int(rng.next() % 1000) < perMille
}
