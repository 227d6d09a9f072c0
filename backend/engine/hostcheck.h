/*
 * hostcheck.h: host facts about other firewalls (hostcheck.c).
 */
#ifndef VNET_HOSTCHECK_H
#define VNET_HOSTCHECK_H

#include "net.h"
#include "plan.h"

/* One warning line per path of the network that another table's base chain drops (see
 * vn_fw_warnings in vnet.h). *out NULL when none; free with vn_strv_free. */
int vn_hostfw_warnings(const struct vn_net *net, const struct vn_plan *p, char ***out,
                       size_t *n_out);

#endif
