/*
 * bandwidth.h: <bandwidth> realized with traffic control (drivers/tc.c) — the
 * network-wide limits on its bridge as an engine feature (journaled, undone
 * like every other object), and each guest port's portgroup limits (port.c).
 */
#ifndef VNET_BANDWIDTH_H
#define VNET_BANDWIDTH_H

#include "engine.h"

/* Registered with the engine: applies plan->shapes on the bridge; undo kinds "ifb",
 * "tc-root", "tc-ingress". */
extern const struct vn_feature vn_bandwidth_feature;

/* Called before each object is created, with its journal kind ("ifb", "tc-root",
 * "tc-ingress") and device; a negative return stops the apply. */
typedef int (*vn_shape_record_fn)(void *data, const char *kind, const char *dev);

/**
 * vn_shape_apply: create one shape's objects — the ifb (up), its htb and the ingress
 * redirect, or the htb on a device's egress — each announced to record() first and behind a
 * fault point ("tc-ifb", "tc-htb", "tc-redirect"). Returns 0, or a negative errno with err
 * naming the object (and the kernel feature it lacks, when that is why).
 */
int vn_shape_apply(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_plan_shape *s,
                   vn_shape_record_fn record, void *data, struct vn_error *err);

/* Delete an ifb vnet made (only when it still is an ifb). Gone already: 0. */
int vn_ifb_remove(struct vn_nl *nl, const char *name, struct vn_error *err);

#endif
