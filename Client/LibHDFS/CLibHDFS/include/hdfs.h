/*
 * hdfs.h — the libhdfs C API, served by rfs's native libhdfs.so (no JVM).
 *
 * Written for rfs from the published libhdfs interface: the same type names, struct layout,
 * constants and function signatures, so a program built against Apache Hadoop's hdfs.h (or
 * one that loads libhdfs.so at run time, as pyarrow does) runs unchanged against this library.
 *
 * Conventions, as libhdfs's:
 *  - A function that fails returns -1 (or NULL) and sets errno to the POSIX code that matches
 *    the Hadoop exception (ENOENT for FileNotFoundException, EACCES for
 *    AccessControlException, EEXIST, ENOTDIR, ENOTEMPTY, EINVAL, EIO, …). The exception's text
 *    is kept per thread: hdfsGetLastExceptionRootCause() or hdfsGetLastError().
 *  - Every function may be called from any thread; one hdfsFS may be shared by threads, an
 *    hdfsFile must not be used by two threads at once.
 *  - Paths are absolute (/a/b), relative to the working directory (/user/<user> at first), or
 *    fully qualified with the connection's own authority (hdfs://host:port/a/b).
 */
#ifndef RFS_LIBHDFS_HDFS_H
#define RFS_LIBHDFS_HDFS_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef EINTERNAL
/* What libhdfs reports for an error it has no closer POSIX code for. */
#define EINTERNAL 255
#endif

#define LIBHDFS_EXTERNAL __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes of one read or write call. */
typedef int32_t tSize;
/* Seconds since the epoch. */
typedef time_t tTime;
/* A position in, or length of, a file. */
typedef int64_t tOffset;
/* A TCP port. */
typedef uint16_t tPort;

typedef enum tObjectKind {
    kObjectKindFile = 'F',
    kObjectKindDirectory = 'D',
} tObjectKind;

/* A connection to one filesystem (opaque). */
struct hdfs_internal;
typedef struct hdfs_internal *hdfsFS;

/* An open file (opaque). */
struct hdfsFile_internal;
typedef struct hdfsFile_internal *hdfsFile;

/* Connection settings gathered before hdfsBuilderConnect (opaque). */
struct hdfsBuilder;

/* One file's or directory's status. Strings and arrays belong to the library: free them with
 * hdfsFreeFileInfo. Times are in seconds. */
typedef struct {
    tObjectKind mKind;
    char *mName;          /* fully qualified: hdfs://authority/path */
    tTime mLastMod;
    tOffset mSize;
    short mReplication;
    tOffset mBlockSize;
    char *mOwner;
    char *mGroup;
    short mPermissions;   /* the mode bits, e.g. 0755 */
    tTime mLastAccess;
} hdfsFileInfo;

/* ---- Connecting ---------------------------------------------------------------------------
 * The namenode is named by host (and port), by "hdfs://host:port", by an HA nameservice
 * configured in rfs's configuration ($RFS_CONF_DIR/rfs-site.conf) or Hadoop's XML files
 * ($HADOOP_CONF_DIR/core-site.xml and hdfs-site.xml), or by "default" (fs.defaultFS). Port 0
 * means "as the name or the configuration says" (8020 when nothing does). */

LIBHDFS_EXTERNAL hdfsFS hdfsConnect(const char *nn, tPort port);
LIBHDFS_EXTERNAL hdfsFS hdfsConnectAsUser(const char *nn, tPort port, const char *user);
LIBHDFS_EXTERNAL hdfsFS hdfsConnectNewInstance(const char *nn, tPort port);
LIBHDFS_EXTERNAL hdfsFS hdfsConnectAsUserNewInstance(const char *nn, tPort port, const char *user);

