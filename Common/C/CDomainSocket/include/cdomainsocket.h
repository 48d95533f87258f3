#ifndef CDOMAINSOCKET_H
#define CDOMAINSOCKET_H

// Passing open file descriptors over a Unix domain socket (SCM_RIGHTS), which Swift cannot
// spell: the CMSG_* macros do not import. Short-circuit reads use it to hand a client a
// replica's block and meta files.

#ifdef __cplusplus
extern "C" {
#endif

/// Sends one byte with `count` (at most 4) descriptors attached. Returns 1 when the byte
/// left, -1 with errno set otherwise. Retries EINTR.
int rfs_send_fds(int socket, const int *fds, int count, unsigned char byte);

/// Receives one byte and up to `max` (at most 4) descriptors. Returns the number of
/// descriptors received (0 or more; each is close-on-exec) with the byte in `*byte`, 0 with
/// `*received_byte` = 0 at end of stream, -1 with errno set on failure. Descriptors beyond
/// `max` or arriving truncated are closed and reported as EBADMSG. Retries EINTR.
int rfs_recv_fds(int socket, int *fds, int max, unsigned char *byte, int *received_byte);

/// Binds and listens on a Unix domain socket at `path` (replacing a stale socket file).
/// Returns the listening descriptor, or -1 with errno (ENAMETOOLONG for a path that does not
/// fit sockaddr_un).
int rfs_listen_unix(const char *path, int backlog);

/// Waits up to `timeout_ms` for a connection on `listener` and accepts it. Returns the new
/// descriptor (close-on-exec, blocking), -1 with errno EAGAIN when none came in time, -1 with
/// another errno on failure.
int rfs_accept_unix(int listener, int timeout_ms);

/// Connects to a Unix domain socket at `path`. Returns the descriptor or -1 with errno.
int rfs_connect_unix(const char *path);

#ifdef __cplusplus
}
#endif

#endif
