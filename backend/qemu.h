/*
 * qemu.h: guest NICs for QEMU — the ports a `vnet qemu` command line asks
 * for, the -netdev/-device arguments that hand their fds to QEMU, the exec
 * that lets only those fds cross, and hotplug into a running QEMU over QMP.
 */
#ifndef VNET_QEMU_H
#define VNET_QEMU_H

#include <stdbool.h>

#include "port.h"
#include "state.h"

#define VN_QEMU_DEFAULT_MODEL "virtio-net-pci"

/* One --nic NET[,mac=MAC][,queues=N][,model=M][,ifname=NAME]. Strings point into buf. */
struct vn_qemu_nic {
        char *net;
        char *mac;
        char *model;
        char *ifname;
        char *portgroup;
        unsigned queues;
        char *buf; /* owns the strings; free() it */
};
/* Parse a --nic value. Pure. */
int vn_qemu_nic_parse(const char *spec, struct vn_qemu_nic *out, struct vn_error *err);

/* Can QEMU use vhost-net here (/dev/vhost-net usable)? */
bool vn_vhost_net_usable(void);

/* "-netdev" and "-device" values for port p whose queue fds are open in this process:
 *   tap,id=ID,fd=N[,vhost=on|off]   or   tap,id=ID,fds=A:B:...,vhost=...
 *   MODEL,netdev=ID,mac=MAC[,mq=on,vectors=2N+2]
 * Pure. Caller frees both. */
int vn_qemu_nic_args(const struct vn_port *p, const char *id, const char *model, bool vhost,
                     char **netdev, char **device);

/* Make every fd of this process but 0, 1, 2 and keep[] close-on-exec and keep[] inheritable,
 * then execvp(argv[0], argv). Returns only on failure (negative errno). */
int vn_exec_keep_fds(char *const *argv, const int *keep, size_t n_keep);

/**
 * vn_qemu_run: create one port per nic (owner: this process, which becomes QEMU), append
 * their -netdev/-device arguments to qemu_argv, and exec QEMU with only the ports' fds
 * inherited. Returns only on failure, after removing the ports it made.
 */
int vn_qemu_run(struct vn_ctx *ctx, const struct vn_qemu_nic *nics, size_t n_nics,
                char *const *qemu_argv, size_t qemu_argc, struct vn_error *err);

/* ---- QMP (qmp.c) ----------------------------------------------------------------------- */

struct vn_qmp;
/* Connect to QEMU's QMP unix socket, read the greeting, negotiate capabilities. */
int vn_qmp_open(const char *path, unsigned timeout_ms, struct vn_qmp **out, struct vn_error *err);
void vn_qmp_close(struct vn_qmp *q);
/* Run one command (a JSON object text), with fds attached (SCM_RIGHTS). *reply (optional)
 * receives the "return" line. A QMP error becomes -EIO with QEMU's description in err. */
int vn_qmp_exec(struct vn_qmp *q, const char *cmd, const int *fds, size_t nfds, char **reply,
                struct vn_error *err);
/* Wait for an event whose line contains `event` and (optional) `needle`. -ETIMEDOUT. */
int vn_qmp_wait_event(struct vn_qmp *q, const char *event, const char *needle, unsigned timeout_ms,
                      struct vn_error *err);
/* The QEMU process at the other end. */
pid_t vn_qmp_peer_pid(struct vn_qmp *q);
/* Events read while waiting for replies are kept for vn_qmp_wait_event, at most this many
 * bytes (the oldest are dropped first); vn_qmp_events_held says how many are held. */
#define VN_QMP_EVENTS_MAX (256u * 1024u)
size_t vn_qmp_events_held(const struct vn_qmp *q);

/**
 * vn_port_hotplug: create a port on `net` and plug it into the running QEMU behind the QMP
 * socket: getfd per queue (the fd sent with SCM_RIGHTS), netdev_add (type tap, fds=),
 * device_add. On any failure it undoes what it did (netdev_del, closefd) and removes the
 * port. The port's owner becomes the QEMU process.
 */
int vn_port_hotplug(struct vn_ctx *ctx, const char *net, const struct vn_port_opts *opts,
                    const char *qmp_path, const char *model, struct vn_port *out,
                    struct vn_error *err);
/* Unplug port `ifname` from QEMU (device_del, wait up to timeout_ms for DEVICE_DELETED,
 * netdev_del), then remove the port. */
int vn_port_unplug(struct vn_ctx *ctx, const char *net, const char *ifname, const char *qmp_path,
                   unsigned timeout_ms, struct vn_error *err);

#endif
