/*
 * dnsmasq.h: spawn, check and stop the dnsmasq of one network.
 */
#ifndef VNET_DNSMASQ_H
#define VNET_DNSMASQ_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/* Path of the dnsmasq binary: $VNET_DNSMASQ or the configure-time path. */
const char *vn_dnsmasq_path(void);

/* Start `dnsmasq --conf-file=CONF` (the conf names pid-file itself; dnsmasq daemonizes).
 * Waits until the pid file names a live dnsmasq (bounded, ~2 s) and returns its pid in *pid.
 * No fd of the caller leaks into dnsmasq (all fds > 2 closed in the child).
 * On failure, dnsmasq's stderr is in err. */
int vn_dnsmasq_start(const char *conf_path, const char *pid_path, pid_t *pid,
                     struct vn_error *err);
/* Is `pid` a running (not zombie) dnsmasq whose command line names conf_path? */
bool vn_dnsmasq_is_ours(pid_t pid, const char *conf_path);
/* Read pid from pid_path; 0 when missing/garbage. */
pid_t vn_dnsmasq_read_pid(const char *pid_path);
/* Stop it: SIGTERM, wait (bounded) until gone or zombie, then SIGKILL. Only signals a pid
 * for which vn_dnsmasq_is_ours() holds. Idempotent: 0 when nothing runs. */
int vn_dnsmasq_stop(pid_t pid, const char *conf_path, struct vn_error *err);
/* SIGHUP: re-read hosts files. */
int vn_dnsmasq_reload(pid_t pid, const char *conf_path, struct vn_error *err);

#endif
