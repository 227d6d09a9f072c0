/*
 * nl-auto.h: cleanup helpers for libnl objects, for the netlink drivers only
 * (include after libnl's headers). Each accepts NULL.
 */
#ifndef VNET_NL_AUTO_H
#define VNET_NL_AUTO_H

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

static inline void linkp(struct rtnl_link **l)
{
        if (*l)
                rtnl_link_put(*l);
}
static inline void msgp(struct nl_msg **m)
{
        if (*m)
                nlmsg_free(*m);
}
static inline void addrp(struct nl_addr **a)
{
        if (*a)
                nl_addr_put(*a);
}
static inline void cachep(struct nl_cache **c)
{
        if (*c)
                nl_cache_free(*c);
}
static inline void routep(struct rtnl_route **r)
{
        if (*r)
                rtnl_route_put(*r);
}

#endif
