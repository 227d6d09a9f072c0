/*
 * link-bridge.c: Linux bridges and their per-port flags, over rtnetlink.
 *
 * libnl 3.7 has no setters for the bridge's IFLA_BR_* link-info attributes
 * nor for IFLA_BRPORT_ISOLATED, so these messages are built here with
 * libnl's message API and acknowledged through vn_nl_talk().
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "nl-auto.h"
#include <sys/socket.h>


static bool name_ok(const char *name)
{
        return name && name[0] && strlen(name) <= 15;
}

/*
 * bridge_create: RTM_NEWLINK kind "bridge" with NLM_F_CREATE|NLM_F_EXCL.
 *
 * The kernel applies IFLA_BR_FORWARD_DELAY before IFLA_BR_STP_STATE, so a
 * delay below STP's 2 s minimum (libvirt's default is 0) is accepted, as
 * with libvirt's sysfs writes. macTableManager='libvirt' turns VLAN
 * filtering on, as libvirt does, so that ports with learning disabled do not
 * send the bridge promiscuous; per-port learning is vn_bridge_port_set_learning().
 */
static int bridge_create(struct vn_nl *nl, const struct vn_bridge_spec *spec, bool vlan_filtering,
                         struct vn_error *err)
{
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
        struct nlattr *info, *data;
        const char *name = spec->name;

        if (!name_ok(name))
                return vn_err(err, -EINVAL, "bridge '%s': invalid name", name ? name : "");
        msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        if (!msg)
                return vn_err(err, -ENOMEM, "bridge '%s': %s", name, strerror(ENOMEM));
        if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
            nla_put_string(msg, IFLA_IFNAME, name) < 0)
                goto too_big;
        if (spec->mtu && nla_put_u32(msg, IFLA_MTU, spec->mtu) < 0)
                goto too_big;
        if (spec->mac && nla_put(msg, IFLA_ADDRESS, 6, spec->mac) < 0)
                goto too_big;
        info = nla_nest_start(msg, IFLA_LINKINFO | NLA_F_NESTED);
        if (!info || nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0)
                goto too_big;
        data = nla_nest_start(msg, IFLA_INFO_DATA | NLA_F_NESTED);
        if (!data || nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, spec->forward_delay_cs) < 0 ||
            nla_put_u32(msg, IFLA_BR_STP_STATE, spec->stp ? 1 : 0) < 0)
                goto too_big;
        if (vlan_filtering && nla_put_u8(msg, IFLA_BR_VLAN_FILTERING, 1) < 0)
                goto too_big;
        nla_nest_end(msg, data);
        nla_nest_end(msg, info);
        return vn_nl_talk(nl, msg, err, "bridge '%s'", name);

too_big:
        return vn_err(err, -EMSGSIZE, "bridge '%s': %s", name, strerror(EMSGSIZE));
}

int vn_bridge_create(struct vn_nl *nl, const struct vn_bridge_spec *spec, struct vn_error *err)
{
        /* Kernels without CONFIG_BRIDGE_VLAN_FILTERING refuse the attribute (after registering
         * the bridge, so each refusal costs a slow unregister): it only spares the bridge
         * promiscuous mode, so do without, and remember not to ask again. */
        static bool no_vlan_filtering;
        struct vn_error e = {0};
        int r;

        if (!spec->no_mac_learning || no_vlan_filtering)
                return bridge_create(nl, spec, false, err);
        r = bridge_create(nl, spec, true, &e);
        if (r == -EOPNOTSUPP) {
                no_vlan_filtering = true;
                return bridge_create(nl, spec, false, err);
        }
        if (r < 0)
                vn_err(err, r, "%s", e.msg);
        return r;
}

/* AF_BRIDGE RTM_SETLINK on port with IFLA_PROTINFO { attrs[i] = vals[i] } (u8 each). */
static int port_set(struct vn_nl *nl, const char *port, const int *attrs, const uint8_t *vals,
                    size_t n, struct vn_error *err)
{
        _cleanup_(msgp) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE};
        struct nlattr *pi;
        int idx;

        idx = vn_link_index(nl, port);
        if (idx < 0)
                return vn_err(err, idx, "bridge port '%s': %s", port ? port : "", strerror(-idx));
        ifi.ifi_index = idx;
        msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
        if (!msg)
                return vn_err(err, -ENOMEM, "bridge port '%s': %s", port, strerror(ENOMEM));
        if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
                goto too_big;
        /* NLA_F_NESTED tells br_setlink this is the nested form, not the old u8 state. */
        pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
        if (!pi)
                goto too_big;
        for (size_t i = 0; i < n; i++)
                if (nla_put_u8(msg, attrs[i], vals[i]) < 0)
                        goto too_big;
        nla_nest_end(msg, pi);
        return vn_nl_talk(nl, msg, err, "bridge port '%s'", port);

too_big:
        return vn_err(err, -EMSGSIZE, "bridge port '%s': %s", port, strerror(EMSGSIZE));
}

int vn_bridge_port_set_isolated(struct vn_nl *nl, const char *port, bool isolated,
                                struct vn_error *err)
{
        static const int attrs[] = {IFLA_BRPORT_ISOLATED};
        const uint8_t vals[] = {isolated};

        return port_set(nl, port, attrs, vals, 1, err);
}

int vn_bridge_port_set_learning(struct vn_nl *nl, const char *port, bool learning, bool flood,
                                struct vn_error *err)
{
        static const int attrs[] = {IFLA_BRPORT_LEARNING, IFLA_BRPORT_UNICAST_FLOOD};
        const uint8_t vals[] = {learning, flood};

        return port_set(nl, port, attrs, vals, 2, err);
}