LIBHDFS_EXTERNAL struct hdfsBuilder *hdfsNewBuilder(void);
LIBHDFS_EXTERNAL void hdfsBuilderSetForceNewInstance(struct hdfsBuilder *bld);
LIBHDFS_EXTERNAL void hdfsBuilderSetNameNode(struct hdfsBuilder *bld, const char *nn);
LIBHDFS_EXTERNAL void hdfsBuilderSetNameNodePort(struct hdfsBuilder *bld, tPort port);
LIBHDFS_EXTERNAL void hdfsBuilderSetUserName(struct hdfsBuilder *bld, const char *userName);
/* Kept for callers that set it; rfs speaks SIMPLE authentication only. */
LIBHDFS_EXTERNAL void hdfsBuilderSetKerbTicketCachePath(struct hdfsBuilder *bld, const char *kerbTicketCachePath);
/* Sets a configuration key for this connection only; 0 on success. */
LIBHDFS_EXTERNAL int hdfsBuilderConfSetStr(struct hdfsBuilder *bld, const char *key, const char *val);
/* Frees a builder that was not passed to hdfsBuilderConnect. */
LIBHDFS_EXTERNAL void hdfsFreeBuilder(struct hdfsBuilder *bld);
/* Connects and frees the builder (also on failure). */
LIBHDFS_EXTERNAL hdfsFS hdfsBuilderConnect(struct hdfsBuilder *bld);

/* The configured value of key (rfs configuration and Hadoop XML); *val is NULL when unset.
 * Free a string with hdfsConfStrFree. 0 on success. */
LIBHDFS_EXTERNAL int hdfsConfGetStr(const char *key, char **val);
LIBHDFS_EXTERNAL int hdfsConfGetInt(const char *key, int32_t *val);
LIBHDFS_EXTERNAL void hdfsConfStrFree(char *val);

/* Closes the connection; files still open on it stay usable until they are closed. 0 on success. */
LIBHDFS_EXTERNAL int hdfsDisconnect(hdfsFS fs);

/* ---- Files ------------------------------------------------------------------------------ */

/* flags: O_RDONLY, O_WRONLY (create or replace; with O_EXCL refuse an existing file), or
 * O_WRONLY|O_APPEND. bufferSize is accepted and ignored; replication and blocksize 0 mean the
 * defaults (the configuration's dfs.replication and dfs.blocksize, else the namenode's). */
LIBHDFS_EXTERNAL hdfsFile hdfsOpenFile(hdfsFS fs, const char *path, int flags, int bufferSize,
                                       short replication, tSize blocksize);
/* Closes the file; for a file being written, waits until every byte is acknowledged and
 * completes it. Frees the handle even when it fails. */
LIBHDFS_EXTERNAL int hdfsCloseFile(hdfsFS fs, hdfsFile file);
LIBHDFS_EXTERNAL int hdfsFileIsOpenForRead(hdfsFile file);
LIBHDFS_EXTERNAL int hdfsFileIsOpenForWrite(hdfsFile file);
/* Drops what the stream buffers (its datanode connection); the next read opens a new one. */
LIBHDFS_EXTERNAL int hdfsUnbufferFile(hdfsFile file);

/* Reads up to length bytes at the current position; 0 at the end of the file. */
LIBHDFS_EXTERNAL tSize hdfsRead(hdfsFS fs, hdfsFile file, void *buffer, tSize length);
/* Reads up to length bytes at position, without moving the current position. */
LIBHDFS_EXTERNAL tSize hdfsPread(hdfsFS fs, hdfsFile file, tOffset position, void *buffer, tSize length);
/* Appends length bytes; returns length. */
LIBHDFS_EXTERNAL tSize hdfsWrite(hdfsFS fs, hdfsFile file, const void *buffer, tSize length);
/* hdfsFlush hands what is written to the stream, as HDFS's flush does (whole packets are sent
 * as they fill; a shorter tail waits for more bytes). hdfsHFlush sends everything, a short
 * packet included, and waits until every datanode of the pipeline acknowledged it; hdfsHSync
 * also has the datanodes sync it to disk. (rfs's readers do not yet see the bytes of a block
 * still being written: a file open for writing reads up to its last finished block.) */
LIBHDFS_EXTERNAL int hdfsFlush(hdfsFS fs, hdfsFile file);
LIBHDFS_EXTERNAL int hdfsHFlush(hdfsFS fs, hdfsFile file);
LIBHDFS_EXTERNAL int hdfsHSync(hdfsFS fs, hdfsFile file);
LIBHDFS_EXTERNAL int hdfsSeek(hdfsFS fs, hdfsFile file, tOffset desiredPos);
LIBHDFS_EXTERNAL tOffset hdfsTell(hdfsFS fs, hdfsFile file);
/* Bytes readable without blocking: those left in the file, capped at INT32_MAX. */
LIBHDFS_EXTERNAL int hdfsAvailable(hdfsFS fs, hdfsFile file);

/* ---- The namespace ------------------------------------------------------------------------ */

