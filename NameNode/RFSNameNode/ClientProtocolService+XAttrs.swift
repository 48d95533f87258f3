import Foundation
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRPC

extension ClientProtocolService {
    /// Extended attributes (HDFS's setXAttr, getXAttrs, listXAttrs, removeXAttr): the changes
    /// are edits, checked when applied (`Operations/XAttrs.swift`); the reads come from the
    /// committed namespace. Values travel only when not empty, as HDFS's PBHelperClient sends them.
    func registerXAttrs(into registry: inout RPCServiceRegistry) {
        let protocolName = ProtocolNames.clientProtocol
        registry.register(protocol: protocolName, method: "setXAttr") { [self] (request: Hadoop_Hdfs_SetXAttrRequestProto, context: RPCCallContext) in
            // The record keeps no difference between an empty value and none; HDFS refuses any
            // value, even an empty one, on the superuser-unreadable marker.
            if request.xAttr.hasValue, request.xAttr.namespace == .security, request.xAttr.name == "hdfs.unreadable.by.superuser" {
                throw HadoopRemoteError(.accessControl,
                                        "Attempt to set a value for 'security.hdfs.unreadable.by.superuser'. Values are not allowed for this xattr.")
            }
            var op = Rfs_Namenode_SetXAttr()
            op.path = request.src
            op.xattr = Self.record(request.xAttr)
            op.flags = request.flag
            let limits = engine.machine.configuration
            op.maxSize = UInt32(limits.maxXAttrSize)
            op.maxPerInode = UInt32(limits.maxXAttrsPerInode)
            _ = try await propose(.setXattr(op), context: context)
            return Hadoop_Hdfs_SetXAttrResponseProto()
        }
        registry.register(protocol: protocolName, method: "removeXAttr") { [self] (request: Hadoop_Hdfs_RemoveXAttrRequestProto, context: RPCCallContext) in
            var op = Rfs_Namenode_RemoveXAttr()
            op.path = request.src
            op.xattr = Self.record(request.xAttr)
            _ = try await propose(.removeXattr(op), context: context)
            return Hadoop_Hdfs_RemoveXAttrResponseProto()
        }
        registry.register(protocol: protocolName, method: "getXAttrs") { [self] (request: Hadoop_Hdfs_GetXAttrsRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_GetXAttrsResponseProto()
            response.xAttrs = try reads().xattrs(request.src, names: request.xAttrs.map(Self.record), caller: caller(context)).map(Self.proto)
            return response
        }
        registry.register(protocol: protocolName, method: "listXAttrs") { [self] (request: Hadoop_Hdfs_ListXAttrsRequestProto, context: RPCCallContext) in
            var response = Hadoop_Hdfs_ListXAttrsResponseProto()
            response.xAttrs = try reads().xattrNames(request.src, caller: caller(context)).map(Self.proto)
            return response
        }
    }

    static func record(_ proto: Hadoop_Hdfs_XAttrProto) -> Rfs_Namenode_XAttrRecord {
        var record = Rfs_Namenode_XAttrRecord()
        record.namespace = UInt32(proto.namespace.rawValue)
        record.name = proto.name
        record.value = proto.value
        return record
    }

    static func proto(_ record: Rfs_Namenode_XAttrRecord) -> Hadoop_Hdfs_XAttrProto {
        var proto = Hadoop_Hdfs_XAttrProto()
        proto.namespace = Hadoop_Hdfs_XAttrProto.XAttrNamespaceProto(rawValue: Int(record.namespace)) ?? .user
        proto.name = record.name
        if !record.value.isEmpty { proto.value = record.value }
        return proto
    }
}
