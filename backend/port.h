/*
 * port.h: guest ports — taps, macvtaps and namespace veths — on a running
 * network, recorded under ROOT/run/vnet/NAME/ports/.
 */
#ifndef VNET_PORT_H
#define VNET_PORT_H

#include "link.h"
#include "state.h"

/* Remove every port recorded for network `name` (called by destroy, with the network's lock
 * held, before the network's own objects are undone). Idempotent. */
int vn_ports_cleanup(struct vn_ctx *ctx, struct vn_nl *nl, const char *name, struct vn_error *err);

#endif
