/*
 * overlay.h: running the <vnet:overlay> part of a plan — the vxlan link and
 * its flood list, live peer changes, and this host's FRR for evpn.
 */
#ifndef VNET_OVERLAY_H
#define VNET_OVERLAY_H

#include <stdbool.h>

#include "engine.h"

/* The overlay's part of start and destroy, registered with the engine (network.c): an apply
 * step run once the bridge is up and before the firewall (journal and create the vxlan link,
 * enslave it, add the static flood list, and for evpn start or configure FRR; nothing when
 * the plan has no overlay), and the undo of its journal kinds "vxlan" and "frr". */
extern const struct vn_feature vn_overlay_feature;

/* Add or remove one VTEP on a running network, without touching the others: static overlays
 * get (or lose) the all-zeros FDB entry, both types the underlay firewall's set element. */
int vn_overlay_peer(struct vn_ctx *ctx, const char *name, const char *addr, bool add,
                    struct vn_error *err);

#endif
