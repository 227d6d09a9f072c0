/*
 * link-vxlan.c: VXLAN links, their all-zeros FDB entries (head-end
 * replication: unknown unicast, broadcast and multicast go to every listed
 * VTEP), and the underlay lookups an overlay needs (a device's first IPv4
 * address, the device holding an address).
 *
 * FDB entries are RTM_NEWNEIGH/RTM_DELNEIGH in family AF_BRIDGE with
 * NTF_SELF, so they land in the vxlan device's own table (not the bridge's);
 * NLM_F_APPEND because every peer shares the all-zeros MAC.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>

#include "nl-auto.h"
#include <sys/socket.h>


/**
 * vn_vxlan_create: RTM_NEWLINK kind "vxlan" (NLM_F_CREATE|NLM_F_EXCL), with no multicast
 * group: flooding goes to the FDB's all-zeros entries (vn_vxlan_fdb_add) or to what an EVPN
 * control plane installs. Not brought up, not enslaved.
 */
int vn_vxlan_create(struct vn_nl *nl, const struct vn_vxlan_spec *spec, struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        _cleanup_(addrp) struct nl_addr *local = NULL;
        const char *name = spec->name;
        int r;

        if (!name || !name[0] || strlen(name) > 15)
                return vn_err(err, -EINVAL, "vxlan '%s': invalid name", name ? name : "");
        if (spec->local.family != AF_INET)
                return vn_err(err, -EAFNOSUPPORT, "vxlan '%s': local address must be IPv4", name);
        l = rtnl_link_vxlan_alloc();
        local = nl_addr_build(AF_INET, spec->local.u.bytes, 4);
        if (!l || !local)
                return vn_err(err, -ENOMEM, "vxlan '%s': %s", name, strerror(ENOMEM));
        rtnl_link_set_name(l, name);
        if (spec->mtu)
                rtnl_link_set_mtu(l, spec->mtu);
        if ((r = rtnl_link_vxlan_set_id(l, spec->vni)) < 0 ||
            (r = rtnl_link_vxlan_set_local(l, local)) < 0 ||
            (r = rtnl_link_vxlan_set_port(l, spec->port)) < 0 ||
            (r = rtnl_link_vxlan_set_learning(l, spec->learning ? 1 : 0)) < 0)
                return vn_err(err, vn_nl_errno(r), "vxlan '%s': %s", name, nl_geterror(r));
        r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "vxlan '%s': %s", name, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "vxlan '%s' (vni %u, dstport %u)", name, spec->vni,
                          spec->port);
}

static int fdb_msg(struct vn_nl *nl, int type, unsigned flags, const char *dev,
                   const struct vn_addr *dst, struct vn_error *err)
{
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        static const uint8_t zero[6];
        struct ndmsg nd = {
            .ndm_family = AF_BRIDGE,
            .ndm_state = NUD_PERMANENT | NUD_NOARP,
            .ndm_flags = NTF_SELF,
        };
        char a[VN_ADDR_STRLEN];
        int idx = vn_link_index(nl, dev);

        vn_addr_format(dst, a);
        if (idx < 0)
                return vn_err(err, idx, "fdb dev '%s' dst %s: %s", dev, a, strerror(-idx));
        if (dst->family != AF_INET)
                return vn_err(err, -EAFNOSUPPORT, "fdb dev '%s': IPv4 destinations only", dev);
        nd.ndm_ifindex = idx;
        msg = nlmsg_alloc_simple(type, flags);
        if (!msg)
                return vn_err(err, -ENOMEM, "fdb dev '%s': %s", dev, strerror(ENOMEM));
        if (nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0 ||
            nla_put(msg, NDA_LLADDR, 6, zero) < 0 || nla_put(msg, NDA_DST, 4, dst->u.bytes) < 0)
                return vn_err(err, -EMSGSIZE, "fdb dev '%s': %s", dev, strerror(EMSGSIZE));
        return vn_nl_talk(nl, msg, err, "fdb 00:00:00:00:00:00 dev %s dst %s", dev, a);
}

int vn_vxlan_fdb_add(struct vn_nl *nl, const char *dev, const struct vn_addr *dst,
                     struct vn_error *err)
{
        return fdb_msg(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, dev, dst, err);
}

int vn_vxlan_fdb_del(struct vn_nl *nl, const char *dev, const struct vn_addr *dst,
                     struct vn_error *err)
{
        return fdb_msg(nl, RTM_DELNEIGH, 0, dev, dst, err);
}

/* Walk the namespace's addresses; cb returns 1 to stop. */
static int addr_walk(struct vn_nl *nl, int (*cb)(struct rtnl_addr *ra, void *data), void *data,
                     struct vn_error *err)
{
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        int r;

        r = rtnl_addr_alloc_cache(vn_nl_sock(nl), &cache);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "addresses: %s", nl_geterror(r));
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
                if ((r = cb((struct rtnl_addr *)o, data)) != 0)
                        return r;
        return 0;
}

struct first_v4 {
        int ifindex;
        struct vn_addr *out;
};

static int first_v4_cb(struct rtnl_addr *ra, void *data)
{
        struct first_v4 *f = data;
        struct nl_addr *local = rtnl_addr_get_local(ra);

        if (rtnl_addr_get_ifindex(ra) != f->ifindex || rtnl_addr_get_family(ra) != AF_INET ||
            !local || nl_addr_get_len(local) != 4)
                return 0;
        memset(f->out, 0, sizeof(*f->out));
        f->out->family = AF_INET;
        memcpy(f->out->u.bytes, nl_addr_get_binary_addr(local), 4);
        return 1;
}

int vn_ifaddr_first_v4(struct vn_nl *nl, const char *dev, struct vn_addr *out, struct vn_error *err)
{
        struct vn_addr a = {0};
        struct first_v4 f = {.out = &a};
        int r;

        f.ifindex = vn_link_index(nl, dev);
        if (f.ifindex < 0)
                return vn_err(err, f.ifindex, "device '%s': %s", dev, strerror(-f.ifindex));
        r = addr_walk(nl, first_v4_cb, &f, err);
        if (r < 0)
                return r;
        if (r == 0)
                return vn_err(err, -EADDRNOTAVAIL, "device '%s' has no IPv4 address", dev);
        *out = a;
        return 0;
}

struct owner {
        const struct vn_addr *addr;
        int ifindex;
};

static int owner_cb(struct rtnl_addr *ra, void *data)
{
        struct owner *o = data;
        struct nl_addr *local = rtnl_addr_get_local(ra);

        if (rtnl_addr_get_family(ra) != AF_INET || !local || nl_addr_get_len(local) != 4 ||
            memcmp(nl_addr_get_binary_addr(local), o->addr->u.bytes, 4) != 0)
                return 0;
        o->ifindex = rtnl_addr_get_ifindex(ra);
        return 1;
}

int vn_ifaddr_owner(struct vn_nl *nl, const struct vn_addr *addr, char ifname[16],
                    struct vn_error *err)
{
        _cleanup_(linkp) struct rtnl_link *l = NULL;
        struct owner o = {.addr = addr};
        char a[VN_ADDR_STRLEN];
        int r;

        r = addr_walk(nl, owner_cb, &o, err);
        if (r < 0)
                return r;
        if (r == 0)
                return vn_err(err, -EADDRNOTAVAIL, "address %s is not configured on this host",
                              vn_addr_format(addr, a));
        r = rtnl_link_get_kernel(vn_nl_sock(nl), o.ifindex, NULL, &l);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "link %d: %s", o.ifindex, nl_geterror(r));
        snprintf(ifname, 16, "%s", rtnl_link_get_name(l));
        return 0;
}
