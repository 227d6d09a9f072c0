/*
 * overlay.h: running the <vnet:overlay> part of a plan — the vxlan link and
 * its flood list, live peer changes, and this host's FRR for evpn.
 */
#ifndef VNET_OVERLAY_H
#define VNET_OVERLAY_H

#include <stdbool.h>

#include "journal.h"
#include "link.h"
#include "plan.h"
#include "state.h"

/* Host state the planner needs: this host's VTEP address when the definition names an
 * underlay device (local-dev), and the MTU of the device carrying the VTEP address. Fills
 * opts->overlay_local (pointing at *local) and opts->overlay_underlay_mtu when it can;
 * leaves them unset otherwise (the planner or apply then say what is missing). */
void vn_overlay_plan_opts(const struct vn_net *net, struct vn_plan_opts *opts,
                          struct vn_addr *local);

/* Apply step, called once the bridge is up and before the firewall: journal and create the
 * vxlan link, enslave it, add the static flood list, and for evpn start (or configure) FRR.
 * Each object is journaled before it is created. 0 when the plan has no overlay. */
int vn_overlay_apply(struct vn_ctx *ctx, struct vn_nl *nl, struct vn_journal *j,
                     const struct vn_plan *p, struct vn_error *err);

/* Undo one journal entry of a kind this file wrote ("vxlan", "frr"); 0 for other kinds. nl
 * may be NULL (then a socket is opened when needed). */
int vn_overlay_undo(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                    struct vn_error *err);

/* Add or remove one VTEP on a running network, without touching the others: static overlays
 * get (or lose) the all-zeros FDB entry, both types the underlay firewall's set element. */
int vn_overlay_peer(struct vn_ctx *ctx, const char *name, const char *addr, bool add,
                    struct vn_error *err);

#endif
