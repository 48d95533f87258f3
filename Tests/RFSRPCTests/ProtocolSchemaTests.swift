// Wire facts of the RFSProtocol schemas, checked by encoding: field numbers, wire types, labels
// and enum values that real HDFS clients depend on. If one of these fails after editing a .proto,
// the edit broke compatibility with Hadoop.

import Foundation
import RFSProtocol
import SwiftProtobuf
import Testing

private func bytes(_ message: some SwiftProtobuf.Message, partial: Bool = false) throws -> [UInt8] {
    try [UInt8](message.serializedData(partial: partial))
}

private func emptyToken() -> Hadoop_Common_TokenProto {
    var token = Hadoop_Common_TokenProto()
    token.identifier = Data()
    token.password = Data()
    token.kind = ""
    token.service = ""
    return token
}

private func sampleFileStatus() -> Hadoop_Hdfs_HdfsFileStatusProto {
    var st = Hadoop_Hdfs_HdfsFileStatusProto()
    st.fileType = .isFile
    st.path = Data("part-0000".utf8)
    st.length = 1234
    st.permission = .with { $0.perm = 0o644 }
    st.owner = "alice"
    st.group = "supergroup"
    st.modificationTime = 1_700_000_000_000
    st.accessTime = 1_700_000_000_001
    st.blockReplication = 3
    st.blocksize = 128 << 20
    st.fileID = 16386
    return st
}

@Suite("RFSProtocol wire facts")
struct ProtocolSchemaTests {

    // MARK: Hadoop IPC headers

    @Test("RpcRequestHeaderProto: callId is sint32 field 3 (zig-zag), retryCount sint32 field 5")
    func connectionContextHeader() throws {
        var h = Hadoop_Common_RpcRequestHeaderProto()
        h.rpcKind = .rpcProtocolBuffer
        h.rpcOp = .rpcFinalPacket
        h.callID = -3
        h.clientID = Data(repeating: 0xAB, count: 16)
        h.retryCount = -1
        let expected: [UInt8] =
            [0x08, 0x02]              // rpcKind = RPC_PROTOCOL_BUFFER (2)
            + [0x10, 0x00]            // rpcOp = RPC_FINAL_PACKET, present though zero (proto2)
            + [0x18, 0x05]            // callId: field 3 varint, zig-zag(-3) = 5
            + [0x22, 0x10] + [UInt8](repeating: 0xAB, count: 16)  // clientId: field 4, 16 bytes
            + [0x28, 0x01]            // retryCount: field 5, zig-zag(-1) = 1
        #expect(try bytes(h) == expected)
        #expect(Hadoop_Common_RpcRequestHeaderProto().retryCount == -1)  // proto2 default
    }

