/*
 * net.c: the model's own small helpers — freeing a definition, forward
 * mode names, effective prefixes and the queries the planner asks.
 */
#include "config.h"

#include "net.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *const fwd_mode_names[VN_FWD__MAX] = {
    [VN_FWD_NONE] = "isolated",   [VN_FWD_NAT] = "nat",
    [VN_FWD_ROUTE] = "route",     [VN_FWD_OPEN] = "open",
    [VN_FWD_BRIDGE] = "bridge",   [VN_FWD_PRIVATE] = "private",
    [VN_FWD_VEPA] = "vepa",       [VN_FWD_PASSTHROUGH] = "passthrough",
    [VN_FWD_HOSTDEV] = "hostdev",
};

const char *vn_fwd_mode_name(enum vn_fwd_mode m)
{
        if ((unsigned)m >= VN_FWD__MAX)
                return NULL;
        return fwd_mode_names[m];
}

int vn_fwd_mode_from_name(const char *s)
{
        /* "isolated" is our name for "no <forward>", not an XML value. */
        for (int m = VN_FWD_NAT; m < VN_FWD__MAX; m++)
                if (vn_streq(s, fwd_mode_names[m]))
                        return m;
        return -EINVAL;
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static void virtualport_clear(struct vn_virtualport *vp)
{
        free(vp->type);
        free(vp->managerid);
        free(vp->typeid);
        free(vp->typeidversion);
        free(vp->instanceid);
        free(vp->profileid);
        free(vp->interfaceid);
}

static void ip_clear(struct vn_ip *ip)
{
        free(ip->family);
        free(ip->tftp_root);
        free(ip->ranges);
        for (size_t i = 0; i < ip->n_hosts; i++) {
                free(ip->hosts[i].id);
                free(ip->hosts[i].name);
        }
        free(ip->hosts);
        free(ip->bootp_file);
        free(ip->bootp_server);
}

static void dns_clear(struct vn_dns *dns)
{
        size_t i;

        for (i = 0; i < dns->n_forwarders; i++) {
                free(dns->forwarders[i].addr);
                free(dns->forwarders[i].domain);
        }
        free(dns->forwarders);
        for (i = 0; i < dns->n_txts; i++) {
                free(dns->txts[i].name);
                free(dns->txts[i].value);
        }
        free(dns->txts);
        for (i = 0; i < dns->n_srvs; i++) {
                free(dns->srvs[i].service);
                free(dns->srvs[i].protocol);
                free(dns->srvs[i].domain);
                free(dns->srvs[i].target);
        }
        free(dns->srvs);
        for (i = 0; i < dns->n_hosts; i++)
                strv_free(dns->hosts[i].hostnames, dns->hosts[i].n_hostnames);
        free(dns->hosts);
}

void vn_net_free(struct vn_net *net)
{
        size_t i;

        if (!net)
                return;
        free(net->name);
        free(net->title);
        free(net->description);
        free(net->metadata_xml);

        free(net->forward.dev);
        free(net->forward.driver_name);
        free(net->forward.driver_model);
        for (i = 0; i < net->forward.n_ifs; i++)
                free(net->forward.ifs[i].dev);
        free(net->forward.ifs);
        strv_free(net->forward.pfs, net->forward.n_pfs);
        free(net->forward.pcis);

        free(net->bridge.name);
        free(net->bridge.zone);
        free(net->domain.name);
        dns_clear(&net->dns);
        free(net->vlan.tags);
        virtualport_clear(&net->virtualport);
        for (i = 0; i < net->n_portgroups; i++) {
                free(net->portgroups[i].name);
                virtualport_clear(&net->portgroups[i].virtualport);
                free(net->portgroups[i].vlan.tags);
        }
        free(net->portgroups);
        for (i = 0; i < net->n_ips; i++)
                ip_clear(&net->ips[i]);
        free(net->ips);
        for (i = 0; i < net->n_routes; i++)
                free(net->routes[i].family);
        free(net->routes);
        strv_free(net->dnsmasq_options, net->n_dnsmasq_options);
        free(net->ext.forwards);
        free(net->ext.overlay.local_dev);
        free(net->ext.overlay.peers);
        free(net->ext.overlay.peer_lines);
        free(net->ext.overlay.bgp_peers);
        free(net->ext.overlay.bgp_peer_lines);
        free(net->source);
        free(net);
}

unsigned vn_ip_prefix(const struct vn_ip *ip)
{
        int p;

        if (ip->has_prefix && ip->prefix > 0)
                return ip->prefix;
        if (ip->has_netmask && (p = vn_netmask_to_prefix(&ip->netmask)) >= 0)
                return (unsigned)p;
        return vn_addr_default_prefix(&ip->address);
}

unsigned vn_route_prefix(const struct vn_route *r)
{
        int p;

        static const uint8_t zero[16];

        if (r->has_prefix)
                return r->prefix;
        if (r->has_netmask && (p = vn_netmask_to_prefix(&r->netmask)) >= 0)
                return (unsigned)p;
        /* a default route (0.0.0.0 or ::) without prefix means /0 */
        if (memcmp(r->address.u.bytes, zero, r->address.family == AF_INET ? 4 : 16) == 0)
                return 0;
        return vn_addr_default_prefix(&r->address);
}

bool vn_net_has_bridge_l3(const struct vn_net *net)
{
        switch (net->forward.mode) {
        case VN_FWD_NONE:
        case VN_FWD_NAT:
        case VN_FWD_ROUTE:
        case VN_FWD_OPEN:
                return true;
        default:
                return false;
        }
}

const struct vn_ip *vn_net_first_ip(const struct vn_net *net, int af)
{
        for (size_t i = 0; i < net->n_ips; i++)
                if (af == AF_UNSPEC || net->ips[i].address.family == af)
                        return &net->ips[i];
        return NULL;
}

const char *vn_overlay_type_name(enum vn_overlay_type t)
{
        switch (t) {
        case VN_OVERLAY_VXLAN:
                return "vxlan";
        case VN_OVERLAY_EVPN:
                return "evpn";
        case VN_OVERLAY_NONE:
                break;
        }
        return "none";
}
