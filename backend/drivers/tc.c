/*
 * tc.c: qdiscs, htb classes and the ingress redirect to an ifb, built with
 * libnl-route's rtnl_qdisc / rtnl_class / rtnl_cls objects and acknowledged
 * through vn_nl_talk(), so that callers get the kernel's own errno and its
 * extended ACK ("Specified qdisc kind is unknown." names a missing module).
 */
#include "config.h"

#include "tc.h"

#include <errno.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

#include "nl-auto.h"

static inline void qdiscp(struct rtnl_qdisc **q)
{
        if (*q)
                rtnl_qdisc_put(*q);
}
static inline void classp(struct rtnl_class **c)
{
        if (*c)
                rtnl_class_put(*c);
}
static inline void clsp(struct rtnl_cls **c)
{
        if (*c)
                rtnl_cls_put(*c);
}
static inline void actp(struct rtnl_act **a)
{
        if (*a)
                rtnl_act_put(*a);
}

/* The kernel's answer when a qdisc, classifier or action kind is not built: say which. */
static int missing(int r, struct vn_error *err, const char *what)
{
        if (r == -ENOENT || r == -EOPNOTSUPP || r == -EINVAL)
                vn_err_prefix(err, "the kernel lacks %s?", what);
        return r;
}

static int dev_index(struct vn_nl *nl, const char *dev, struct vn_error *err)
{
        int ifindex = vn_link_index(nl, dev);

        if (ifindex < 0)
                return vn_err(err, -ENODEV, "tc: no interface '%s'", dev);
        return ifindex;
}

int vn_tc_htb_root_add(struct vn_nl *nl, const char *dev, unsigned defcls, struct vn_error *err)
{
        _cleanup_(qdiscp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int ifindex = dev_index(nl, dev, err), r;

        if (ifindex < 0)
                return ifindex;
        if (!q)
                return vn_err(err, -ENOMEM, "out of memory");
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
        rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
        if ((r = rtnl_tc_set_kind(TC_CAST(q), "htb")) < 0 ||
            (r = rtnl_htb_set_defcls(q, TC_HANDLE(1, defcls))) < 0 ||
            (r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg)) < 0)
                return vn_err(err, vn_nl_errno(r), "qdisc htb on '%s': %s", dev, nl_geterror(r));
        r = vn_nl_talk(nl, msg, err, "qdisc htb on '%s'", dev);
        return r < 0 ? missing(r, err, "sch_htb") : 0;
}

int vn_tc_htb_class_add(struct vn_nl *nl, const char *dev, unsigned parent_minor, unsigned minor,
                        const struct vn_htb_spec *spec, struct vn_error *err)
{
        _cleanup_(classp) struct rtnl_class *c = rtnl_class_alloc();
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int ifindex = dev_index(nl, dev, err), r;
        uint64_t ceil = spec->ceil ? spec->ceil : spec->rate;
        uint32_t burst = spec->burst, quantum = spec->quantum;

        if (ifindex < 0)
                return ifindex;
        if (!c)
                return vn_err(err, -ENOMEM, "out of memory");
        if (spec->rate == 0 || spec->rate > UINT32_MAX || ceil > UINT32_MAX || ceil < spec->rate)
                return vn_err(err, -ERANGE,
                              "class 1:%u on '%s': rate %llu / ceil %llu B/s out of "
                              "range (1..4294967295, ceil >= rate)",
                              minor, dev, (unsigned long long)spec->rate, (unsigned long long)ceil);
        if (!burst) /* as tc: a timer tick's worth at the rate, plus one full frame */
                burst = (uint32_t)(spec->rate / 1000) + 1600;
        if (!quantum) { /* rate / r2q 10, kept where htb does not complain */
                uint64_t qn = spec->rate / 10;

                quantum = qn < 1600 ? 1600 : qn > 200000 ? 200000 : (uint32_t)qn;
        }
        rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
        rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, parent_minor));
        rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, minor));
        if ((r = rtnl_tc_set_kind(TC_CAST(c), "htb")) < 0 ||
            (r = rtnl_htb_set_rate(c, (uint32_t)spec->rate)) < 0 ||
            (r = rtnl_htb_set_ceil(c, (uint32_t)ceil)) < 0 ||
            (r = rtnl_htb_set_rbuffer(c, burst)) < 0 || (r = rtnl_htb_set_cbuffer(c, burst)) < 0 ||
            (r = rtnl_htb_set_quantum(c, quantum)) < 0 ||
            (r = rtnl_class_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, &msg)) < 0)
                return vn_err(err, vn_nl_errno(r), "class 1:%u on '%s': %s", minor, dev,
                              nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "htb class 1:%u on '%s'", minor, dev);
}