    @Test("RpcRequestHeaderProto: clientId and callId are required")
    func requestHeaderRequiredFields() {
        var h = Hadoop_Common_RpcRequestHeaderProto()
        h.rpcKind = .rpcProtocolBuffer
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try h.serializedData() }
    }

    @Test("RpcResponseHeaderProto: callId is uint32 field 1, status field 2, ipc version field 3")
    func responseHeader() throws {
        var r = Hadoop_Common_RpcResponseHeaderProto()
        r.callID = 7
        r.status = .success
        r.serverIpcVersionNum = UInt32(HadoopIPC.version)
        #expect(try bytes(r) == [0x08, 0x07, 0x10, 0x00, 0x18, 0x09])

        var e = Hadoop_Common_RpcResponseHeaderProto()
        e.callID = 1
        e.status = .error
        e.exceptionClassName = "java.io.FileNotFoundException"
        e.errorDetail = .errorApplication
        let decoded = try Hadoop_Common_RpcResponseHeaderProto(serializedBytes: try bytes(e))
        #expect(decoded == e)
        #expect(decoded.status.rawValue == 1)
        #expect(Hadoop_Common_RpcResponseHeaderProto.RpcErrorCodeProto.fatalUnauthorized.rawValue == 15)
        #expect(Hadoop_Common_RpcResponseHeaderProto.RpcErrorCodeProto.errorRpcVersionMismatch.rawValue == 6)
        #expect(Hadoop_Common_RpcResponseHeaderProto.RpcErrorCodeProto.fatalUnknown.rawValue == 10)
    }

    @Test("IpcConnectionContextProto: userInfo is field 2, protocol field 3")
    func connectionContext() throws {
        var c = Hadoop_Common_IpcConnectionContextProto()
        c.protocol = ProtocolNames.clientProtocol
        c.userInfo.effectiveUser = "u"
        let b = try bytes(c)
        #expect(b.first == 0x12)  // field 2, length-delimited
        #expect(b[b.startIndex + 5] == 0x1A)  // 12 03 | 0A 01 'u' | 1A ...  protocol: field 3
        #expect(try Hadoop_Common_IpcConnectionContextProto(serializedBytes: b) == c)
    }

    @Test("RequestHeaderProto round-trips and requires all three fields")
    func methodHeader() throws {
        var h = Hadoop_Common_RequestHeaderProto()
        h.methodName = "getFileInfo"
        h.declaringClassProtocolName = ProtocolNames.clientProtocol
        h.clientProtocolVersion = ProtocolNames.protocolVersion
        #expect(try Hadoop_Common_RequestHeaderProto(serializedBytes: try bytes(h)) == h)
        var partial = Hadoop_Common_RequestHeaderProto()
        partial.methodName = "getFileInfo"
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try partial.serializedData() }
    }

    // MARK: ClientNamenodeProtocol types

    @Test("HdfsFileStatusProto: the eight required fields are enforced")
    func fileStatusRequired() throws {
        var st = Hadoop_Hdfs_HdfsFileStatusProto()
        st.fileType = .isDir
        st.path = Data()
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try st.serializedData() }
        // Decoding also refuses a status missing required fields (as the Java client does).
        let partialBytes = try st.serializedData(partial: true)
        #expect(throws: BinaryDecodingError.self) {
            try Hadoop_Hdfs_HdfsFileStatusProto(serializedBytes: partialBytes)
        }

        let full = sampleFileStatus()
        let b = try bytes(full)
        #expect(Array(b.prefix(2)) == [0x08, 0x02])  // fileType: field 1, IS_FILE = 2
        #expect(try Hadoop_Hdfs_HdfsFileStatusProto(serializedBytes: b) == full)
        #expect(Hadoop_Hdfs_HdfsFileStatusProto().childrenNum == -1)  // proto2 default
    }

    @Test("getFileInfo of a missing path: a response without fs is valid")
    func getFileInfoMissing() throws {
        let empty = Hadoop_Hdfs_GetFileInfoResponseProto()
        #expect(try bytes(empty).isEmpty)
        var found = Hadoop_Hdfs_GetFileInfoResponseProto()
        found.fs = sampleFileStatus()
        let decoded = try Hadoop_Hdfs_GetFileInfoResponseProto(serializedBytes: try bytes(found))
        #expect(decoded.hasFs)
        #expect(decoded.fs.owner == "alice")
    }

    @Test("LocatedBlockProto: blockToken is required; an empty token satisfies it")
    func locatedBlockToken() throws {
        var lb = Hadoop_Hdfs_LocatedBlockProto()
        lb.b = .with {
            $0.poolID = "BP-1"
            $0.blockID = 1_073_741_825
            $0.generationStamp = 1001
            $0.numBytes = 42
        }
        lb.offset = 0
        lb.corrupt = false
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try lb.serializedData() }
        lb.blockToken = emptyToken()
        lb.isCached = [false]
        let b = try bytes(lb)
        #expect(try Hadoop_Hdfs_LocatedBlockProto(serializedBytes: b) == lb)
        // isCached is packed (field 6, wire type 2): tag 0x32, one byte of payload.
        #expect(b.suffix(3) == [0x32, 0x01, 0x00])
    }

    @Test("FsServerDefaultsProto: five required fields, checksumType field 8")
    func serverDefaults() throws {
        var d = Hadoop_Hdfs_FsServerDefaultsProto()
        d.blockSize = 128 << 20
        d.bytesPerChecksum = 512
        d.writePacketSize = 64 << 10
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try d.serializedData() }
        d.replication = 3
        d.fileBufferSize = 4096
        d.checksumType = .checksumCrc32C
        let b = try bytes(d)
        #expect(b.suffix(2) == [0x40, 0x02])  // field 8 varint, CHECKSUM_CRC32C = 2
        #expect(Hadoop_Hdfs_FsServerDefaultsProto().checksumType == .checksumCrc32)  // HDFS default
    }

    @Test("Enum values that travel on the wire")
    func enumValues() {
        #expect(Hadoop_Hdfs_CreateFlagProto.create.rawValue == 0x01)
        #expect(Hadoop_Hdfs_CreateFlagProto.overwrite.rawValue == 0x02)
        #expect(Hadoop_Hdfs_CreateFlagProto.append.rawValue == 0x04)
        #expect(Hadoop_Hdfs_CreateFlagProto.lazyPersist.rawValue == 0x10)
        #expect(Hadoop_Hdfs_CreateFlagProto.newBlock.rawValue == 0x20)
        #expect(Hadoop_Hdfs_CreateFlagProto.shouldReplicate.rawValue == 0x80)
        #expect(Hadoop_Hdfs_SafeModeActionProto.safemodeGet.rawValue == 3)
        #expect(Hadoop_Hdfs_DatanodeReportTypeProto.live.rawValue == 2)
        #expect(Hadoop_Hdfs_StorageTypeProto.disk.rawValue == 1)
        #expect(Hadoop_Hdfs_HdfsFileStatusProto.FileType.isSymlink.rawValue == 3)
        #expect(Hadoop_Common_HAServiceStateProto.observer.rawValue == 3)
        #expect(Hadoop_Hdfs_DatanodeInfoProto.AdminState.inMaintenance.rawValue == 4)

        #expect(Hadoop_Hdfs_Status.success.rawValue == 0)
        #expect(Hadoop_Hdfs_Status.errorChecksum.rawValue == 2)
        #expect(Hadoop_Hdfs_Status.checksumOk.rawValue == 6)
        #expect(Hadoop_Hdfs_Status.oobRestart.rawValue == 8)
        #expect(Hadoop_Hdfs_Status.errorBlockPinned.rawValue == 13)
        typealias Stage = Hadoop_Hdfs_OpWriteBlockProto.BlockConstructionStage
        #expect(Stage.pipelineSetupAppend.rawValue == 0)
        #expect(Stage.pipelineClose.rawValue == 4)
        #expect(Stage.pipelineSetupCreate.rawValue == 6)
        #expect(Stage.transferFinalized.rawValue == 8)
    }

    // MARK: DataTransferProtocol

    @Test("DataTransferProtocol version and opcodes")
    func opcodes() {
        #expect(DataTransferProtocolInfo.version == 28)
        #expect(DataTransferOpcode.writeBlock.rawValue == 80)
        #expect(DataTransferOpcode.readBlock.rawValue == 81)
        #expect(DataTransferOpcode.blockChecksum.rawValue == 85)
        #expect(DataTransferOpcode.transferBlock.rawValue == 86)
        #expect(DataTransferOpcode.blockGroupChecksum.rawValue == 90)
        #expect(DataTransferOpcode.custom.rawValue == 127)
        #expect(DataTransferOpcode(rawValue: 91) == nil)
    }

    @Test("PacketHeaderProto is fixed-size: 25 bytes, 27 with syncBlock present")
    func packetHeaderSize() throws {
        var h = Hadoop_Hdfs_PacketHeaderProto()
        h.offsetInBlock = 0
        h.seqno = 0
        h.lastPacketInBlock = false
        h.dataLen = 0
        #expect(try bytes(h).count == 25)
        h.offsetInBlock = Int64.max
        h.seqno = -1
        h.dataLen = 65536
        h.lastPacketInBlock = true
        #expect(try bytes(h).count == 25)
        h.syncBlock = false
        let b = try bytes(h)
        #expect(b.count == 27)
        #expect(b[0] == 0x09)   // offsetInBlock: field 1, fixed64
        #expect(b[9] == 0x11)   // seqno: field 2, fixed64
        #expect(b[18] == 0x18)  // lastPacketInBlock: field 3, varint
        #expect(b[20] == 0x25)  // dataLen: field 4, fixed32
        #expect(try Hadoop_Hdfs_PacketHeaderProto(serializedBytes: b) == h)
    }

    @Test("PipelineAckProto: seqno sint64, reply unpacked enums, flag packed")
    func pipelineAck() throws {
        var ack = Hadoop_Hdfs_PipelineAckProto()
        ack.seqno = -2
        ack.reply = [.success, .errorChecksum]
        ack.flag = [0]
        #expect(try bytes(ack) == [0x08, 0x03, 0x10, 0x00, 0x10, 0x02, 0x22, 0x01, 0x00])
    }

    @Test("BlockOpResponseProto with checksum info round-trips")
    func blockOpResponse() throws {
        var r = Hadoop_Hdfs_BlockOpResponseProto()
        r.status = .success
        r.readOpChecksumInfo = .with {
            $0.checksum = .with { $0.type = .checksumCrc32C; $0.bytesPerChecksum = 512 }
            $0.chunkOffset = 1024
        }
        let b = try bytes(r)
        #expect(b.prefix(2) == [0x08, 0x00])
        #expect(try Hadoop_Hdfs_BlockOpResponseProto(serializedBytes: b) == r)

        var status = Hadoop_Hdfs_ClientReadStatusProto()
        status.status = .checksumOk
        #expect(try bytes(status) == [0x08, 0x06])
    }

    @Test("OpWriteBlockProto: stage is field 4, requestedChecksum field 9")
    func writeBlock() throws {
        var op = Hadoop_Hdfs_OpWriteBlockProto()
        op.header = .with {
            $0.baseHeader = .with {
                $0.block = .with { $0.poolID = "BP-1"; $0.blockID = 1; $0.generationStamp = 1 }
                $0.token = emptyToken()
            }
            $0.clientName = "DFSClient_1"
        }
        op.stage = .pipelineSetupCreate
        op.pipelineSize = 1
        op.minBytesRcvd = 0
        op.maxBytesRcvd = 0
        op.latestGenerationStamp = 1
        op.requestedChecksum = .with { $0.type = .checksumCrc32C; $0.bytesPerChecksum = 512 }
        let b = try bytes(op)
        #expect(try Hadoop_Hdfs_OpWriteBlockProto(serializedBytes: b) == op)

        // The same fields alone (partial encoding), to pin their numbers and wire types.
        let stageOnly = Hadoop_Hdfs_OpWriteBlockProto.with { $0.stage = .pipelineSetupCreate }
        #expect(try bytes(stageOnly, partial: true) == [0x20, 0x06])
        let checksumOnly = Hadoop_Hdfs_OpWriteBlockProto.with { $0.requestedChecksum = op.requestedChecksum }
        #expect(try bytes(checksumOnly, partial: true) == [0x4A, 0x05, 0x08, 0x02, 0x10, 0x80, 0x04])
    }

    // MARK: rfs's own protocols

    @Test("DatanodeProtocol heartbeat response with commands round-trips")
    func datanodeCommands() throws {
        var resp = Rfs_Datanode_HeartbeatResponse()
        resp.haStatus = .with { $0.state = .active; $0.term = 3; $0.namenodeID = 1; $0.leaderID = 1 }
        resp.commands = [
            .with {
                $0.invalidate = .with {
                    $0.blockPoolID = "BP-1"
                    $0.blocks = [.with { $0.blockID = 5; $0.genStamp = 1001 }]
                }
            },
            .with { $0.register = Rfs_Datanode_RegisterCommand() },
        ]
        let decoded = try Rfs_Datanode_HeartbeatResponse(serializedBytes: try bytes(resp))
        #expect(decoded == resp)
        guard case .invalidate(let inv)? = decoded.commands.first?.command else {
            Issue.record("expected an invalidate command")
            return
        }
        #expect(inv.blocks.first?.blockID == 5)
    }

    @Test("RaftProtocol messages round-trip")
    func raftMessages() throws {
        var req = Rfs_Raft_AppendEntriesRequest()
        req.term = 2
        req.leaderID = 1
        req.prevLogIndex = 10
        req.prevLogTerm = 1
        req.leaderCommit = 9
        req.entries = [
            .with { $0.term = 2; $0.index = 11; $0.type = .normal; $0.data = Data([1, 2, 3]) },
            .with {
                $0.term = 2; $0.index = 12; $0.type = .configChange
                $0.data = try! Rfs_Raft_ConfChange.with {
                    $0.changes = [.with { $0.type = .addLearner; $0.member.id = 4 }]
                }.serializedData()
            },
        ]
        let decoded = try Rfs_Raft_AppendEntriesRequest(serializedBytes: try bytes(req))
        #expect(decoded == req)
        let cc = try Rfs_Raft_ConfChange(serializedBytes: decoded.entries[1].data)
        #expect(cc.changes.first?.member.id == 4)

        let vote = Rfs_Raft_RequestVoteRequest.with { $0.term = 3; $0.candidateID = 2; $0.preVote = true }
        #expect(try Rfs_Raft_RequestVoteRequest(serializedBytes: try bytes(vote)).preVote)

        let hs = Rfs_Raft_HardState.with { $0.term = 3; $0.vote = 2; $0.commit = 12 }
        #expect(try bytes(hs) == [0x08, 0x03, 0x10, 0x02, 0x18, 0x0C])
    }
}
