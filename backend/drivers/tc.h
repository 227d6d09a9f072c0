/*
 * tc.h: traffic control over rtnetlink (libnl-route's qdisc, class and
 * classifier API; no `tc` exec): htb shaping on a device's egress, and a
 * device's ingress redirected to an ifb link (u32 match-all + mirred), which
 * is how traffic a device receives gets shaped on a kernel without
 * act_police. Values in, nothing of XML or plans.
 */
#ifndef VNET_TC_H
#define VNET_TC_H

#include <stdbool.h>
#include <stdint.h>

#include "link.h"

/* One htb class: bytes per second and bytes. */
struct vn_htb_spec {
        uint64_t rate, ceil; /* ceil 0: = rate */
        uint32_t burst;      /* 0: the kernel's minimum for the rate (rate / 1000 + MTU) */
        uint32_t quantum;    /* 0: derived from the rate */
};

/* Root htb qdisc 1: on dev, unclassified traffic to class 1:defcls. -EEXIST when dev already
 * has a root qdisc other than the default. */
int vn_tc_htb_root_add(struct vn_nl *nl, const char *dev, unsigned defcls, struct vn_error *err);
/* htb class 1:minor under 1:parent_minor (0: the root qdisc). */
int vn_tc_htb_class_add(struct vn_nl *nl, const char *dev, unsigned parent_minor, unsigned minor,
                        const struct vn_htb_spec *spec, struct vn_error *err);
/* Delete dev's root qdisc with its classes (the default comes back). -ENOENT when there is
 * none of vnet's, -ENODEV when dev is gone. */
int vn_tc_root_del(struct vn_nl *nl, const char *dev, struct vn_error *err);
/* The ingress qdisc on dev and one u32 match-all filter redirecting every packet to the egress
 * of link `ifb` (mirred). */
int vn_tc_ingress_redirect_add(struct vn_nl *nl, const char *dev, const char *ifb,
                               struct vn_error *err);
int vn_tc_ingress_del(struct vn_nl *nl, const char *dev, struct vn_error *err);
/* An ifb link (not up). NLM_F_EXCL: -EEXIST when the name is taken. */
int vn_ifb_create(struct vn_nl *nl, const char *name, struct vn_error *err);

#endif
