/*
 * support.c: the status of every element and attribute of libvirt's network XML in vnet
 * (see support.h). A row is realized (how) or refused (why); a realized row may still refuse
 * one form of it (hostdev mode, register='yes'...). Refusals are decided here, from the model,
 * before anything is created; tests/unit/test-support.c checks that every element and
 * attribute of network.rng has a row and that man/vnet-xml.5 shows this table.
 */
#include "config.h"

#include "support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what a network uses ------------------------------------------------------------- */

static bool used_hostdev(const struct vn_net *n, int *line)
{
        *line = n->forward.line;
        return n->forward.present && n->forward.mode == VN_FWD_HOSTDEV;
}

static bool used_managed(const struct vn_net *n, int *line)
{
        *line = n->forward.line;
        return n->forward.managed == VN_YES;
}

static bool used_pci(const struct vn_net *n, int *line)
{
        *line = n->forward.line;
        return n->forward.n_pcis > 0;
}

static bool used_pf(const struct vn_net *n, int *line)
{
        *line = n->forward.line;
        return n->forward.n_pfs > 0;
}

static bool used_driver(const struct vn_net *n, int *line)
{
        *line = n->forward.line;
        return n->forward.driver_name || n->forward.driver_model;
}

static bool used_trust(const struct vn_net *n, int *line)
{
        *line = n->line;
        return n->trust_guest_rx_filters == VN_YES;
}

static bool used_pg_trust(const struct vn_net *n, int *line)
{
        for (size_t i = 0; i < n->n_portgroups; i++)
                if (n->portgroups[i].trust_guest_rx_filters == VN_YES) {
                        *line = n->portgroups[i].line;
                        return true;
                }
        return false;
}

static bool used_mtm_libvirt(const struct vn_net *n, int *line)
{
        *line = n->bridge.line;
        return n->bridge.mac_table_manager == VN_MTM_LIBVIRT;
}

static bool used_zone(const struct vn_net *n, int *line)
{
        *line = n->bridge.line;
        return n->bridge.zone != NULL;
}

static bool used_virtualport(const struct vn_net *n, int *line)
{
        *line = 0;
        return n->virtualport.present;
}

static bool used_pg_virtualport(const struct vn_net *n, int *line)
{
        for (size_t i = 0; i < n->n_portgroups; i++)
                if (n->portgroups[i].virtualport.present) {
                        *line = n->portgroups[i].line;
                        return true;
                }
        return false;
}

static bool used_vlan(const struct vn_net *n, int *line)
{
        *line = 0;
        return n->vlan.present;
}

static bool used_pg_vlan(const struct vn_net *n, int *line)
{
        for (size_t i = 0; i < n->n_portgroups; i++)
                if (n->portgroups[i].vlan.present) {
                        *line = n->portgroups[i].line;
                        return true;
                }
        return false;
}

static bool used_register(const struct vn_net *n, int *line)
{
        *line = n->domain.line;
        return n->domain.reg == VN_YES;
}

static bool used_net_outbound(const struct vn_net *n, int *line)
{
        *line = n->line;
        return n->bandwidth.present && n->bandwidth.outbound.present;
}

/* ---- the table ------------------------------------------------------------------------ */

#define R(path, how)                                                                               \
        {                                                                                          \
                path, true, how, NULL, NULL, NULL                                                  \
        }
#define RX(path, how, what, why, fn)                                                               \
        {                                                                                          \
                path, true, how, what, why, fn                                                     \
        }
#define X(path, why, what, fn)                                                                     \
        {                                                                                          \
                path, false, NULL, what, why, fn                                                   \
        }

#define STATUS_ONLY  "status: written in live XML, ignored on input (as libvirt does)"
#define HOSTDEV_ONLY "hostdev (SR-IOV PCI) networks only, and those are refused"
#define PORT_PROFILE                                                                               \
        "port profiles (Open vSwitch, 802.1Qbg/Qbh, MidoNet) are not implemented: vnet's "         \
        "ports are taps, veths and macvtaps on Linux bridges"
#define RXFILTER_WHY                                                                               \
        "vnet does not follow the guest's receive filter (QEMU's NIC_RX_FILTER_CHANGED) to "       \
        "reprogram macvtap MACs"
#define NET_OUTBOUND_WHY                                                                           \
        "shaping what the bridge itself receives (through an ifb) stalls TCP on the kernels "     \
        "vnet is tested on; a <portgroup>'s <outbound> shapes each port"
#define VLAN_WHY "VLAN tags need hostdev or Open vSwitch ports, which vnet does not implement"

