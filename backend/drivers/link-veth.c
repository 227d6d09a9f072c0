/*
 * link-veth.c: veth pairs, the peer optionally created straight inside
 * another network namespace (so it never appears in ours).
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <string.h>

#include <netlink/msg.h>
#include <netlink/object.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "nl-auto.h"

static void vethp(struct rtnl_link **l)
{
        if (*l)
                rtnl_link_veth_release(*l);
}

static bool name_ok(const char *name)
{
        return name && name[0] && strlen(name) <= 15;
}

/**
 * vn_veth_create_mac: RTM_NEWLINK kind "veth" with VETH_INFO_PEER, NLM_F_EXCL; both ends'
 * MACs (each optional) are set in the same message, so the link is never seen with another.
 */
int vn_veth_create_mac(struct vn_nl *nl, const char *name, const uint8_t *mac, const char *peer,
                       int peer_netns_fd, const uint8_t *peer_mac, struct vn_error *err)
{
        _cleanup_(vethp) struct rtnl_link *l = NULL;
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        _cleanup_(addrp) struct nl_addr *a = NULL;
        _cleanup_(addrp) struct nl_addr *ha = NULL;
        struct rtnl_link *p;
        int r;

        if (!name_ok(name) || !name_ok(peer))
                return vn_err(err, -EINVAL, "veth '%s': invalid name or peer name '%s'",
                              name ? name : "", peer ? peer : "");
        l = rtnl_link_veth_alloc();
        if (!l)
                return vn_err(err, -ENOMEM, "veth '%s': %s", name, strerror(ENOMEM));
        rtnl_link_set_name(l, name);
        if (mac) {
                ha = nl_addr_build(AF_LLC, mac, 6);
                if (!ha)
                        return vn_err(err, -ENOMEM, "veth '%s': %s", name, strerror(ENOMEM));
                rtnl_link_set_addr(l, ha);
        }
        /* Newer libnl takes a reference in get_peer, older does not: drop only an extra one
         * (the veth link keeps its own until rtnl_link_veth_release()). */
        p = rtnl_link_veth_get_peer(l);
        if (nl_object_get_refcnt(OBJ_CAST(p)) > 1)
                rtnl_link_put(p);
        rtnl_link_set_name(p, peer);
        if (peer_netns_fd >= 0)
                rtnl_link_set_ns_fd(p, peer_netns_fd);
        if (peer_mac) {
                a = nl_addr_build(AF_LLC, peer_mac, 6);
                if (!a)
                        return vn_err(err, -ENOMEM, "veth '%s': %s", name, strerror(ENOMEM));
                rtnl_link_set_addr(p, a);
        }
        r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg);
        if (r < 0)
                return vn_err(err, vn_nl_errno(r), "veth '%s': %s", name, nl_geterror(r));
        return vn_nl_talk(nl, msg, err, "veth '%s' (peer '%s')", name, peer);
}

/**
 * vn_veth_create: vn_veth_create_mac() with a kernel-chosen MAC on our end.
 */
int vn_veth_create(struct vn_nl *nl, const char *name, const char *peer, int peer_netns_fd,
                   const uint8_t *peer_mac, struct vn_error *err)
{
        return vn_veth_create_mac(nl, name, NULL, peer, peer_netns_fd, peer_mac, err);
}
