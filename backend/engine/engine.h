/*
 * engine.h: the engine — host facts for the planner (facts.c), running a plan
 * against the host as a table of steps and undoing a journal through a table
 * of undo kinds (apply.c), and the one way into vnet's shared nft table
 * (firewall.c).
 *
 * The engine never calls a feature (overlay, ports, forwards) by name:
 * features register a struct vn_feature — an apply step, undo kinds, a
 * cleanup before destroy — and the engine runs what is registered. A journal
 * kind nobody registered is an error, never silently skipped.
 */
#ifndef VNET_ENGINE_H
#define VNET_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "journal.h"
#include "link.h"
#include "plan.h"
#include "state.h"

/* ---- facts.c ------------------------------------------------------------- */

/**
 * vn_plan_for: plan a model the way start would on this host: resolves the firewall
 * backend, the guests' DHCP leases (forwards by MAC) and an overlay's local address and
 * underlay MTU, then calls the pure planner. Returns 0 with *out set, or a negative errno
 * with err filled.
 */
int vn_plan_for(struct vn_ctx *ctx, const struct vn_net *net, struct vn_plan **out,
                struct vn_error *err);

/**
 * vn_leased_macs: the MAC -> address pairs of network `name`'s dnsmasq lease file
 * (ROOT/run/vnet/NAME/dnsmasq.leases). Returns nothing: what cannot be read is not known
 * (*out NULL, *n 0).
 */
void vn_leased_macs(struct vn_ctx *ctx, const char *name, struct vn_mac_ip **out, size_t *n);

/**
 * vn_leases_read: every lease of network `name`'s dnsmasq lease file. Returns 0 (no file:
 * no leases), or a negative errno with err filled.
 */
int vn_leases_read(struct vn_ctx *ctx, const char *name, struct vn_lease_info **out, size_t *n,
                   struct vn_error *err);

/* ---- features: what they register ------------------------------------------ */

/* Undo one journal entry of `kind` with at least min_args arguments; an object already gone
 * is success. nl may be NULL (open one when needed). */
struct vn_undo_kind {
        const char *kind;
        size_t min_args;
        int (*undo)(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                    struct vn_error *err);
};

struct vn_feature {
        const char *name;
        /* Apply step, run once the bridge is up with its addresses, routes and sysctls and
         * before the firewall; journals each object before it creates it. NULL: none. */
        int (*apply)(struct vn_ctx *ctx, struct vn_nl *nl, struct vn_journal *j,
                     const struct vn_plan *p, struct vn_error *err);
        /* Run by destroy before the journal is undone (objects the journal does not list,
         * e.g. guest ports). NULL: none. */
        int (*before_destroy)(struct vn_ctx *ctx, struct vn_nl *nl, const char *name,
                              struct vn_error *err);
        const struct vn_undo_kind *undo; /* the journal kinds its apply writes */
        size_t n_undo;
};

/**
 * vn_engine_register: add a feature to the engine's tables (idempotent for the same
 * pointer). Returns 0, -EEXIST when one of its undo kinds is already someone else's, -ENOSPC
 * when the table is full.
 */
int vn_engine_register(const struct vn_feature *f);

/**
 * vn_engine_undo_kind: the registered (or built-in) undo for a journal kind. Returns NULL
 * when nobody registered it.
 */
const struct vn_undo_kind *vn_engine_undo_kind(const char *kind);

/* ---- apply.c: running networks (the caller holds the network's lock) -------------------- */

enum {
        VN_DESTROY_QUIET = 1 << 0, /* an inactive network is success */
        VN_DESTROY_FORCE =
            1 << 1, /* skip journal entries nothing can undo (vnet destroy --force) */
};

enum {
        VN_START_DRY_RUN = 1 << 0, /* plan only (returned through *plan_out) */
};

/**
 * vn_engine_start: check, plan and apply net, journaling every object before it is created;
 * on failure undo what was made. A rollback that fails keeps the journal (state "failed") so
 * that destroy can finish it. Returns 0 (with *plan_out when given), or a negative errno
 * with err holding the first error.
 */
int vn_engine_start(struct vn_ctx *ctx, struct vn_net *net, unsigned flags,
                    struct vn_plan **plan_out, struct vn_error *err);