static int qdisc_del(struct vn_nl *nl, const char *dev, uint32_t parent, uint32_t handle,
                     struct vn_error *err)
{
        _cleanup_(qdiscp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int ifindex = vn_link_index(nl, dev), r;

        if (ifindex < 0)
                return -ENODEV;
        if (!q)
                return vn_err(err, -ENOMEM, "out of memory");
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), parent);
        rtnl_tc_set_handle(TC_CAST(q), handle);
        if ((r = rtnl_qdisc_build_delete_request(q, &msg)) < 0)
                return vn_err(err, vn_nl_errno(r), "qdisc on '%s': %s", dev, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "delete qdisc on '%s'", dev);
}

int vn_tc_root_del(struct vn_nl *nl, const char *dev, struct vn_error *err)
{
        return qdisc_del(nl, dev, TC_H_ROOT, TC_HANDLE(1, 0), err);
}

int vn_tc_ingress_del(struct vn_nl *nl, const char *dev, struct vn_error *err)
{
        return qdisc_del(nl, dev, TC_H_INGRESS, 0xffff0000u, err);
}

int vn_tc_ingress_redirect_add(struct vn_nl *nl, const char *dev, const char *ifb,
                               struct vn_error *err)
{
        _cleanup_(qdiscp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        _cleanup_(clsp) struct rtnl_cls *cls = rtnl_cls_alloc();
        _cleanup_(actp) struct rtnl_act *act = rtnl_act_alloc();
        _cleanup_(msgp) struct nl_msg *msg = NULL, *msg2 = NULL;
        int ifindex = dev_index(nl, dev, err), target, r;

        if (ifindex < 0)
                return ifindex;
        if ((target = dev_index(nl, ifb, err)) < 0)
                return target;
        if (!q || !cls || !act)
                return vn_err(err, -ENOMEM, "out of memory");
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
        rtnl_tc_set_handle(TC_CAST(q), 0xffff0000u);
        if ((r = rtnl_tc_set_kind(TC_CAST(q), "ingress")) < 0 ||
            (r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg)) < 0)
                return vn_err(err, vn_nl_errno(r), "ingress qdisc on '%s': %s", dev,
                              nl_geterror(r));
        if ((r = vn_nl_talk(nl, msg, err, "ingress qdisc on '%s'", dev)) < 0)
                return missing(r, err, "sch_ingress");

        /* u32 "match u32 0 0": every packet, to the ifb's egress (mirred redirect, stolen) */
        rtnl_tc_set_ifindex(TC_CAST(cls), ifindex);
        rtnl_tc_set_parent(TC_CAST(cls), 0xffff0000u);
        rtnl_cls_set_protocol(cls, ETH_P_ALL);
        rtnl_cls_set_prio(cls, 1);
        if ((r = rtnl_tc_set_kind(TC_CAST(cls), "u32")) < 0 ||
            (r = rtnl_u32_add_key_uint32(cls, 0, 0, 0, 0)) < 0 ||
            /* as tc sets it for a match with an action: without it the action never runs */
            (r = rtnl_u32_set_cls_terminal(cls)) < 0 ||
            (r = rtnl_tc_set_kind(TC_CAST(act), "mirred")) < 0 ||
            (r = rtnl_mirred_set_action(act, TCA_EGRESS_REDIR)) < 0 ||
            (r = rtnl_mirred_set_policy(act, TC_ACT_STOLEN)) < 0 ||
            (r = rtnl_mirred_set_ifindex(act, (uint32_t)target)) < 0 ||
            (r = rtnl_u32_add_action(cls, act)) < 0 ||
            (r = rtnl_cls_build_add_request(cls, NLM_F_CREATE | NLM_F_EXCL, &msg2)) < 0)
                return vn_err(err, vn_nl_errno(r), "redirect '%s' -> '%s': %s", dev, ifb,
                              nl_geterror(r));
        r = vn_nl_talk(nl, msg2, err, "u32 filter redirecting '%s' to '%s'", dev, ifb);
        return r < 0 ? missing(r, err, "cls_u32 or act_mirred") : 0;
}

int vn_ifb_create(struct vn_nl *nl, const char *name, struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = rtnl_link_alloc();
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        int r;

        if (!l)
                return vn_err(err, -ENOMEM, "out of memory");
        if (!name || !name[0] || strlen(name) > 15)
                return vn_err(err, -EINVAL, "ifb '%s': invalid name", name ? name : "");
        rtnl_link_set_name(l, name);
        if ((r = rtnl_link_set_type(l, "ifb")) < 0 ||
            (r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg)) < 0)
                return vn_err(err, vn_nl_errno(r), "ifb '%s': %s", name, nl_geterror(r));
        r = vn_nl_talk(nl, msg, err, "ifb '%s'", name);
        return r < 0 ? missing(r, err, "the ifb driver") : 0;
}