const struct vn_support vn_support_table[] = {
    R("/network", "one network: bridge, addresses, routes, firewall, dnsmasq"),
    R("/network@connections", STATUS_ONLY),
    R("/network@ipv6", "'yes' keeps IPv6 on a bridge without IPv6 addresses (guest to guest)"),
    RX("/network@trustGuestRxFilters", "'no' (the default) as libvirt",
       "<network trustGuestRxFilters='yes'>", RXFILTER_WHY, used_trust),
    R("/network/name", "the network's name: definition file, state directory, lock"),
    R("/network/title", "kept (dumpxml, list)"),
    R("/network/description", "kept (dumpxml)"),
    R("/network/metadata", "kept verbatim; vnet's own namespace carries forwards and overlays"),
    R("/network/metadata/*", "kept verbatim; <vnet:network> is realized (vnet-xml(5))"),
    R("/network/uuid", "identity; the bridge MAC derives from it when <mac> is absent"),
    R("/network/bridge", "the Linux bridge vnet creates (or the host bridge guests join)"),
    R("/network/bridge@name", "bridge name (define assigns virbrN when absent)"),
    X("/network/bridge@zone",
      "vnet does not put the bridge in a firewalld zone; its own nftables table admits the "
      "network's traffic",
      "<bridge zone>", used_zone),
    R("/network/bridge@stp", "STP on the bridge (only with a forward delay above 0, see "
                             "Differences from libvirt)"),
    R("/network/bridge@delay", "the bridge's forward delay"),
    RX("/network/bridge@macTableManager", "'kernel' (the default): the bridge learns",
       "<bridge macTableManager='libvirt'>",
       "vnet does not turn off learning and flooding on each guest port nor program the "
       "bridge's forwarding table with the guests' MACs",
       used_mtm_libvirt),
    R("/network/mtu", "bridge, ports and DHCP option 26 to guests"),
    R("/network/mtu@size", "the MTU"),
    R("/network/mac", "the bridge's MAC address"),
    R("/network/mac@address", "the MAC address"),
    R("/network/forward", "the forward mode's links and firewall (nftables or iptables)"),
    R("/network/forward@dev", "nat/route: the only outgoing device in the firewall rules; "
                              "macvtap modes: the pool"),
    RX("/network/forward@mode", "nat, route, open, bridge, private, vepa, passthrough",
       "<forward mode='hostdev'>",
       "SR-IOV PCI passthrough needs host device assignment, which vnet does not do", used_hostdev),
    RX("/network/forward@managed", "'no': nothing to do", "<forward managed='yes'>", HOSTDEV_ONLY,
       used_managed),
    R("/network/forward/interface", "nat/route: outgoing device; macvtap modes: the pool"),
    R("/network/forward/interface@dev", "the device"),
    R("/network/forward/interface@connections", STATUS_ONLY),
    X("/network/forward/address", HOSTDEV_ONLY, "<forward><address type='pci'>", used_pci),
    X("/network/forward/address@type", HOSTDEV_ONLY, "<forward><address type='pci'>", used_pci),
    X("/network/forward/address@domain", HOSTDEV_ONLY, "<forward><address type='pci'>", used_pci),
    X("/network/forward/address@bus", HOSTDEV_ONLY, "<forward><address type='pci'>", used_pci),
    X("/network/forward/address@slot", HOSTDEV_ONLY, "<forward><address type='pci'>", used_pci),
    X("/network/forward/address@function", HOSTDEV_ONLY, "<forward><address type='pci'>", used_pci),
    X("/network/forward/address@multifunction", HOSTDEV_ONLY, "<forward><address type='pci'>",
      used_pci),
    R("/network/forward/address@connections", STATUS_ONLY),
    X("/network/forward/pf",
      "vnet does not enumerate an SR-IOV device's virtual functions; list the devices with "
      "<interface dev>",
      "<pf>", used_pf),
    X("/network/forward/pf@dev", "see <pf>", "<pf>", used_pf),
    X("/network/forward/driver", HOSTDEV_ONLY, "<forward><driver>", used_driver),
    X("/network/forward/driver@name", HOSTDEV_ONLY, "<forward><driver>", used_driver),
    X("/network/forward/driver@model", HOSTDEV_ONLY, "<forward><driver>", used_driver),
    R("/network/forward/nat", "masquerade (nftables or iptables)"),
    R("/network/forward/nat@ipv6", "'yes': IPv6 is masqueraded too"),
    R("/network/forward/nat/address", "masquerade to this address range"),
    R("/network/forward/nat/address@start", "first address"),
    R("/network/forward/nat/address@end", "last address"),
    R("/network/forward/nat/port", "masquerade to this port range"),
    R("/network/forward/nat/port@start", "first port"),
    R("/network/forward/nat/port@end", "last port"),
    X("/network/virtualport", PORT_PROFILE, "<virtualport>", used_virtualport),
    X("/network/virtualport@type", PORT_PROFILE, "<virtualport>", used_virtualport),
    X("/network/virtualport/parameters", PORT_PROFILE, "<virtualport>", used_virtualport),
    X("/network/virtualport/parameters@managerid", PORT_PROFILE, "<virtualport>", used_virtualport),
    X("/network/virtualport/parameters@typeid", PORT_PROFILE, "<virtualport>", used_virtualport),
    X("/network/virtualport/parameters@typeidversion", PORT_PROFILE, "<virtualport>",
      used_virtualport),
    X("/network/virtualport/parameters@instanceid", PORT_PROFILE, "<virtualport>",
      used_virtualport),
    X("/network/virtualport/parameters@profileid", PORT_PROFILE, "<virtualport>", used_virtualport),
    X("/network/virtualport/parameters@interfaceid", PORT_PROFILE, "<virtualport>",
      used_virtualport),
    R("/network/portgroup", "port-add --portgroup NAME (default: default='yes') applies its "
                            "bandwidth and isolation to the port"),
    R("/network/portgroup@name", "the portgroup's name"),
    R("/network/portgroup@default", "the portgroup of ports that name none"),
    RX("/network/portgroup@trustGuestRxFilters", "'no' (the default) as libvirt",
       "<portgroup trustGuestRxFilters='yes'>", RXFILTER_WHY, used_pg_trust),
    X("/network/portgroup/virtualport", PORT_PROFILE, "<portgroup><virtualport>",
      used_pg_virtualport),
    X("/network/portgroup/virtualport@type", PORT_PROFILE, "<portgroup><virtualport>",
      used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters", PORT_PROFILE, "<portgroup><virtualport>",
      used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters@managerid", PORT_PROFILE,
      "<portgroup><virtualport>", used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters@typeid", PORT_PROFILE, "<portgroup><virtualport>",
      used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters@typeidversion", PORT_PROFILE,
      "<portgroup><virtualport>", used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters@instanceid", PORT_PROFILE,
      "<portgroup><virtualport>", used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters@profileid", PORT_PROFILE,
      "<portgroup><virtualport>", used_pg_virtualport),
    X("/network/portgroup/virtualport/parameters@interfaceid", PORT_PROFILE,
      "<portgroup><virtualport>", used_pg_virtualport),
    R("/network/portgroup/bandwidth", "traffic control on each port of the portgroup"),
    R("/network/portgroup/bandwidth@classID", STATUS_ONLY),
    R("/network/portgroup/bandwidth/inbound", "to the guest: shaped on its port"),
    R("/network/portgroup/bandwidth/inbound@average", "kilobytes per second"),
    R("/network/portgroup/bandwidth/inbound@peak", "kilobytes per second"),
    R("/network/portgroup/bandwidth/inbound@floor", "guaranteed share of the network's inbound"),
    R("/network/portgroup/bandwidth/inbound@burst", "kilobytes"),
    R("/network/portgroup/bandwidth/outbound",
      "from the guest: shaped by an htb on an ifb its port's ingress is redirected to"),
    R("/network/portgroup/bandwidth/outbound@average", "kilobytes per second"),
    R("/network/portgroup/bandwidth/outbound@peak", "kilobytes per second"),
    R("/network/portgroup/bandwidth/outbound@floor", "as libvirt: inbound only"),
    R("/network/portgroup/bandwidth/outbound@burst", "kilobytes"),
    X("/network/portgroup/vlan", VLAN_WHY, "<portgroup><vlan>", used_pg_vlan),
    X("/network/portgroup/vlan@trunk", VLAN_WHY, "<portgroup><vlan>", used_pg_vlan),
    X("/network/portgroup/vlan/tag", VLAN_WHY, "<portgroup><vlan>", used_pg_vlan),
    X("/network/portgroup/vlan/tag@id", VLAN_WHY, "<portgroup><vlan>", used_pg_vlan),
    X("/network/portgroup/vlan/tag@nativeMode", VLAN_WHY, "<portgroup><vlan>", used_pg_vlan),
    R("/network/domain", "dnsmasq: domain=, expand-hosts"),
    R("/network/domain@name", "the DNS domain of the guests"),
    R("/network/domain@localOnly", "'yes': local=/DOMAIN/ (never forwarded upstream)"),
    RX("/network/domain@register", "'no' as libvirt", "<domain register='yes'>",
       "it registers the domain with the host's systemd-resolved, a host-wide change vnet "
       "does not make; point the host's resolver at the network's address instead",
       used_register),
    R("/network/dns", "dnsmasq's DNS"),
    R("/network/dns@enable", "'no': port=0 (DHCP only)"),
    R("/network/dns@forwardPlainNames", "'no': domain-needed, local=//"),
    R("/network/dns/forwarder", "server= (no-resolv when a plain address is given)"),
    R("/network/dns/forwarder@addr", "the upstream server"),
    R("/network/dns/forwarder@domain", "only for this domain (server=/DOMAIN/...)"),
    R("/network/dns/forwarder@port", "ADDR#PORT"),
    R("/network/dns/txt", "txt-record="),
    R("/network/dns/txt@name", "the record's name"),
    R("/network/dns/txt@value", "the record's text"),
    R("/network/dns/srv", "srv-host= (port 1 when absent, as libvirt)"),
    R("/network/dns/srv@service", "_SERVICE"),
    R("/network/dns/srv@protocol", "_PROTOCOL"),
    R("/network/dns/srv@domain", "the domain"),
    R("/network/dns/srv@target", "the target host"),
    R("/network/dns/srv@port", "the port"),
    R("/network/dns/srv@priority", "the priority"),
    R("/network/dns/srv@weight", "the weight"),
    R("/network/dns/host", "addn-hosts file"),
    R("/network/dns/host@ip", "the address"),
    R("/network/dns/host/hostname", "a name of it"),
    R("/network/bandwidth", "traffic control on the bridge (network-wide limits)"),
    R("/network/bandwidth@classID", STATUS_ONLY),
    R("/network/bandwidth/inbound", "to the guests: shaped on the bridge"),
    R("/network/bandwidth/inbound@average", "kilobytes per second"),
    R("/network/bandwidth/inbound@peak", "kilobytes per second"),
    R("/network/bandwidth/inbound@floor", "as libvirt: on ports, not on the network"),
    R("/network/bandwidth/inbound@burst", "kilobytes"),
    X("/network/bandwidth/outbound", NET_OUTBOUND_WHY, "<bandwidth><outbound>", used_net_outbound),
    X("/network/bandwidth/outbound@average", NET_OUTBOUND_WHY, "<bandwidth><outbound>",
      used_net_outbound),
    X("/network/bandwidth/outbound@peak", NET_OUTBOUND_WHY, "<bandwidth><outbound>",
      used_net_outbound),
    R("/network/bandwidth/outbound@floor", "as libvirt: inbound only"),
    X("/network/bandwidth/outbound@burst", NET_OUTBOUND_WHY, "<bandwidth><outbound>",
      used_net_outbound),
    X("/network/vlan", VLAN_WHY, "<vlan>", used_vlan),
    X("/network/vlan@trunk", VLAN_WHY, "<vlan>", used_vlan),
    X("/network/vlan/tag", VLAN_WHY, "<vlan>", used_vlan),
    X("/network/vlan/tag@id", VLAN_WHY, "<vlan>", used_vlan),
    X("/network/vlan/tag@nativeMode", VLAN_WHY, "<vlan>", used_vlan),
    R("/network/port", "settings of every port vnet creates"),
    R("/network/port@isolated", "'yes': every port is a bridge isolated port (guests reach the "
                                "gateway, not each other)"),
    R("/network/ip", "an address on the bridge; DHCP, DNS, RA by dnsmasq"),
    R("/network/ip@address", "the bridge's address"),
    R("/network/ip@netmask", "IPv4 prefix"),
    R("/network/ip@prefix", "prefix"),
    R("/network/ip@family", "ipv4 or ipv6"),
    R("/network/ip@localPtr", "'yes': local=/REVERSE.in-addr.arpa/ (or ip6.arpa)"),
    R("/network/ip/tftp", "dnsmasq's TFTP server (enable-tftp)"),
    R("/network/ip/tftp@root", "tftp-root="),
    R("/network/ip/dhcp", "dnsmasq's DHCP (IPv4) or DHCPv6"),
    R("/network/ip/dhcp/range", "dhcp-range="),
    R("/network/ip/dhcp/range@start", "first address"),
    R("/network/ip/dhcp/range@end", "last address"),
    R("/network/ip/dhcp/range/lease", "the range's lease time"),
    R("/network/ip/dhcp/range/lease@expiry", "0 is infinite"),
    R("/network/ip/dhcp/range/lease@unit", "seconds, minutes or hours"),
    R("/network/ip/dhcp/host", "dhcp-hostsfile line (and addn-hosts for its name)"),
    R("/network/ip/dhcp/host@mac", "the guest's MAC"),
    R("/network/ip/dhcp/host@id", "DHCPv6 DUID or client id"),
    R("/network/ip/dhcp/host@name", "the guest's name"),
    R("/network/ip/dhcp/host@ip", "the fixed address"),
    R("/network/ip/dhcp/host/lease", "the host's lease time"),
    R("/network/ip/dhcp/host/lease@expiry", "0 is infinite"),
    R("/network/ip/dhcp/host/lease@unit", "seconds, minutes or hours"),
    R("/network/ip/dhcp/bootp", "dhcp-boot="),
    R("/network/ip/dhcp/bootp@file", "boot file"),
    R("/network/ip/dhcp/bootp@server", "boot server"),
    R("/network/route", "a static route via a guest (netlink)"),
    R("/network/route@family", "ipv4 or ipv6"),
    R("/network/route@address", "destination"),
    R("/network/route@netmask", "IPv4 prefix"),
    R("/network/route@prefix", "prefix"),
    R("/network/route@gateway", "the guest routing it"),
    R("/network/route@metric", "route metric"),
    R("/network/options", "<dnsmasq:options>: extra dnsmasq.conf lines (vnet checks them for "
                          "line breaks)"),
    R("/network/options/option", "one line"),
    R("/network/options/option@value", "the line"),
};
const size_t vn_support_count = sizeof(vn_support_table) / sizeof(vn_support_table[0]);

