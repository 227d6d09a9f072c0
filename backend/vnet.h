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

/**
 * vn_define: define (or update, when name and UUID match an existing definition) the network
 * in `path`, filling in what libvirt fills at define time: UUID, bridge name (first free
 * virbrN), MAC. *updated tells whether an existing definition was replaced. Returns 0 with
 * *out set (when out is not NULL), or a negative errno with err filled; nothing changes then.
 */
int vn_define(struct vn_ctx *ctx, const char *path, struct vn_net **out, bool *updated,
              struct vn_error *err);
/** vn_define_net: vn_define() from a parsed model (takes no ownership). Returns 0 or -errno. */
int vn_define_net(struct vn_ctx *ctx, struct vn_net *net, bool *updated, struct vn_error *err);
/**
 * vn_fill_defaults: fill a UUID-derived MAC and a free bridge name into net when its mode
 * needs them; `others` are the other defined networks. Returns 0 or -errno.
 */
int vn_fill_defaults(struct vn_ctx *ctx, struct vn_net *net, struct vn_net *const *others,
                     size_t n_others, struct vn_error *err);
/** vn_undefine: remove a persistent definition (and its autostart mark). Returns 0 or -errno. */
int vn_undefine(struct vn_ctx *ctx, const char *name, struct vn_error *err);
/** vn_autostart_set: mark (on) or unmark a defined network for autostart. Returns 0 or -errno. */
int vn_autostart_set(struct vn_ctx *ctx, const char *name, bool on, struct vn_error *err);
/** vn_autostart_get: Returns whether the network is marked for autostart. */
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
/**
 * vn_list: every defined or running network, sorted by name. Returns 0 with (*out, *n) to free
 * with vn_list_free(), or -errno.
 */
int vn_list(struct vn_ctx *ctx, struct vn_net_status **out, size_t *n, struct vn_error *err);
/** vn_list_free: free what vn_list() returned. Returns nothing. */
void vn_list_free(struct vn_net_status *l, size_t n);

/**
 * vn_get_net: the live definition when the network runs (unless `inactive`), else the
 * persistent one. Returns 0 with *out set, or -ENOENT / -errno with err filled.
 */
int vn_get_net(struct vn_ctx *ctx, const char *name, bool inactive, struct vn_net **out,
               struct vn_error *err);

/* ---- running networks (network.c; the work is the engine's, engine.h) ----------- */

/**
 * vn_features_init: register the features (overlay, ports) with the engine, once per process;
 * the operations below call it themselves. Returns nothing.
 */
void vn_features_init(void);
/**
 * vn_start: start a defined network (VN_START_DRY_RUN: plan only). Returns 0 (with *plan_out
 * when given), or -errno with err filled; whatever the start made is rolled back then.
 */
int vn_start(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_plan **plan_out,
             struct vn_error *err);
/** vn_start_net: vn_start() for a model (a transient network, vnet create). Returns 0 or -errno. */
int vn_start_net(struct vn_ctx *ctx, struct vn_net *net, unsigned flags, struct vn_plan **plan_out,
                 struct vn_error *err);
/**
 * vn_destroy: stop a network by undoing its journal; also after a crash or a failed rollback.
 * Returns 0, or -errno with the journal kept so that a retry knows what is left.
 */
int vn_destroy(struct vn_ctx *ctx, const char *name, struct vn_error *err);
/**
 * vn_destroy_flags: vn_destroy() with VN_DESTROY_FORCE (engine.h): skip journal entries
 * nothing can undo. Returns 0 or -errno.
 */
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

/**
 * vn_reconcile: check a running network against its plan and repair what drifted: missing
 * firewall rules are re-applied, a dead dnsmasq is restarted, a missing bridge restarts the
 * network, an interrupted start is cleaned up. Returns 0 with *report (one line per repair,
 * empty: nothing to do), or -errno.
 */
int vn_reconcile(struct vn_ctx *ctx, const char *name, char **report, struct vn_error *err);

/**
 * vn_fw_warnings: which of another firewall table's base chains (nft or iptables-nft, on the
 * input or forward hook) drops this network's DHCP, DNS or forwarded traffic — vnet's accepts
 * cannot override them. Uses the running definition when the network is active. Returns 0
 * with *out: one line per blocked path ("table inet hostfw chain input (policy drop) will drop
 * DHCP from virbr0: guests will get no address"), NULL/0 when none, free with vn_strv_free;
 * or -errno.
 */
int vn_fw_warnings(struct vn_ctx *ctx, const char *name, char ***out, size_t *n,
                   struct vn_error *err);

struct vn_watch_opts {
        unsigned debounce_ms; /* 0: 100 */
        unsigned interval_ms;
        void (*report)(const char *line, void *data);
        void *data;
        volatile sig_atomic_t *stop;
};
/**
 * vn_watch: (watch.c) until *stop, keep every running network of the root as planned —
 * after nftables ruleset changes, link/address changes and a dnsmasq's exit (debounced: a
 * pass debounce_ms after the last event of a burst, at most 3 * debounce_ms after its first),
 * and every interval_ms (0: never) — through vn_reconcile. Each repair (and each error) is
 * one line to report(). Returns 0 when *stop is set (a signal), or -errno.
 */
int vn_watch(struct vn_ctx *ctx, const struct vn_watch_opts *o, struct vn_error *err);

/**
 * vn_dhcp_leases: the DHCP leases of a running network (its dnsmasq's lease file). Returns 0
 * with (*out, *n) (free *out), -ENOENT when the network is not active, or -errno.
 */
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
/**
 * vn_info: what a network should have and what is in place (bridge, dnsmasq, firewall rules,
 * other tables that drop its traffic). Returns 0 with *out filled, or -errno.
 */
int vn_info(struct vn_ctx *ctx, const char *name, struct vn_net_info *out, struct vn_error *err);

#endif
