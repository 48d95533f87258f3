import RFSModel
import RFSProtocol
import RFSRPC

/// HDFS's ClientDatanodeProtocol on the datanode's IPC port (dfs.datanode.ipc.address, the
/// `ipcPort` every registration names): what clients ask a datanode directly. Served:
/// getReplicaVisibleLength, which a reader calls when it opens a file whose last block is
/// still being written (HDFS's DFSInputStream.readBlockLength), to learn how much of it the
/// writer's pipeline has acknowledged and so how far it may read.
enum ClientDatanodeService {
    static func register(into registry: inout RPCServiceRegistry, catalog: ReplicaCatalog, blockPoolID: String) {
        let name = ProtocolNames.clientDatanodeProtocol
        registry.register(protocol: name, method: "getReplicaVisibleLength") {
            (request: Hadoop_Hdfs_GetReplicaVisibleLengthRequestProto, _: RPCCallContext) in
            var response = Hadoop_Hdfs_GetReplicaVisibleLengthResponseProto()
            response.length = UInt64(try visibleLength(of: request.block, catalog: catalog, blockPoolID: blockPoolID))
            return response
        }
    }

    /// The bytes of `block` readers may see here, with HDFS's refusals: ReplicaNotFoundException
    /// for a block this node does not hold (the Java client counts those: when every node of
    /// the pipeline says so, the block is taken as empty), IOException for a replica older
    /// than the reader's generation stamp.
    static func visibleLength(of block: Hadoop_Hdfs_ExtendedBlockProto, catalog: ReplicaCatalog, blockPoolID: String) throws -> Int64 {
        let name = "\(block.poolID):blk_\(block.blockID)_\(block.generationStamp)"
        guard block.poolID.isEmpty || block.poolID == blockPoolID else {
            throw HadoopRemoteError(.replicaNotFound, "Replica not found for \(name): this datanode serves block pool \(blockPoolID)")
        }
        do throws(ReplicaCatalogError) {
            return try catalog.visibleLength(blockID: Int64(bitPattern: block.blockID),
                                             generationStamp: Int64(bitPattern: block.generationStamp))
        } catch {
            switch error {
            case .notFound:
                throw HadoopRemoteError(.replicaNotFound, "Replica not found for \(name)")
            case let .staleGenerationStamp(_, replica, requested):
                throw HadoopRemoteError(.ioException,
                    "replica.getGenerationStamp() < block.getGenerationStamp(), block=\(name), replica generation stamp=\(replica) < \(requested)")
            default:
                throw HadoopRemoteError(.ioException, "\(error)")
            }
        }
    }
}
