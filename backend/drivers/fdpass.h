/*
 * fdpass.h: sending file descriptors over unix sockets (SCM_RIGHTS) — how the
 * bridge helper hands QEMU its tap and how QMP's getfd receives queue fds.
 */
#ifndef VNET_FDPASS_H
#define VNET_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define VN_FDPASS_MAX 16

/* Send len bytes of data (at least 1) with nfds fds attached, in one sendmsg. Returns 0 or a
 * negative errno; a short write of the data is finished without the fds attached again. */
int vn_fd_send(int sock, const void *data, size_t len, const int *fds, size_t nfds);

/* Receive up to len bytes and at most max_fds fds (O_CLOEXEC). Returns the byte count (0 at
 * end of file) or a negative errno; *nfds receives the number of fds. */
ssize_t vn_fd_recv(int sock, void *data, size_t len, int *fds, size_t max_fds, size_t *nfds);

/* The pid of the process at the other end of a connected unix socket, or a negative errno. */
pid_t vn_fd_peer_pid(int sock);

#endif
