/*
 * vnet.h: the library API the front ends (CLI, hook, helper, bench) call.
 * None of the front ends contains networking logic of its own.
 */
#ifndef VNET_VNET_H
#define VNET_VNET_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine.h"
#include "net.h"
#include "plan.h"
#include "state.h"

/* ---- definitions (defs.c) --------------------------------------------- */

/* Define (or update, when name and UUID match an existing definition) the network in `path`,
 * filling in what libvirt fills at define time: UUID, bridge name (first free virbrN), MAC.
 * *updated tells whether an existing definition was replaced. */
int vn_define(struct vn_ctx *ctx, const char *path, struct vn_net **out, bool *updated,
              struct vn_error *err);
/* Same, from an already parsed model (takes no ownership). */
int vn_define_net(struct vn_ctx *ctx, struct vn_net *net, bool *updated, struct vn_error *err);
/* Fill UUID-derived MAC and a free bridge name into net when the mode needs them. `others` are
 * the other defined networks. */
int vn_fill_defaults(struct vn_ctx *ctx, struct vn_net *net, struct vn_net *const *others,
                     size_t n_others, struct vn_error *err);
int vn_undefine(struct vn_ctx *ctx, const char *name, struct vn_error *err);
int vn_autostart_set(struct vn_ctx *ctx, const char *name, bool on, struct vn_error *err);
bool vn_autostart_get(struct vn_ctx *ctx, const char *name);

struct vn_net_status {
        char *name;
        char uuid[37];
        char bridge[16];
        enum vn_fwd_mode mode;
        enum vn_net_state state;
        bool persistent;
        bool autostart;
};
/* Every defined or running network, sorted by name. */
int vn_list(struct vn_ctx *ctx, struct vn_net_status **out, size_t *n, struct vn_error *err);
void vn_list_free(struct vn_net_status *l, size_t n);

/* The live definition when running (unless inactive), else the persistent one. */
int vn_get_net(struct vn_ctx *ctx, const char *name, bool inactive, struct vn_net **out,
               struct vn_error *err);

/* ---- running networks (network.c; the work is the engine's, engine.h) ----------- */

/* Register the features (overlay, ports) with the engine; once per process, idempotent. The
 * operations below call it themselves. */
void vn_features_init(void);
/* Start a defined network. */
int vn_start(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_plan **plan_out,
             struct vn_error *err);
/* Start a transient network from a model (vnet create). */
int vn_start_net(struct vn_ctx *ctx, struct vn_net *net, unsigned flags, struct vn_plan **plan_out,
                 struct vn_error *err);
/* Stop a network: undo its journal. Idempotent; works after a crash. */
int vn_destroy(struct vn_ctx *ctx, const char *name, struct vn_error *err);
/* The same with VN_DESTROY_FORCE (engine.h): skip journal entries nothing can undo. */
int vn_destroy_flags(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_error *err);

/* One network's outcome in vn_destroy_all(). */
struct vn_destroy_result {
        char *name;
        int r; /* 0: destroyed; -errno: what is left is still journaled */
        struct vn_error err;
};
/**
 * vn_destroy_all: destroy every running network (and every one a crash left halfway) as one
 * batch: one nft transaction, one link-group delete, all dnsmasqs signalled at once; every
 * network locked throughout. Returns 0 when all went, -EIO when some did not, -errno when
 * nothing could start; *out (free with vn_destroy_results_free) has one entry per network.
 */
int vn_destroy_all(struct vn_ctx *ctx, struct vn_destroy_result **out, size_t *n,
                   struct vn_error *err);
/** vn_destroy_results_free: free what vn_destroy_all() returned. Returns nothing. */
void vn_destroy_results_free(struct vn_destroy_result *v, size_t n);

/* Check a running network against its plan and repair what drifted: missing firewall rules
 * are re-applied, a dead dnsmasq is restarted, a missing bridge restarts the network, an
 * interrupted start is cleaned up. *report lists each repair (empty: nothing to do). */
int vn_reconcile(struct vn_ctx *ctx, const char *name, char **report, struct vn_error *err);

/* Which of another firewall table's base chains (nft or iptables-nft, on the input or
 * forward hook) drops this network's DHCP, DNS or forwarded traffic — vnet's accepts cannot
 * override them. *out: one line per blocked path ("table inet hostfw chain input (policy
 * drop) will drop DHCP from virbr0: guests will get no address"), NULL/0 when none. Uses the
 * running definition when the network is active. Free with vn_strv_free. */
int vn_fw_warnings(struct vn_ctx *ctx, const char *name, char ***out, size_t *n,
                   struct vn_error *err);

/* vnet watch (watch.c): until *stop, keep every running network of the root as planned —
 * after nftables ruleset changes, link/address changes and a dnsmasq's exit (debounced:
 * a pass debounce_ms after the last event of a burst, at most 3 * debounce_ms after its
 * first), and every interval_ms (0: never) — through vn_reconcile. Each repair (and each
 * error) is one line to report(). Returns when *stop is set (a signal), or -errno. */
struct vn_watch_opts {
        unsigned debounce_ms; /* 0: 100 */
        unsigned interval_ms;
        void (*report)(const char *line, void *data);
        void *data;
        volatile sig_atomic_t *stop;
};
int vn_watch(struct vn_ctx *ctx, const struct vn_watch_opts *o, struct vn_error *err);

int vn_dhcp_leases(struct vn_ctx *ctx, const char *name, struct vn_lease_info **out, size_t *n,
                   struct vn_error *err);

struct vn_net_info {
        enum vn_net_state state;
        char bridge[16];
        bool dnsmasq_planned; /* the network has a dnsmasq */
        pid_t dnsmasq_pid;    /* 0: none planned, or none running and no pid file */
        bool dnsmasq_running; /* the dnsmasq recorded at start (pid, start time, uid) runs */
        /* ... and serves the network: as its dedicated user, from the network's
         * configuration (static hosts, DNS names), able to read every file it names */
        bool dnsmasq_healthy;
        char dnsmasq_problem[256]; /* why not, when running but not healthy */
        char dnsmasq_user[32];
        unsigned dnsmasq_static_hosts; /* static DHCP hosts and DNS names it serves */
        unsigned dnsmasq_dns_hosts;
        bool fw_present;      /* the network's nft chains exist */
        bool bridge_present;
        unsigned fw_rules;
        char fw_backend[16];
        /* another table's base chain drops this network's DHCP/DNS/forwarded traffic
         * (vn_fw_warnings): one line each; none while the network is inactive */
        char host_fw_warnings[4][512];
        unsigned n_host_fw_warnings;
};
int vn_info(struct vn_ctx *ctx, const char *name, struct vn_net_info *out, struct vn_error *err);

#endif
