/*
 * state.h: where vnet keeps things, and the per-network lock.
 *
 * Every path is under a root prefix (--root DIR or $VNET_ROOT, default "/"):
 *   ROOT/etc/vnet/networks/NAME.xml        persistent definitions
 *   ROOT/etc/vnet/networks/autostart/NAME  autostart marks (symlinks)
 *   ROOT/run/vnet/NAME/                    runtime state of a running network
 *       journal  net.xml  dnsmasq.conf  dnsmasq.pid  dnsmasq.leases  dhcp-hosts  addn-hosts
 *   ROOT/run/vnet/.locks/NAME.lock         flock(2) per network (no network name starts with ".")
 */
#ifndef VNET_STATE_H
#define VNET_STATE_H

#include <stdbool.h>

#include "net.h"
#include "util.h"

struct vn_ctx {
        char *root;     /* "" for "/" */
        char *def_dir;  /* ROOT/etc/vnet/networks */
        char *auto_dir; /* ROOT/etc/vnet/networks/autostart */
        char *run_dir;  /* ROOT/run/vnet */
        char *lock_dir; /* ROOT/run/vnet/.locks */
        int fw_backend; /* enum vn_fw_backend (plan.h) */
        unsigned lock_timeout_ms;
        int verbose;
        /* optional progress callback for -v: library never prints itself */
        void (*log)(void *userdata, const char *msg);
        void *log_userdata;
};

enum vn_net_state { VN_STATE_INACTIVE = 0, VN_STATE_ACTIVE, VN_STATE_FAILED };
const char *vn_net_state_name(enum vn_net_state s);
/* active: started; failed: a journal without "started" (a start that died halfway; destroy
 * cleans it); inactive: neither. */
enum vn_net_state vn_state_get(struct vn_ctx *ctx, const char *name);

/* root may be NULL: then $VNET_ROOT, else "/". */
int vn_ctx_new(const char *root, struct vn_ctx **out, struct vn_error *err);
void vn_ctx_free(struct vn_ctx *ctx);
void vn_ctx_log(struct vn_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

char *vn_path_def(struct vn_ctx *ctx, const char *name); /* .../networks/NAME.xml */
char *vn_path_autostart(struct vn_ctx *ctx, const char *name);
char *vn_path_run(struct vn_ctx *ctx, const char *name); /* .../run/vnet/NAME */
char *vn_path_run_file(struct vn_ctx *ctx, const char *name, const char *file);

/* Per-network lock: waits up to ctx->lock_timeout_ms, then -EBUSY with a clear message.
 * Returns an fd (>= 0) to hand to vn_unlock(). */
int vn_lock(struct vn_ctx *ctx, const char *name, struct vn_error *err);
void vn_unlock(int fd);

/* Load every persistent definition (sorted by name). Unparseable files are reported in err
 * but skipped (the rest still loads) when skip_bad. */
int vn_defs_load(struct vn_ctx *ctx, struct vn_net ***out, size_t *n, struct vn_error *err);
void vn_defs_free(struct vn_net **nets, size_t n);
int vn_def_load(struct vn_ctx *ctx, const char *name, struct vn_net **out, struct vn_error *err);
/* Names of networks with a runtime dir (running, or crashed halfway). Sorted. */
int vn_running_names(struct vn_ctx *ctx, char ***out, size_t *n);

#endif