/* 0 when path exists; -1 (errno ENOENT) when not. */
LIBHDFS_EXTERNAL int hdfsExists(hdfsFS fs, const char *path);
/* A non-empty directory only with recursive != 0. */
LIBHDFS_EXTERNAL int hdfsDelete(hdfsFS fs, const char *path, int recursive);
LIBHDFS_EXTERNAL int hdfsRename(hdfsFS fs, const char *oldPath, const char *newPath);
/* Copies (and for hdfsMove, then deletes) src on srcFS to dst on dstFS; a directory whole. */
LIBHDFS_EXTERNAL int hdfsCopy(hdfsFS srcFS, const char *src, hdfsFS dstFS, const char *dst);
LIBHDFS_EXTERNAL int hdfsMove(hdfsFS srcFS, const char *src, hdfsFS dstFS, const char *dst);
/* Makes the directory and its missing parents. */
LIBHDFS_EXTERNAL int hdfsCreateDirectory(hdfsFS fs, const char *path);
LIBHDFS_EXTERNAL int hdfsSetReplication(hdfsFS fs, const char *path, int16_t replication);
/* The entries of a directory; NULL with errno 0 and *numEntries 0 for an empty one. */
LIBHDFS_EXTERNAL hdfsFileInfo *hdfsListDirectory(hdfsFS fs, const char *path, int *numEntries);
LIBHDFS_EXTERNAL hdfsFileInfo *hdfsGetPathInfo(hdfsFS fs, const char *path);
LIBHDFS_EXTERNAL void hdfsFreeFileInfo(hdfsFileInfo *hdfsFileInfo, int numEntries);
/* rfs keeps no encryption zones: always 0. */
LIBHDFS_EXTERNAL int hdfsFileIsEncrypted(hdfsFileInfo *hdfsFileInfo);
/* owner or group may be NULL to leave it as it is. */
LIBHDFS_EXTERNAL int hdfsChown(hdfsFS fs, const char *path, const char *owner, const char *group);
LIBHDFS_EXTERNAL int hdfsChmod(hdfsFS fs, const char *path, short mode);
/* Times in seconds since the epoch; -1 leaves one as it is. */
LIBHDFS_EXTERNAL int hdfsUtime(hdfsFS fs, const char *path, tTime mtime, tTime atime);
/* 1 when the file was cut at once, 0 when its last block is being recovered first; -1 on error. */
LIBHDFS_EXTERNAL int hdfsTruncateFile(hdfsFS fs, const char *path, tOffset newlength);
/* Copies the working directory (hdfs://authority/path) into buffer; NULL (ERANGE) when it does not fit. */
LIBHDFS_EXTERNAL char *hdfsGetWorkingDirectory(hdfsFS fs, char *buffer, size_t bufferSize);
LIBHDFS_EXTERNAL int hdfsSetWorkingDirectory(hdfsFS fs, const char *path);
/* For each block overlapping [start, start+length): a NULL-terminated list of the hosts that hold
 * it; the outer list is NULL-terminated too. Free with hdfsFreeHosts. */
LIBHDFS_EXTERNAL char ***hdfsGetHosts(hdfsFS fs, const char *path, tOffset start, tOffset length);
LIBHDFS_EXTERNAL void hdfsFreeHosts(char ***blockHosts);

/* ---- The cluster ------------------------------------------------------------------------- */

LIBHDFS_EXTERNAL tOffset hdfsGetDefaultBlockSize(hdfsFS fs);
LIBHDFS_EXTERNAL tOffset hdfsGetDefaultBlockSizeAtPath(hdfsFS fs, const char *path);
LIBHDFS_EXTERNAL tOffset hdfsGetCapacity(hdfsFS fs);
LIBHDFS_EXTERNAL tOffset hdfsGetUsed(hdfsFS fs);

/* ---- The last error (per thread) --------------------------------------------------------- */

/* "<exception class>: <message>" of this thread's last failure, or NULL; valid until the
 * thread's next call into the library. */
LIBHDFS_EXTERNAL char *hdfsGetLastExceptionRootCause(void);
LIBHDFS_EXTERNAL char *hdfsGetLastExceptionStackTrace(void);
/* libhdfs++'s form: copies the last error's text into buf (at most len bytes, NUL-terminated). */
LIBHDFS_EXTERNAL int hdfsGetLastError(char *buf, int len);

#ifdef __cplusplus
}
#endif

#endif /* RFS_LIBHDFS_HDFS_H */
