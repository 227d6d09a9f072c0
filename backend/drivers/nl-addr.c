/*
 * nl-addr.c: interface addresses over rtnetlink — add, delete, and the
 * "is this subnet already in use here?" check libvirt makes before start.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "nl-auto.h"

static void rtaddrp(struct rtnl_addr **a)
{
        if (*a)
                rtnl_addr_put(*a);
}

static size_t addr_len(int family)
{
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Build the rtnl_addr for addr/prefix on ifname (resolving its index). */
static int build(struct vn_nl *nl, const char *ifname, const struct vn_addr *addr, unsigned prefix,
                 struct rtnl_addr **out, struct vn_error *err)
{
        _cleanup_(rtaddrp) struct rtnl_addr *ra = NULL;
        _cleanup_(addrp) struct nl_addr *local = NULL, *bcast = NULL;
        char s[VN_ADDR_STRLEN];
        size_t len = addr_len(addr->family);
        int idx, r;

        if (!len || prefix > len * 8)
                return vn_err(err, -EINVAL, "address on '%s': invalid address or prefix",
                              ifname ? ifname : "");
        vn_addr_format(addr, s);
        idx = vn_link_index(nl, ifname);
        if (idx < 0)
                return vn_err(err, idx, "address %s/%u on '%s': %s", s, prefix,
                              ifname ? ifname : "", strerror(-idx));
        ra = rtnl_addr_alloc();
        local = nl_addr_build(addr->family, addr->u.bytes, len);
        if (!ra || !local)
                return vn_err(err, -ENOMEM, "address %s/%u: %s", s, prefix, strerror(ENOMEM));
        nl_addr_set_prefixlen(local, (int)prefix);
        rtnl_addr_set_ifindex(ra, idx);
        rtnl_addr_set_family(ra, addr->family);
        r = rtnl_addr_set_local(ra, local);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "address %s/%u: %s", s, prefix, nl_geterror(r));
        rtnl_addr_set_prefixlen(ra, (int)prefix);
        if (addr->family == AF_INET && prefix <= 30) {
                struct vn_addr b;

                vn_addr_broadcast(addr, prefix, &b);
                bcast = nl_addr_build(AF_INET, b.u.bytes, 4);
                if (!bcast)
                        return vn_err(err, -ENOMEM, "address %s/%u: %s", s, prefix,
                                      strerror(ENOMEM));
                rtnl_addr_set_broadcast(ra, bcast);
        }
        *out = VN_TAKE(ra);
        return 0;
}

int vn_ifaddr_add(struct vn_nl *nl, const char *ifname, const struct vn_addr *addr, unsigned prefix,
                  bool nodad, struct vn_error *err)
{
        _cleanup_(rtaddrp) struct rtnl_addr *ra = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        char s[VN_ADDR_STRLEN];
        int r;

        r = build(nl, ifname, addr, prefix, &ra, err);
        if (r < 0)
                return r;
        vn_addr_format(addr, s);
        if (nodad && addr->family == AF_INET6)
                rtnl_addr_set_flags(ra, IFA_F_NODAD);
        r = rtnl_addr_build_add_request(ra, NLM_F_CREATE | NLM_F_EXCL, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "address %s/%u on '%s': %s", s, prefix, ifname,
                              nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "address %s/%u on '%s'", s, prefix, ifname);
}

int vn_ifaddr_del(struct vn_nl *nl, const char *ifname, const struct vn_addr *addr, unsigned prefix,
                  struct vn_error *err)
{
        _cleanup_(rtaddrp) struct rtnl_addr *ra = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        char s[VN_ADDR_STRLEN];
        int r;

        r = build(nl, ifname, addr, prefix, &ra, err);
        if (r < 0)
                return r;
        vn_addr_format(addr, s);
        r = rtnl_addr_build_delete_request(ra, 0, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "address %s/%u on '%s': %s", s, prefix, ifname,
                              nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "address %s/%u on '%s'", s, prefix, ifname);
}

/**
 * vn_ifaddr_find_overlap: walk every address of the namespace and report
 * the first link holding one whose subnet overlaps net/prefix.
 */
int vn_ifaddr_find_overlap(struct vn_nl *nl, const struct vn_addr *net, unsigned prefix,
                           char owner[16], struct vn_error *err)
{
        _cleanup_(cachep) struct nl_cache *cache = NULL;
        struct nl_sock *sk = vn_nl_sock(nl);
        int r;

        r = rtnl_addr_alloc_cache(sk, &cache);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "addresses: %s", nl_geterror(r));
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *ra = (struct rtnl_addr *)o;
                struct nl_addr *local = rtnl_addr_get_local(ra);
                _cleanup_(linkp) struct rtnl_link *l = NULL;
                struct vn_addr a = {0};
                size_t len = addr_len(net->family);
                int idx;

                if (rtnl_addr_get_family(ra) != net->family || !local ||
                    nl_addr_get_len(local) != len)
                        continue;
                a.family = net->family;
                memcpy(a.u.bytes, nl_addr_get_binary_addr(local), len);
                if (!vn_subnet_overlap(net, prefix, &a, (unsigned)rtnl_addr_get_prefixlen(ra)))
                        continue;
                idx = rtnl_addr_get_ifindex(ra);
                if (rtnl_link_get_kernel(sk, idx, NULL, &l) == 0)
                        snprintf(owner, 16, "%s", rtnl_link_get_name(l));
                else
                        snprintf(owner, 16, "if%d", idx);
                return 1;
        }
        return 0;
}
