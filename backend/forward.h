/*
 * forward.h: port forwards (<vnet:forward>) on networks — the library side of
 * `vnet forward-add/-del/-list/-sync` and of the libvirt hook (hook.h).
 *
 * The rules themselves are rendered by plan-forward.c; this layer resolves
 * forwards that name a guest by MAC, and changes the forwards of a running
 * network in one nftables transaction that touches only the forwards that
 * changed (see "sync" below), keeping the network's removal file exact.
 */
#ifndef VNET_FORWARD_H
#define VNET_FORWARD_H

#include <stdbool.h>

#include "plan.h"
#include "state.h"


/* Add a forward to network `name` (like libvirt's net-update add): checked against the
 * network and every other defined network, written to the persistent definition (when there
 * is one) and, when the network runs, to its live definition and into its rules. */
int vn_forward_add(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                   struct vn_error *err);
/* Remove the forward with f's proto, port range and address (unset: the one without an
 * address, or the only one on that proto/port). */
int vn_forward_del(struct vn_ctx *ctx, const char *name, const struct vn_port_forward *f,
                   struct vn_error *err);

struct vn_forward_status {
        struct vn_port_forward f;
        bool applied;          /* its rules are in place */
        struct vn_addr target; /* resolved guest address (unset: not known) */
        char source[8];        /* "to", "host", "lease", "port", "" */
};
/* The forwards of a network with their state (live definition when it runs). */
int vn_forward_list(struct vn_ctx *ctx, const char *name, struct vn_forward_status **out, size_t *n,
                    struct vn_error *err);

/* Re-resolve MAC forwards and bring the running network's rules in line with its live
 * definition: one transaction with exactly the forwards that changed. *notes (may be NULL)
 * receives one line per forward that is still unresolved. */
int vn_forward_sync(struct vn_ctx *ctx, const char *name, char **notes, struct vn_error *err);

#endif