const struct vn_support *vn_support_find(const char *path)
{
        for (size_t i = 0; i < vn_support_count; i++)
                if (strcmp(vn_support_table[i].path, path) == 0)
                        return &vn_support_table[i];
        return NULL;
}

static char *message(const struct vn_net *net, const struct vn_support *s, int line)
{
        const char *name = net->name ? net->name : "(unnamed)";

        if (net->source && line > 0)
                return vn_asprintf("%s:%d: network '%.64s': %s: not supported by vnet (%s)",
                                   net->source, line, name, s->refused, s->why);
        return vn_asprintf("network '%.64s': %s: not supported by vnet (%s)", name, s->refused,
                           s->why);
}

/* rows of one refusal share it: report each refused form once */
static bool first_of_kind(size_t i)
{
        for (size_t j = 0; j < i; j++)
                if (vn_support_table[j].used == vn_support_table[i].used)
                        return false;
        return true;
}

size_t vn_net_unsupported(const struct vn_net *net, char **msgs, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < vn_support_count; i++) {
                const struct vn_support *s = &vn_support_table[i];
                int line = 0;

                if (!s->used || !first_of_kind(i) || !s->used(net, &line))
                        continue;
                if (n < max)
                        msgs[n] = message(net, s, line);
                n++;
        }
        return n;
}

