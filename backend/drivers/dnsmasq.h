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
/* The dedicated user dnsmasq drops to: $VNET_DNSMASQ_USER (secure_getenv) or the
 * configure-time --with-dnsmasq-user (default "dnsmasq"). */
const char *vn_dnsmasq_user(void);

/* One dnsmasq process, as vnet remembers it in root-only state: a pid alone can be recycled
 * or, read from dnsmasq's own pid file, redirected by anyone who can write that file. */
struct vn_dnsmasq_id {
        pid_t pid;
        unsigned long long start; /* /proc/PID/stat starttime (clock ticks after boot) */
        uid_t uid;                /* the user it runs as */
};

/* Start `dnsmasq --conf-file=CONF` (the conf names pid-file itself; dnsmasq daemonizes).
 * Waits until the pid file names a live dnsmasq of ours (bounded) and returns its identity.
 * No fd of the caller leaks into dnsmasq (all fds > 2 closed in the child).
 * On failure, dnsmasq's stderr is in err. */
int vn_dnsmasq_start(const char *conf_path, const char *pid_path, struct vn_dnsmasq_id *id,
                     struct vn_error *err);
/* Is `pid` a running (not zombie) process of the dnsmasq binary whose command line names
 * conf_path? */
bool vn_dnsmasq_is_ours(pid_t pid, const char *conf_path);
/* When pid is a dnsmasq of ours (vn_dnsmasq_is_ours), its identity now. */
bool vn_dnsmasq_identify(pid_t pid, const char *conf_path, struct vn_dnsmasq_id *id);
/* Is id (pid, start time, uid) still that dnsmasq of ours? */
bool vn_dnsmasq_alive(const struct vn_dnsmasq_id *id, const char *conf_path);
/* Read pid from dnsmasq's pid_path; 0 when missing/garbage. Not to be trusted for signals. */
pid_t vn_dnsmasq_read_pid(const char *pid_path);
/* Remember / recall an identity in a root-only file (0600). read: -ENOENT, -EBADMSG. */
int vn_dnsmasq_id_save(const char *path, const struct vn_dnsmasq_id *id);
int vn_dnsmasq_id_load(const char *path, struct vn_dnsmasq_id *id);
/* Stop it: SIGTERM, wait (bounded) until gone or zombie, then SIGKILL. Signals only through a
 * pidfd of a process for which vn_dnsmasq_alive() holds. Idempotent: 0 when nothing runs. */
int vn_dnsmasq_stop(const struct vn_dnsmasq_id *id, const char *conf_path, struct vn_error *err);
/* A running dnsmasq whose command line names conf_path (found through /proc, for when its
 * remembered identity is gone or damaged); 0 when none. */
pid_t vn_dnsmasq_find(const char *conf_path);
/* SIGHUP: re-read hosts files. */
int vn_dnsmasq_reload(const struct vn_dnsmasq_id *id, const char *conf_path,
                      struct vn_error *err);
/* Can user uid/gid (and no supplementary group) read each of paths — traverse every directory
 * on the way and open it — as dnsmasq must after dropping root? Checked in a child that drops
 * to that user. 0, or -EACCES (etc.) with err naming the first path it cannot read. */
int vn_dnsmasq_can_read(uid_t uid, gid_t gid, const char *const *paths, size_t n,
                        struct vn_error *err);

#endif
