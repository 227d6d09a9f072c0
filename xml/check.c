/*
 * check.c: semantic rules on a parsed network — what libvirt's network
 * driver enforces at define/start time (networkValidate and friends), plus
 * the rules vnet needs because names and values end up in file names,
 * interface names, dnsmasq configuration and nftables rules.
 *
 * Parsing (parse.c) already guarantees syntax; here: addresses inside
 * their subnets, per-mode allowed elements, uniqueness, lengths, and no
 * characters that could inject configuration. Messages read
 * "SOURCE:LINE: network 'NAME': <element ...>: what is wrong".
 */
#include "config.h"

#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define VN_NAME_MAX    64
#define VN_IFNAME_MAX  15
#define VN_DNSNAME_MAX 253
#define VN_MTU_MIN     68
#define VN_MTU_MAX     65535

struct cctx {
        const struct vn_net *net;
        struct vn_error *err;
};

static int cerr(struct cctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cerr(struct cctx *c, int line, const char *fmt, ...)
{
        char what[VN_ERR_MSG_MAX];
        const char *name = c->net->name ? c->net->name : "(unnamed)";
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (c->net->source && line > 0)
                return vn_err(c->err, -EINVAL, "%s:%d: network '%.64s': %s", c->net->source, line,
                              name, what);
        return vn_err(c->err, -EINVAL, "network '%.64s': %s", name, what);
}

/* ------------------------------------------------------------ names */

bool vn_net_name_valid(const char *s)
{
        size_t n;

        if (!s || !*s || s[0] == '.' || s[0] == '-')
                return false;
        n = strlen(s);
        if (n > VN_NAME_MAX)
                return false;
        /* a conservative set: the name becomes a file name, part of
         * nftables object names and dnsmasq file names */
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+:@") ==
               n;
}

bool vn_ifname_valid(const char *s)
{
        size_t n;

        /* The one rule for every interface name vnet writes anywhere (netlink, nft and
         * iptables rules, dnsmasq.conf, file names under the state root, QMP ids): only
         * characters none of those read as syntax. ',' separates dnsmasq lists, '*' and '+'
         * are nft/dnsmasq and iptables wildcards, '%' a kernel name template, '/' and ':'
         * are refused by the kernel or make paths; a leading '-' reads as an option and a
         * leading '.' as a hidden or parent directory. */
        if (!s || !*s || s[0] == '.' || s[0] == '-')
                return false;
        n = strlen(s);
        if (n > VN_IFNAME_MAX)
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A DNS name or host name as dnsmasq reads it: letters, digits, '.', '-',
 * '_'. Nothing that could end a configuration line or field. */
static bool dns_name_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > VN_DNSNAME_MAX)
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

static bool has_ctrl(const char *s)
{
        for (; s && *s; s++)
                if ((unsigned char)*s < ' ' || *s == 0x7f)
                        return true;
        return false;
}

/* ------------------------------------------------------------ helpers */

static const char *addr_str(const struct vn_addr *a, char buf[VN_ADDR_STRLEN])
{
        return vn_addr_format(a, buf);
}

static const char *mode_name(const struct vn_net *net)
{
        return vn_fwd_mode_name(net->forward.mode);
}

static bool is_l3(const struct vn_net *net)
{
        return vn_net_has_bridge_l3(net);
}

/* The network and broadcast addresses are not host addresses in IPv4
 * subnets with room for hosts (/31 and /32 have no such addresses). */
static bool v4_reserved(const struct vn_addr *a, unsigned prefix)
{
        struct vn_addr net, bcast;

        if (a->family != AF_INET || prefix >= 31)
                return false;
        vn_addr_network(a, prefix, &net);
        vn_addr_broadcast(a, prefix, &bcast);
        return vn_addr_equal(a, &net) || vn_addr_equal(a, &bcast);
}

static void subnet_str(const struct vn_ip *ip, char *buf, size_t size)
{
        char a[VN_ADDR_STRLEN];
        struct vn_addr net;
        unsigned p = vn_ip_prefix(ip);

        vn_addr_network(&ip->address, p, &net);
        snprintf(buf, size, "%s/%u", addr_str(&net, a), p);
}

/* ------------------------------------------------------------ per mode */

static int check_mode(struct cctx *c)
{
        const struct vn_net *net = c->net;
        const struct vn_forward *f = &net->forward;
        const char *mode = mode_name(net);
        bool bandwidth_ok = is_l3(net) || (f->mode == VN_FWD_BRIDGE && net->bridge.name);
        bool vlan_ok, vlan_used, bad_vlan = false, have_default = false;
        size_t i, j;

        if (!is_l3(net)) {
                if (net->has_mac)
                        return cerr(c, 0,
                                    "<mac>: not supported with forward mode='%s' (only "
                                    "nat, route, open and isolated networks have a bridge "
                                    "of their own)",
                                    mode);
                if (net->n_ips)
                        return cerr(c, net->ips[0].line,
                                    "<ip>: not supported with forward mode='%s' (allowed only "
                                    "for nat, route, open and isolated networks)",
                                    mode);
                if (net->dns.n_txts || net->dns.n_hosts || net->dns.n_srvs || net->dns.n_forwarders)
                        return cerr(c, 0,
                                    "<dns>: not supported with forward mode='%s' (allowed "
                                    "only for nat, route, open and isolated networks)",
                                    mode);
                if (net->domain.present)
                        return cerr(c, net->domain.line,
                                    "<domain>: not supported with forward mode='%s' (allowed "
                                    "only for nat, route, open and isolated networks)",
                                    mode);
                if (net->n_routes)
                        return cerr(c, net->routes[0].line,
                                    "<route>: not supported with forward mode='%s' (allowed only "
                                    "for nat, route, open and isolated networks)",
                                    mode);
                if (net->n_dnsmasq_options)
                        return cerr(c, 0,
                                    "<dnsmasq:options>: not supported with forward "
                                    "mode='%s' (no dnsmasq runs for it)",
                                    mode);
        }
        if (net->bandwidth.present && !bandwidth_ok)
                return cerr(c, 0,
                            "<bandwidth>: network-wide bandwidth is not supported with "
                            "forward mode='%s'",
                            mode);

        /* libvirt's networkValidate: devices by PCI address only for
         * hostdev pools, and hostdev pools only by PCI address */
        if (f->mode == VN_FWD_HOSTDEV && f->n_ifs)
                return cerr(c, f->line,
                            "<forward mode='hostdev'>: lists '%s' in the device pool, but hostdev "
                            "networks require all devices to be listed by PCI address, not "
                            "network device name",
                            f->ifs[0].dev);
        if (f->mode != VN_FWD_HOSTDEV && f->n_pcis)
                return cerr(c, f->line,
                            "<forward mode='%s'>: lists a device by PCI address; this is only "
                            "supported with forward mode 'hostdev'",
                            mode);

        /* vlan: only hostdev/passthrough pools and Open vSwitch bridges */
        vlan_ok = f->mode == VN_FWD_HOSTDEV || f->mode == VN_FWD_PASSTHROUGH ||
                  (f->mode == VN_FWD_BRIDGE && net->virtualport.present && net->virtualport.type &&
                   strcmp(net->virtualport.type, "openvswitch") == 0);
        vlan_used = net->vlan.n_tags > 0;
        for (i = 0; i < net->n_portgroups; i++) {
                const struct vn_portgroup *pg = &net->portgroups[i];

                if (vlan_used || pg->vlan.n_tags) {
                        if (pg->virtualport.present && pg->virtualport.type) {
                                if (f->mode != VN_FWD_BRIDGE ||
                                    strcmp(pg->virtualport.type, "openvswitch") != 0)
                                        bad_vlan = true;
                        } else if (!vlan_ok) {
                                bad_vlan = true;
                        }
                }
                if (pg->is_default == VN_YES) {
                        if (have_default)
                                return cerr(c, pg->line,
                                            "<portgroup name='%s'>: more than one default "
                                            "<portgroup> (only one default is allowed)",
                                            pg->name);
                        have_default = true;
                }
                for (j = i + 1; j < net->n_portgroups; j++)
                        if (vn_streq(pg->name, net->portgroups[j].name))
                                return cerr(c, net->portgroups[j].line,
                                            "<portgroup name='%s'>: name used more than once",
                                            pg->name);
                if (pg->bandwidth.present && (!bandwidth_ok || f->mode == VN_FWD_HOSTDEV))
                        return cerr(c, pg->line,
                                    "<portgroup name='%s'>: <bandwidth> not supported with "
                                    "forward mode='%s'",
                                    pg->name, mode);
        }
        if (bad_vlan || (vlan_used && !vlan_ok && !have_default))
                return cerr(c, 0,
                            "<vlan>: not supported for this network (vlan tags need "
                            "forward mode hostdev or passthrough, or an openvswitch "
                            "bridge)");
        return 0;
}

/* ------------------------------------------------------------ names, devices */

/* Every name that becomes an interface name: the same rule for vnet's own networks and for
 * the libvirt networks the hook sees (libvirt itself lets ',' '*' '+' through). */
static int check_ifnames(struct cctx *c)
{
        const struct vn_net *net = c->net;
        const struct vn_forward *f = &net->forward;

        if (net->bridge.name && !vn_ifname_valid(net->bridge.name))
                return cerr(c, net->bridge.line,
                            "<bridge name='%.64s'>: invalid interface name (%s)", net->bridge.name,
                            VN_IFNAME_RULE);
        if (f->dev && !vn_ifname_valid(f->dev))
                return cerr(c, f->line, "<forward dev='%.64s'>: invalid interface name (%s)",
                            f->dev, VN_IFNAME_RULE);
        for (size_t i = 0; i < f->n_ifs; i++) {
                if (!vn_ifname_valid(f->ifs[i].dev))
                        return cerr(c, f->line,
                                    "<interface dev='%.64s'>: invalid interface name (%s)",
                                    f->ifs[i].dev, VN_IFNAME_RULE);
                for (size_t j = 0; j < i; j++)
                        if (strcmp(f->ifs[i].dev, f->ifs[j].dev) == 0)
                                return cerr(c, f->line,
                                            "<interface dev='%s'>: interface can only be listed "
                                            "once",
                                            f->ifs[i].dev);
        }
        for (size_t i = 0; i < f->n_pfs; i++)
                if (!vn_ifname_valid(f->pfs[i]))
                        return cerr(c, f->line, "<pf dev='%.64s'>: invalid interface name (%s)",
                                    f->pfs[i], VN_IFNAME_RULE);
        return 0;
}

static int check_names(struct cctx *c)
{
        const struct vn_net *net = c->net;
        const struct vn_forward *f = &net->forward;
        int r;

        if (!vn_net_name_valid(net->name))
                return cerr(c, net->line,
                            "invalid network name (allowed: 1-%d characters from A-Z a-z 0-9 . "
                            "_ - + : @, not starting with '.' or '-'; it is used as a file name)",
                            VN_NAME_MAX);
        if ((r = check_ifnames(c)) < 0)
                return r;
        if (net->bridge.zone &&
            (!*net->bridge.zone ||
             strspn(net->bridge.zone, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_-") != strlen(net->bridge.zone)))
                return cerr(c, net->bridge.line,
                            "<bridge zone='%.64s'>: invalid firewalld zone name (allowed: "
                            "letters, digits, '_', '-')",
                            net->bridge.zone);
        if (f->n_pfs > 1)
                return cerr(c, f->line, "<pf>: only one <pf> element is allowed");
        if (net->mtu && (net->mtu < VN_MTU_MIN || net->mtu > VN_MTU_MAX))
                return cerr(c, 0, "<mtu size='%u'>: out of range (allowed: %d-%d)", net->mtu,
                            VN_MTU_MIN, VN_MTU_MAX);
        if (net->title && has_ctrl(net->title))
                return cerr(c, 0, "<title>: control characters and newlines are not allowed");
        return 0;
}

/* ------------------------------------------------------------ DNS */

static int check_dns(struct cctx *c)
{
        const struct vn_net *net = c->net;
        const struct vn_dns *dns = &net->dns;
        size_t i, j;

        if (net->domain.name && !dns_name_ok(net->domain.name))
                return cerr(c, net->domain.line,
                            "<domain name='%.64s'>: invalid domain name (allowed: letters, "
                            "digits, '.', '-', '_')",
                            net->domain.name);
        for (i = 0; i < dns->n_forwarders; i++)
                if (dns->forwarders[i].domain && !dns_name_ok(dns->forwarders[i].domain))
                        return cerr(c, 0,
                                    "<forwarder domain='%.64s'>: invalid domain name (allowed: "
                                    "letters, digits, '.', '-', '_')",
                                    dns->forwarders[i].domain);
        for (i = 0; i < dns->n_txts; i++) {
                const struct vn_dns_txt *t = &dns->txts[i];

                if (!dns_name_ok(t->name))
                        return cerr(c, t->line,
                                    "<txt name='%.64s'>: invalid DNS name (allowed: letters, "
                                    "digits, '.', '-', '_')",
                                    t->name);
                if (has_ctrl(t->value))
                        return cerr(c, t->line,
                                    "<txt name='%s'>: value contains a line break or control "
                                    "character",
                                    t->name);
        }
        for (i = 0; i < dns->n_srvs; i++) {
                const struct vn_dns_srv *s = &dns->srvs[i];

                if (s->domain && !dns_name_ok(s->domain))
                        return cerr(c, s->line, "<srv domain='%.64s'>: invalid domain name",
                                    s->domain);
                if (s->target && strcmp(s->target, ".") != 0 && !dns_name_ok(s->target))
                        return cerr(c, s->line, "<srv target='%.64s'>: invalid target host name",
                                    s->target);
        }
        for (i = 0; i < dns->n_hosts; i++) {
                const struct vn_dns_host *h = &dns->hosts[i];

                for (j = 0; j < h->n_hostnames; j++)
                        if (!dns_name_ok(h->hostnames[j]))
                                return cerr(c, h->line,
                                            "<hostname>%.64s</hostname>: invalid host name "
                                            "(allowed: letters, digits, '.', '-', '_')",
                                            h->hostnames[j]);
        }
        return 0;
}

/* ------------------------------------------------------------ IP */

static int check_dhcp_host(struct cctx *c, const struct vn_ip *ip, const struct vn_dhcp_host *h,
                           unsigned prefix, const char *subnet)
{
        char a[VN_ADDR_STRLEN], ipa[VN_ADDR_STRLEN];

        addr_str(&ip->address, ipa);
        if (h->name && !dns_name_ok(h->name))
                return cerr(c, h->line,
                            "<ip address='%s'>: <host name='%.64s'>: invalid host name (allowed: "
                            "letters, digits, '.', '-', '_')",
                            ipa, h->name);
        if (h->ip.family != ip->address.family)
                return cerr(c, h->line,
                            "<ip address='%s'>: static host address %s is not of the same family "
                            "as the network",
                            ipa, addr_str(&h->ip, a));
        if (!vn_addr_in_subnet(&h->ip, &ip->address, prefix))
                return cerr(c, h->line, "<ip address='%s'>: static host address %s is outside %s",
                            ipa, addr_str(&h->ip, a), subnet);
        if (v4_reserved(&h->ip, prefix))
                return cerr(c, h->line,
                            "<ip address='%s'>: static host address %s is the network or "
                            "broadcast address of %s",
                            ipa, addr_str(&h->ip, a), subnet);
        return 0;
}

static int check_ip(struct cctx *c, const struct vn_ip *ip)
{
        char ipa[VN_ADDR_STRLEN], a[VN_ADDR_STRLEN], b[VN_ADDR_STRLEN], subnet[64];
        unsigned prefix = vn_ip_prefix(ip);
        size_t i, j;

        addr_str(&ip->address, ipa);
        if (!vn_addr_is_set(&ip->address))
                return cerr(c, ip->line, "<ip>: missing address");
        if (ip->af && ip->af != ip->address.family)
                return cerr(c, ip->line, "<ip address='%s'>: address does not match family '%s'",
                            ipa, ip->family ? ip->family : "ipv4");
        if (ip->has_netmask && vn_netmask_to_prefix(&ip->netmask) < 0)
                return cerr(c, ip->line, "<ip address='%s'>: netmask %s is not contiguous", ipa,
                            addr_str(&ip->netmask, a));
        if (ip->has_netmask && ip->netmask.family != AF_INET)
                return cerr(c, ip->line, "<ip address='%s'>: netmask must be an IPv4 address", ipa);
        if (ip->has_prefix && ip->has_netmask)
                return cerr(c, ip->line,
                            "<ip address='%s'>: cannot have both a prefix and a netmask", ipa);
        if (prefix == 0)
                return cerr(c, ip->line,
                            "<ip address='%s'>: no usable prefix (give prefix= or netmask=; the "
                            "address has no natural class)",
                            ipa);
        if (ip->address.family == AF_INET && prefix > 32)
                return cerr(c, ip->line, "<ip address='%s'>: prefix %u out of range (0-32)", ipa,
                            prefix);
        subnet_str(ip, subnet, sizeof(subnet));
        if (v4_reserved(&ip->address, prefix))
                return cerr(c, ip->line,
                            "<ip address='%s'>: %s is the network or broadcast address of %s "
                            "(use a host address)",
                            ipa, ipa, subnet);
        /* the reverse zone is whole labels: octets (in-addr.arpa) or nibbles (ip6.arpa) */
        if (ip->local_ptr == VN_YES && prefix % (ip->address.family == AF_INET ? 8 : 4))
                return cerr(c, ip->line,
                            "<ip address='%s' localPtr='yes'>: no PTR domain for an %s network "
                            "with prefix %u (a multiple of %u is needed)",
                            ipa, ip->address.family == AF_INET ? "IPv4" : "IPv6", prefix,
                            ip->address.family == AF_INET ? 8 : 4);
        if (ip->tftp_root && !vn_conf_value_ok(ip->tftp_root))
                return cerr(c, ip->line, "<ip address='%s'>: <tftp root='%.64s'>: %s", ipa,
                            ip->tftp_root, VN_CONF_VALUE_RULE);
        if (ip->bootp_file && !vn_conf_value_ok(ip->bootp_file))
                return cerr(c, ip->line, "<ip address='%s'>: <bootp file='%.64s'>: %s", ipa,
                            ip->bootp_file, VN_CONF_VALUE_RULE);

        for (i = 0; i < ip->n_ranges; i++) {
                const struct vn_dhcp_range *r = &ip->ranges[i];

                addr_str(&r->start, a);
                addr_str(&r->end, b);
                if (r->start.family != ip->address.family || r->end.family != ip->address.family)
                        return cerr(c, r->line,
                                    "<ip address='%s'>: DHCP range %s-%s is not of the same "
                                    "family as the network",
                                    ipa, a, b);
                if (vn_addr_cmp(&r->start, &r->end) > 0)
                        return cerr(c, r->line,
                                    "<ip address='%s'>: DHCP range %s-%s: start is after end", ipa,
                                    a, b);
                if (!vn_addr_in_subnet(&r->start, &ip->address, prefix) ||
                    !vn_addr_in_subnet(&r->end, &ip->address, prefix))
                        return cerr(c, r->line, "<ip address='%s'>: DHCP range %s-%s is outside %s",
                                    ipa, a, b, subnet);
                if (v4_reserved(&r->start, prefix) || v4_reserved(&r->end, prefix))
                        return cerr(c, r->line,
                                    "<ip address='%s'>: DHCP range %s-%s includes the network "
                                    "or broadcast address of %s",
                                    ipa, a, b, subnet);
                for (j = 0; j < i; j++) {
                        const struct vn_dhcp_range *o = &ip->ranges[j];

                        if (vn_addr_cmp(&r->start, &o->end) <= 0 &&
                            vn_addr_cmp(&o->start, &r->end) <= 0)
                                return cerr(c, r->line,
                                            "<ip address='%s'>: DHCP range %s-%s overlaps "
                                            "another range",
                                            ipa, a, b);
                }
        }
        for (i = 0; i < ip->n_hosts; i++) {
                const struct vn_dhcp_host *h = &ip->hosts[i];
                int r = check_dhcp_host(c, ip, h, prefix, subnet);

                if (r < 0)
                        return r;
                for (j = 0; j < i; j++) {
                        const struct vn_dhcp_host *o = &ip->hosts[j];

                        if (h->has_mac && o->has_mac && memcmp(h->mac, o->mac, 6) == 0)
                                return cerr(c, h->line,
                                            "<ip address='%s'>: static host MAC address "
                                            "used twice (lines %d and %d)",
                                            ipa, o->line, h->line);
                        if (h->name && o->name && strcasecmp(h->name, o->name) == 0)
                                return cerr(c, h->line,
                                            "<ip address='%s'>: static host name '%s' used "
                                            "twice",
                                            ipa, h->name);
                        if (h->id && o->id && strcasecmp(h->id, o->id) == 0)
                                return cerr(c, h->line,
                                            "<ip address='%s'>: static host id '%s' used twice",
                                            ipa, h->id);
                        if (vn_addr_equal(&h->ip, &o->ip))
                                return cerr(c, h->line,
                                            "<ip address='%s'>: static host address %s used "
                                            "twice",
                                            ipa, addr_str(&h->ip, a));
                }
        }
        return 0;
}

static int check_ips(struct cctx *c)
{
        const struct vn_net *net = c->net;
        bool dhcp4 = false, dhcp6 = false;

        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                int r = check_ip(c, ip);

                if (r < 0)
                        return r;
                if (!ip->n_ranges && !ip->n_hosts)
                        continue;
                if (ip->address.family == AF_INET) {
                        if (dhcp4)
                                return cerr(c, ip->line,
                                            "<ip>: multiple IPv4 dhcp sections found -- dhcp is "
                                            "supported only for a single IPv4 address on each "
                                            "network");
                        dhcp4 = true;
                } else {
                        if (dhcp6)
                                return cerr(c, ip->line,
                                            "<ip>: multiple IPv6 dhcp sections found -- dhcp is "
                                            "supported only for a single IPv6 address on each "
                                            "network");
                        dhcp6 = true;
                }
        }
        return 0;
}

/* ------------------------------------------------------------ routes */

static int check_routes(struct cctx *c)
{
        const struct vn_net *net = c->net;
        char a[VN_ADDR_STRLEN], g[VN_ADDR_STRLEN];

        for (size_t i = 0; i < net->n_routes; i++) {
                const struct vn_route *r = &net->routes[i];
                unsigned p = vn_route_prefix(r);
                struct vn_addr netaddr;
                bool reachable = false;

                addr_str(&r->address, a);
                addr_str(&r->gateway, g);
                if (r->address.family != r->gateway.family)
                        return cerr(c, r->line,
                                    "<route address='%s'>: gateway %s is of another family", a, g);
                vn_addr_network(&r->address, p, &netaddr);
                if (!vn_addr_equal(&netaddr, &r->address))
                        return cerr(c, r->line,
                                    "<route address='%s'>: not the network address of its "
                                    "prefix /%u",
                                    a, p);
                for (size_t j = 0; j < net->n_ips; j++) {
                        const struct vn_ip *ip = &net->ips[j];

                        if (vn_addr_in_subnet(&r->gateway, &ip->address, vn_ip_prefix(ip)))
                                reachable = true;
                }
                if (!reachable)
                        return cerr(c, r->line,
                                    "<route address='%s'>: unreachable static route gateway "
                                    "'%s' (it must be inside a subnet of one of the network's "
                                    "<ip> addresses)",
                                    a, g);
        }
        return 0;
}

/* ------------------------------------------------------------ vnet extension */

static const char *proto_name(enum vn_proto p)
{
        return p == VN_PROTO_UDP ? "udp" : p == VN_PROTO_SCTP ? "sctp" : "tcp";
}

/* The address family a forward applies to, 0 = both. */
static int fwd_family(const struct vn_port_forward *f)
{
        if (vn_addr_is_set(&f->address))
                return f->address.family;
        if (vn_addr_is_set(&f->to))
                return f->to.family;
        return 0;
}

static bool fwd_overlap(const struct vn_port_forward *a, const struct vn_port_forward *b)
{
        int fa = fwd_family(a), fb = fwd_family(b);

        if (a->proto != b->proto)
                return false;
        if (a->port_start > b->port_end || b->port_start > a->port_end)
                return false;
        if (fa && fb && fa != fb)
                return false;
        if (vn_addr_is_set(&a->address) && vn_addr_is_set(&b->address) &&
            !vn_addr_equal(&a->address, &b->address))
                return false;
        return true;
}

/* Longest toport range that differs from its port range: such a forward is rendered as one
 * map element per port (nftables has no shifted port mapping). */
#define VN_FWD_MAX_SHIFTED 4096
/* All of a network's forwards together: the map elements the firewall transaction renders.
 * Without it, many shifted ranges made ~250 KB of XML plan ~150 MB of nft text. */
#define VN_FWD_MAX_ELEMENTS 65536

static int check_ext(struct cctx *c)
{
        const struct vn_net *net = c->net;
        const struct vn_ext *ext = &net->ext;
        enum vn_fwd_mode m = net->forward.present ? net->forward.mode : VN_FWD_NONE;
        char a[VN_ADDR_STRLEN];

        /* DNAT needs vnet's firewall on the network: nat and route networks have it */
        if (ext->n_forwards && m != VN_FWD_NAT && m != VN_FWD_ROUTE)
                return cerr(c, ext->forwards[0].line,
                            "<vnet:forward>: port forwards need forward mode nat or route, not %s",
                            mode_name(net));

        size_t elements = 0;

        for (size_t i = 0; i < ext->n_forwards; i++) {
                const struct vn_port_forward *f = &ext->forwards[i];
                bool inside = false;

                if (!f->port_start || f->port_end < f->port_start || f->port_end > 65535)
                        return cerr(c, f->line, "<vnet:forward>: invalid port range %u-%u",
                                    f->port_start, f->port_end);
                if (f->toport_start < 1 || f->toport_end < f->toport_start ||
                    f->toport_end > 65535 ||
                    (f->toport_start != f->toport_end &&
                     f->toport_end - f->toport_start != f->port_end - f->port_start))
                        return cerr(c, f->line,
                                    "<vnet:forward port='%u-%u'>: invalid toport range %u-%u",
                                    f->port_start, f->port_end, f->toport_start, f->toport_end);
                if (f->toport_start != f->toport_end && f->toport_start != f->port_start &&
                    f->port_end - f->port_start >= VN_FWD_MAX_SHIFTED)
                        return cerr(c, f->line,
                                    "<vnet:forward port='%u-%u' toport='%u-%u'>: a shifted port "
                                    "range is limited to %u ports",
                                    f->port_start, f->port_end, f->toport_start, f->toport_end,
                                    VN_FWD_MAX_SHIFTED);
                elements += f->toport_start != f->toport_end && f->toport_start != f->port_start
                                ? (size_t)(f->port_end - f->port_start) + 1
                                : 1;
                if (elements > VN_FWD_MAX_ELEMENTS)
                        return cerr(c, f->line,
                                    "<vnet:forward port='%u-%u'>: the network's port forwards "
                                    "would render more than %u firewall map elements (a shifted "
                                    "range renders one per port)",
                                    f->port_start, f->port_end, VN_FWD_MAX_ELEMENTS);
                if (vn_addr_is_set(&f->to) == f->has_mac)
                        return cerr(c, f->line,
                                    "<vnet:forward>: exactly one of 'to' or 'mac' is required");
                if (vn_addr_is_set(&f->to)) {
                        for (size_t j = 0; j < net->n_ips; j++)
                                if (vn_addr_in_subnet(&f->to, &net->ips[j].address,
                                                      vn_ip_prefix(&net->ips[j])))
                                        inside = true;
                        if (!inside)
                                return cerr(c, f->line,
                                            "<vnet:forward to='%s'>: port forward target is "
                                            "outside every subnet of the network",
                                            addr_str(&f->to, a));
                }
                for (size_t j = 0; j < i; j++) {
                        const struct vn_port_forward *o = &ext->forwards[j];

                        if (fwd_overlap(f, o))
                                return cerr(c, f->line,
                                            "<vnet:forward proto='%s' port='%u-%u'>: overlaps "
                                            "the forward on line %d (%s port %u-%u); each host "
                                            "address/protocol/port can be forwarded only once",
                                            proto_name(f->proto), f->port_start, f->port_end,
                                            o->line, proto_name(o->proto), o->port_start,
                                            o->port_end);
                }
        }
        return 0;
}

/* <vnet:overlay>: one L2 network across hosts. The same definition serves every host, so
 * everything here must hold whatever host it is started on. */
static int check_overlay(struct cctx *c)
{
        const struct vn_net *net = c->net;
        const struct vn_overlay *o = &net->ext.overlay;
        enum vn_fwd_mode mode = net->forward.present ? net->forward.mode : VN_FWD_NONE;
        const char *t = vn_overlay_type_name(o->type);
        char a[VN_ADDR_STRLEN];

        if (o->type == VN_OVERLAY_NONE)
                return 0;
        if (o->n_elems > 1)
                return cerr(c, o->line, "<vnet:overlay>: only one overlay per network");
        if (o->vni < 1 || o->vni > 16777215)
                return cerr(c, o->line, "<vnet:overlay vni='%u'>: out of range (1-16777215)",
                            o->vni);
        if (mode != VN_FWD_NONE && mode != VN_FWD_NAT && mode != VN_FWD_ROUTE &&
            mode != VN_FWD_OPEN)
                return cerr(c, o->line,
                            "<vnet:overlay>: needs a bridge vnet creates (forward mode nat, "
                            "route, open or isolated), not mode '%s'",
                            vn_fwd_mode_name(mode));
        if (vn_addr_is_set(&o->local) == (o->local_dev != NULL))
                return cerr(c, o->line,
                            "<vnet:overlay type='%s'>: exactly one of 'local' (this host's VTEP "
                            "address) or 'local-dev' (the underlay device whose first IPv4 "
                            "address is used) is required",
                            t);
        if (o->local_dev && !vn_ifname_valid(o->local_dev))
                return cerr(c, o->line,
                            "<vnet:overlay local-dev='%.32s'>: not a valid interface "
                            "name (%s)",
                            o->local_dev, VN_IFNAME_RULE);
        if (o->mtu && (o->mtu < 68 || o->mtu > 65535 - VN_VXLAN_OVERHEAD))
                return cerr(c, o->line, "<vnet:overlay mtu='%u'>: out of range (68-%u)", o->mtu,
                            65535 - VN_VXLAN_OVERHEAD);
        if (o->mtu && net->mtu && o->mtu != net->mtu)
                return cerr(c, o->line,
                            "<vnet:overlay mtu='%u'> and <mtu size='%u'> disagree (the bridge "
                            "and every port get the overlay MTU; give one of them)",
                            o->mtu, net->mtu);
        if (net->n_ips && !vn_addr_is_set(&o->gateway))
                return cerr(c, o->line,
                            "<vnet:overlay>: a network with <ip> needs gateway='ADDR', the VTEP "
                            "address of the one host that holds the network's address, NAT and "
                            "DHCP (the others only bridge)");
        if (o->type == VN_OVERLAY_VXLAN && (o->asn || o->n_bgp_peers))
                return cerr(c, o->line,
                            "<vnet:overlay type='vxlan'>: 'asn' and <vnet:bgp-peer> belong to "
                            "type='evpn'");
        if (o->type == VN_OVERLAY_EVPN && (!o->asn || !o->n_bgp_peers))
                return cerr(c, o->line,
                            "<vnet:overlay type='evpn'>: needs asn='N' and at least one "
                            "<vnet:bgp-peer address='...'/>");
        /* the same lists serve every host: this host's own address in them is skipped */
        for (size_t i = 0; i < o->n_peers; i++) {
                for (size_t j = 0; j < i; j++)
                        if (vn_addr_equal(&o->peers[i], &o->peers[j]))
                                return cerr(c, o->peer_lines[i],
                                            "<vnet:peer address='%s'>: listed twice",
                                            vn_addr_format(&o->peers[i], a));
        }
        for (size_t i = 0; i < o->n_bgp_peers; i++) {
                for (size_t j = 0; j < i; j++)
                        if (vn_addr_equal(&o->bgp_peers[i], &o->bgp_peers[j]))
                                return cerr(c, o->bgp_peer_lines[i],
                                            "<vnet:bgp-peer address='%s'>: listed twice",
                                            vn_addr_format(&o->bgp_peers[i], a));
        }
        return 0;
}

int vn_net_check_ext(const struct vn_net *net, struct vn_error *err)
{
        struct cctx c = {.net = net, .err = err};
        int r;

        if ((r = check_ifnames(&c)) < 0)
                return r;
        return check_ext(&c);
}

static int check_dnsmasq(struct cctx *c)
{
        const struct vn_net *net = c->net;

        for (size_t i = 0; i < net->n_dnsmasq_options; i++)
                if (has_ctrl(net->dnsmasq_options[i]))
                        return cerr(c, 0,
                                    "<dnsmasq:option value='%.64s'>: line breaks and control "
                                    "characters are not allowed (they would inject dnsmasq "
                                    "configuration)",
                                    net->dnsmasq_options[i]);
        return 0;
}

int vn_net_check(const struct vn_net *net, struct vn_error *err)
{
        struct cctx c = {.net = net, .err = err};
        int r;

        if (!net)
                return vn_err(err, -EINVAL, "no network definition");
        if ((r = check_names(&c)) < 0 || (r = check_mode(&c)) < 0 || (r = check_ips(&c)) < 0 ||
            (r = check_routes(&c)) < 0 || (r = check_dns(&c)) < 0 || (r = check_dnsmasq(&c)) < 0 ||
            (r = check_ext(&c)) < 0 || (r = check_overlay(&c)) < 0)
                return r;
        return 0;
}

/* ------------------------------------------------------------ against others */

static bool same_net(const struct vn_net *a, const struct vn_net *b)
{
        if (a == b || vn_streq(a->name, b->name))
                return true;
        return a->has_uuid && b->has_uuid && memcmp(a->uuid, b->uuid, 16) == 0;
}

int vn_net_check_against(const struct vn_net *net, struct vn_net *const *others, size_t n_others,
                         struct vn_error *err)
{
        struct cctx c = {.net = net, .err = err};
        char a[64], b[64];

        if (!net)
                return vn_err(err, -EINVAL, "no network definition");
        for (size_t k = 0; k < n_others; k++) {
                const struct vn_net *o = others[k];

                if (!o || same_net(net, o))
                        continue;
                if (net->bridge.name && o->bridge.name &&
                    strcmp(net->bridge.name, o->bridge.name) == 0 && (is_l3(net) || is_l3(o)))
                        return cerr(&c, net->bridge.line,
                                    "<bridge name='%s'>: bridge name is already used by network "
                                    "'%s'",
                                    net->bridge.name, o->name);
                if (!is_l3(net) || !is_l3(o))
                        continue;
                for (size_t i = 0; i < net->n_ips; i++) {
                        const struct vn_ip *ip = &net->ips[i];

                        for (size_t j = 0; j < o->n_ips; j++) {
                                const struct vn_ip *oip = &o->ips[j];

                                if (!vn_subnet_overlap(&ip->address, vn_ip_prefix(ip),
                                                       &oip->address, vn_ip_prefix(oip)))
                                        continue;
                                subnet_str(ip, a, sizeof(a));
                                subnet_str(oip, b, sizeof(b));
                                return cerr(&c, ip->line,
                                            "<ip>: subnet %s overlaps subnet %s of network '%s'", a,
                                            b, o->name);
                        }
                }
                for (size_t i = 0; i < net->ext.n_forwards; i++) {
                        const struct vn_port_forward *f = &net->ext.forwards[i];

                        for (size_t j = 0; j < o->ext.n_forwards; j++) {
                                const struct vn_port_forward *of = &o->ext.forwards[j];

                                if (fwd_overlap(f, of))
                                        return cerr(&c, f->line,
                                                    "<vnet:forward proto='%s' port='%u-%u'>: "
                                                    "host port already forwarded by network "
                                                    "'%s' (%s port %u-%u)",
                                                    proto_name(f->proto), f->port_start,
                                                    f->port_end, o->name, proto_name(of->proto),
                                                    of->port_start, of->port_end);
                        }
                }
        }
        return 0;
}