int vn_net_check_support(const struct vn_net *net, struct vn_error *err)
{
        char *msg = NULL;
        int r;

        if (vn_net_unsupported(net, &msg, 1) == 0)
                return 0;
        if (!msg)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_err(err, -EOPNOTSUPP, "%s", msg);
        free(msg);
        return r;
}

/* roff-safe: a backslash is the escape character */
static void roff(struct vn_buf *b, const char *s)
{
        for (; *s; s++) {
                if (*s == '\\')
                        vn_buf_add(b, "\\e");
                else if (*s == '-')
                        vn_buf_add(b, "\\-");
                else
                        vn_buf_addn(b, s, 1);
        }
}

char *vn_support_format_man(void)
{
        struct vn_buf b = {0};

        for (size_t i = 0; i < vn_support_count; i++) {
                const struct vn_support *s = &vn_support_table[i];

                vn_buf_add(&b, ".TP\n.B ");
                roff(&b, s->path);
                if (s->realized) {
                        vn_buf_add(&b, "\nrealized: ");
                        roff(&b, s->how);
                        if (s->refused) {
                                vn_buf_add(&b, "; refused: ");
                                roff(&b, s->refused);
                                vn_buf_add(&b, " (");
                                roff(&b, s->why);
                                vn_buf_add(&b, ")");
                        }
                } else {
                        vn_buf_add(&b, "\nrefused: ");
                        roff(&b, s->why);
                }
                vn_buf_add(&b, "\n");
        }
        return vn_buf_steal(&b);
}