/**
 * vn_engine_destroy: undo the journal of network `name` (features' before_destroy first),
 * then remove its runtime directory. A journal that is missing next to the live definition,
 * empty, damaged or too large is not trusted: salvage.c cleans up from the definition and
 * checks that nothing is left. Flags (vnet.h): VN_DESTROY_QUIET (an inactive network is
 * success), VN_DESTROY_FORCE (skip journal entries no undo understands; with an unusable
 * journal and no definition, undo what can be read and forget the rest). Returns 0, or a
 * negative errno (the journal stays for a retry).
 */
int vn_engine_destroy(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_error *err);
/**
 * vn_engine_destroy_batch: destroy the running networks names[0..n) (each already locked by
 * the caller) with one nft transaction for all their rules, one link-group delete for all
 * their bridges and their dnsmasqs signalled together; the rest of each journal is undone as
 * vn_engine_destroy() does. A network's journal and state dir go only once all of it is
 * undone. Returns 0, or -EIO when any failed: results[i] (0 or -errno) and errs[i] per network.
 */
int vn_engine_destroy_batch(struct vn_ctx *ctx, char **names, size_t n, int *results,
                            struct vn_error *errs);

/**
 * vn_engine_undo_journal: walk j backwards undoing every entry; keeps the first error but
 * tries every step. VN_DESTROY_FORCE skips entries of unknown kinds or with too few
 * arguments. Returns 0, or the first negative errno.
 */
int vn_engine_undo_journal(struct vn_ctx *ctx, struct vn_nl *nl, struct vn_journal *j,
                           unsigned flags, struct vn_error *err);

/* ---- salvage.c: destroy without a usable journal ----------------------------------------- */

/* Is there a definition (live or persistent) to derive network name's cleanup from? */
bool vn_salvage_possible(struct vn_ctx *ctx, const char *name);
/* The undo of a journal kind (vn_engine_undo_kind), handed to salvage.c so that it calls
 * no function of apply.c by name (apply.c calls it). */
typedef const struct vn_undo_kind *(*vn_undo_lookup)(const char *kind);
/**
 * vn_salvage: with the journal unusable (why says how) and what it still says undone by the
 * caller: stop the network's dnsmasq (found by its configuration file), remove its firewall
 * (the plan's removal transaction, compat accepts, through lookup's undo kinds) and its
 * bridge (by name, only with vnet's MAC), and check that none of it is left. Returns 0,
 * -EBUSY naming what is still present, or another negative errno.
 */
int vn_salvage(struct vn_ctx *ctx, struct vn_nl *nl, const char *name, const char *why,
               unsigned flags, vn_undo_lookup lookup, struct vn_error *err);

/**
 * vn_engine_reconcile: repair a running network (see vn_reconcile in vnet.h), one line per
 * repair appended to report. Returns 0, or a negative errno.
 */
int vn_engine_reconcile(struct vn_ctx *ctx, const char *name, struct vn_buf *report,
                        struct vn_error *err);

/* ---- firewall.c: vnet's shared nft table ------------------------------------------------ */

/**
 * vn_fw_submit: run an nft transaction against vnet's table while holding the root-wide
 * firewall lock (ROOT/run/vnet/.locks/.firewall.lock), so that it never races the removal
 * of the emptied table. Every nft change vnet makes goes through here. Returns 0, or a
 * negative errno with err filled.
 */
int vn_fw_submit(struct vn_ctx *ctx, const char *batch, struct vn_error *err);

/**
 * vn_fw_table_gc: remove vnet's table when it holds nobody's chains or elements any more
 * and no network of this root runs (under the firewall lock). Returns nothing: a table
 * still in use, or one that cannot be listed, stays.
 */
void vn_fw_table_gc(struct vn_ctx *ctx);

/**
 * vn_fw_network_present: are the network's nft chain and its dispatch element in place?
 * Returns true when both are.
 */
bool vn_fw_network_present(const struct vn_plan *p);

struct vn_dnsmasq_id;
/* The plan's dnsmasq as recorded at start (root-only dnsmasq.id), if still that process. */
bool vn_engine_dnsmasq_running(const struct vn_plan *p, struct vn_dnsmasq_id *id);
/* Does the plan's dnsmasq serve what the network says: running as recorded, as its dedicated
 * user, from the network's configuration (which carries the static hosts and DNS names), and
 * able to read every file that configuration names? 0, or negative with problem filled. */
int vn_engine_dnsmasq_health(const struct vn_plan *p, struct vn_dnsmasq_id *id, char *problem,
                             size_t len);

#endif
