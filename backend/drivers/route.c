/*
 * route.c: static routes of a network (<route> elements) in the main
 * table, over rtnetlink.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "nl-auto.h"


static size_t addr_len(int family)
{
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Build the request; add or delete. */
static int route_do(struct vn_nl *nl, bool add, const char *ifname, const struct vn_addr *dst,
                    unsigned prefix, const struct vn_addr *gw, unsigned metric,
                    struct vn_error *err)
{
        _cleanup_(routep) struct rtnl_route *rt = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        _cleanup_(addrp) struct nl_addr *d = NULL, *g = NULL;
        struct rtnl_nexthop *nh;
        char ds[VN_ADDR_STRLEN], gs[VN_ADDR_STRLEN] = "";
        size_t len = addr_len(dst->family);
        bool has_gw = gw && vn_addr_is_set(gw);
        int idx, r;

        if (!len || prefix > len * 8)
                return vn_err(err, -EINVAL, "route on '%s': invalid destination",
                              ifname ? ifname : "");
        vn_addr_format(dst, ds);
        if (has_gw) {
                if (gw->family != dst->family)
                        return vn_err(err, -EINVAL, "route %s/%u: gateway family mismatch", ds,
                                      prefix);
                vn_addr_format(gw, gs);
        }
        idx = vn_link_index(nl, ifname);
        if (idx < 0)
                return vn_err(err, idx, "route %s/%u on '%s': %s", ds, prefix, ifname ? ifname : "",
                              strerror(-idx));
        rt = rtnl_route_alloc();
        nh = rtnl_route_nh_alloc();
        d = nl_addr_build(dst->family, dst->u.bytes, len);
        if (has_gw)
                g = nl_addr_build(gw->family, gw->u.bytes, len);
        if (!rt || !nh || !d || (has_gw && !g)) {
                if (nh)
                        rtnl_route_nh_free(nh);
                return vn_err(err, -ENOMEM, "route %s/%u: %s", ds, prefix, strerror(ENOMEM));
        }
        nl_addr_set_prefixlen(d, (int)prefix);
        rtnl_route_set_family(rt, (uint8_t)dst->family);
        r = rtnl_route_set_dst(rt, d);
        if (r < 0) {
                rtnl_route_nh_free(nh);
                return vn_err(err, vn_nl_errno(r), "route %s/%u: %s", ds, prefix, nl_geterror(r));
        }
        rtnl_route_set_table(rt, RT_TABLE_MAIN);
        rtnl_route_set_protocol(rt, RTPROT_STATIC);
        rtnl_route_set_type(rt, RTN_UNICAST);
        if (add)
                rtnl_route_set_scope(rt, has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
        if (metric)
                rtnl_route_set_priority(rt, metric);
        rtnl_route_nh_set_ifindex(nh, idx);
        if (has_gw)
                rtnl_route_nh_set_gateway(nh, g);
        rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */

        if (add)
                r = rtnl_route_build_add_request(rt, NLM_F_CREATE | NLM_F_EXCL, &msg);
        else
                r = rtnl_route_build_del_request(rt, 0, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "route %s/%u: %s", ds, prefix, nl_geterror(r));
        if (has_gw)
                return vn_nl_talk(nl, msg, err, "route %s/%u via %s dev '%s'", ds, prefix, gs,
                                  ifname);
        return vn_nl_talk(nl, msg, err, "route %s/%u dev '%s'", ds, prefix, ifname);
}

int vn_route_add(struct vn_nl *nl, const char *ifname, const struct vn_addr *dst, unsigned prefix,
                 const struct vn_addr *gw, unsigned metric, struct vn_error *err)
{
        return route_do(nl, true, ifname, dst, prefix, gw, metric, err);
}

int vn_route_del(struct vn_nl *nl, const char *ifname, const struct vn_addr *dst, unsigned prefix,
                 const struct vn_addr *gw, unsigned metric, struct vn_error *err)
{
        return route_do(nl, false, ifname, dst, prefix, gw, metric, err);
}
