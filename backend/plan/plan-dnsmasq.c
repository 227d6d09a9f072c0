/*
 * plan-dnsmasq.c: the dnsmasq configuration of a network (DHCP, DNS, RA,
 * TFTP), rendered as text with libvirt's semantics. Pure.
 *
 * Deliberate differences from libvirt, documented in vnet(8):
 *  - `no-ping`: dnsmasq is authoritative for the subnet and keeps its lease
 *    file, so the ~3 s ICMP probe before each offer buys nothing here.
 *  - static <host> names are also DNS records, so they resolve before
 *    the guest has ever leased.
 *  - dnsmasq keeps its own lease file (dhcp-leasefile) instead of libvirt's
 *    leaseshelper script; `vnet dhcp-leases` reads it.
 * tests/unit/test-confdata.c compares this output with libvirt's own
 * networkxml2confdata by meaning and lists every remaining difference.
 *  - static DHCP hosts and DNS names are written into the configuration
 *    itself (dhcp-host=, host-record=), which dnsmasq reads as root, not into
 *    dhcp-hostsfile / addn-hosts files, which it reads after dropping to its
 *    user: under a root directory that user cannot traverse (a 0700
 *    `mktemp -d`) those files were silently not served.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Strings that reach dnsmasq's line-based config must not carry line breaks
 * or NULs; check.c rejects them already, this is defence in depth. */
static bool safe(const char *s)
{
        return !s || strpbrk(s, "\n\r") == NULL;
}

static const char *unit_suffix(enum vn_lease_unit u)
{
        switch (u) {
        case VN_LEASE_SECONDS:
                return "s";
        case VN_LEASE_HOURS:
                return "h";
        case VN_LEASE_MINUTES:
        case VN_LEASE_UNIT_DEFAULT:
        default:
                return "m";
        }
}

static void lease_str(const struct vn_lease *l, char *out, size_t len)
{
        if (!l->present) {
                out[0] = '\0';
                return;
        }
        if (l->expiry == 0)
                snprintf(out, len, "infinite");
        else
                snprintf(out, len, "%lu%s", l->expiry, unit_suffix(l->unit));
}

static bool dns_enabled(const struct vn_net *net)
{
        return !(net->dns.present && net->dns.enable == VN_NO);
}

/* The reverse-lookup zone of an <ip localPtr='yes'> subnet: "122.168.192.in-addr.arpa" or
 * nibbles ".ip6.arpa". The prefix is a multiple of 8 (IPv4) or 4 (IPv6): check.c refuses others,
 * as libvirt does ("PTR domain ... cannot be automatically created"). */
static void ptr_zone(const struct vn_ip *ip, struct vn_buf *b)
{
        unsigned pfx = vn_ip_prefix(ip);
        const uint8_t *a = ip->address.u.bytes;

        if (ip->address.family == AF_INET6) {
                for (int n = (int)pfx / 4 - 1; n >= 0; n--)
                        vn_buf_addf(b, "%x.", n % 2 ? a[n / 2] & 0xf : a[n / 2] >> 4);
                vn_buf_add(b, "ip6.arpa");
        } else {
                for (int n = (int)pfx / 8 - 1; n >= 0; n--)
                        vn_buf_addf(b, "%u.", a[n]);
                vn_buf_add(b, "in-addr.arpa");
        }
}

/* Each line of text as "PREFIX<line>". */
static void add_prefixed_lines(struct vn_buf *c, const char *prefix, const char *text)
{
        for (const char *l = text; *l;) {
                const char *nl = strchr(l, '\n');
                size_t n = nl ? (size_t)(nl - l) : strlen(l);

                if (n) {
                        vn_buf_add(c, prefix);
                        vn_buf_addn(c, l, n);
                        vn_buf_add(c, "\n");
                }
                l += n + (nl ? 1 : 0);
        }
}

/* Hosts-file lines ("ADDR NAME...") as host-record=NAME...,ADDR. Unlike a hosts file,
 * host-record is not subject to expand-hosts: a name without a dot also gets the network's
 * domain, first, so that it is what the address's PTR record names (as expand-hosts did). */
static void add_host_records(struct vn_buf *c, const char *text, const char *domain)
{
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;

        if (!copy) {
                c->oom = true;
                return;
        }
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *s2 = NULL, *addr = strtok_r(l, " \t", &s2);
                bool any = false;

                if (!addr)
                        continue;
                for (char *name = strtok_r(NULL, " \t", &s2); name;
                     name = strtok_r(NULL, " \t", &s2)) {
                        vn_buf_add(c, any ? "," : "host-record=");
                        if (domain && !strchr(name, '.'))
                                vn_buf_addf(c, "%s.%s,", name, domain);
                        vn_buf_add(c, name);
                        any = true;
                }
                if (any)
                        vn_buf_addf(c, ",%s\n", addr);
        }
}

int vn_plan_dnsmasq(const struct vn_net *net, struct vn_plan *p, const struct vn_plan_opts *opts,
                    struct vn_error *err)
{
        struct vn_buf c = {0}, hosts = {0}, addn = {0};
        bool any_dhcp = false, any_dhcp4 = false, any_v6 = false, no_resolv = false;
        bool isolated = !net->forward.present;
        uint64_t lease_max = 0;
        char a[VN_ADDR_STRLEN], a2[VN_ADDR_STRLEN], m[VN_MAC_STRLEN], ls[32];
        const char *dir = opts->run_dir;

        for (size_t i = 0; i < net->n_ips; i++) {
                if (net->ips[i].n_ranges || net->ips[i].n_hosts) {
                        any_dhcp = true;
                        if (net->ips[i].address.family == AF_INET)
                                any_dhcp4 = true;
                }
                if (net->ips[i].address.family == AF_INET6)
                        any_v6 = true;
        }
        /* libvirt: no dnsmasq when there is neither DHCP nor DNS nor RA to serve */
        if (!dns_enabled(net) && !any_dhcp && !any_v6)
                return 0;
        if (net->n_ips == 0)
                return 0;

        p->dnsmasq = true;
        p->dnsmasq_conf_path = vn_asprintf("%s/dnsmasq.conf", dir);
        p->dnsmasq_pid_path = vn_asprintf("%s/dnsmasq.pid", dir);
        p->dnsmasq_leases_path = vn_asprintf("%s/dnsmasq.leases", dir);
        if (!p->dnsmasq_conf_path || !p->dnsmasq_pid_path || !p->dnsmasq_leases_path)
                return vn_err(err, -ENOMEM, "out of memory");

        vn_buf_addf(&c, "# generated by vnet for network '%s': rewritten at every start\n",
                    net->name);
        vn_buf_add(&c, "strict-order\n");
        vn_buf_addf(&c, "pid-file=%s\n", p->dnsmasq_pid_path);
        if (opts->dnsmasq_user && safe(opts->dnsmasq_user))
                vn_buf_addf(&c, "user=%s\n", opts->dnsmasq_user);
        if (opts->dnsmasq_group && safe(opts->dnsmasq_group))
                vn_buf_addf(&c, "group=%s\n", opts->dnsmasq_group);
        vn_buf_add(&c, "except-interface=lo\nbind-dynamic\n");
        vn_buf_addf(&c, "interface=%s\n", p->bridge);
        if (isolated) {
                /* no default route for guests: no DHCPv4 router option, and router
                 * lifetime 0 in every RA (libvirt does the same) */
                vn_buf_add(&c, "dhcp-option=3\nno-resolv\nra-param=*,0,0\n");
        }
        if (!dns_enabled(net)) {
                vn_buf_add(&c, "port=0\n");
        } else {
                for (size_t i = 0; i < net->dns.n_forwarders; i++) {
                        const struct vn_dns_forwarder *f = &net->dns.forwarders[i];

                        if (!safe(f->addr) || !safe(f->domain))
                                goto unsafe;
                        vn_buf_add(&c, "server=");
                        if (f->domain)
                                vn_buf_addf(&c, "/%s/", f->domain);
                        if (f->addr) {
                                vn_buf_add(&c, f->addr);
                                if (f->port)
                                        vn_buf_addf(&c, "#%u", f->port);
                        } else {
                                vn_buf_add(&c, "#");
                        }
                        vn_buf_add(&c, "\n");
                        if (f->addr && !f->domain)
                                no_resolv = true;
                }
                /* An isolated network forwards no query upstream: libvirt's "this could be
                 * used as a channel to build a connection to the outside". */
                if (no_resolv && !isolated)
                        vn_buf_add(&c, "no-resolv\n");
                for (size_t i = 0; i < net->n_ips; i++) {
                        if (net->ips[i].local_ptr != VN_YES)
                                continue;
                        vn_buf_add(&c, "local=/");
                        ptr_zone(&net->ips[i], &c);
                        vn_buf_add(&c, "/\n");
                }
                if (net->domain.name) {
                        if (!safe(net->domain.name))
                                goto unsafe;
                        if (net->domain.local_only == VN_YES)
                                vn_buf_addf(&c, "local=/%s/\n", net->domain.name);
                        vn_buf_addf(&c, "domain=%s\nexpand-hosts\n", net->domain.name);
                }
                if (net->dns.forward_plain_names == VN_NO)
                        vn_buf_add(&c, "domain-needed\nlocal=//\n");
                for (size_t i = 0; i < net->dns.n_txts; i++) {
                        const struct vn_dns_txt *t = &net->dns.txts[i];

                        if (!safe(t->name) || !safe(t->value))
                                goto unsafe;
                        /* dnsmasq reads the value up to the end of line; quote it so commas
                         * stay part of it, escaping embedded quotes and backslashes. */
                        vn_buf_addf(&c, "txt-record=%s,\"", t->name);
                        for (const char *s = t->value ? t->value : ""; *s; s++) {
                                if (*s == '"' || *s == '\\')
                                        vn_buf_add(&c, "\\");
                                vn_buf_addn(&c, s, 1);
                        }
                        vn_buf_add(&c, "\"\n");
                }
                for (size_t i = 0; i < net->dns.n_srvs; i++) {
                        const struct vn_dns_srv *s = &net->dns.srvs[i];

                        if (!safe(s->service) || !safe(s->protocol) || !safe(s->domain) ||
                            !safe(s->target))
                                goto unsafe;
                        vn_buf_addf(&c, "srv-host=_%s._%s", s->service, s->protocol);
                        if (s->domain)
                                vn_buf_addf(&c, ".%s", s->domain);
                        /* port, priority and weight are positional after the target; an
                         * absent port before a given priority or weight is dnsmasq's (and
                         * libvirt's) default 1, not 0 */
                        if (s->target) {
                                vn_buf_addf(&c, ",%s", s->target);
                                if (s->has_port || s->has_priority || s->has_weight)
                                        vn_buf_addf(&c, ",%u",
                                                    s->has_port && s->port ? s->port : 1);
                                if (s->has_priority || s->has_weight)
                                        vn_buf_addf(&c, ",%u", s->has_priority ? s->priority : 0);
                                if (s->has_weight)
                                        vn_buf_addf(&c, ",%u", s->weight);
                        }
                        vn_buf_add(&c, "\n");
                }
        }

        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                bool v6 = ip->address.family == AF_INET6;
                unsigned pfx = vn_ip_prefix(ip);

                for (size_t j = 0; j < ip->n_ranges; j++) {
                        const struct vn_dhcp_range *r = &ip->ranges[j];

                        vn_addr_format(&r->start, a);
                        vn_addr_format(&r->end, a2);
                        if (v6) {
                                vn_buf_addf(&c, "dhcp-range=%s,%s,%u", a, a2, pfx);
                        } else {
                                struct vn_addr mask;
                                char ms[VN_ADDR_STRLEN];

                                vn_prefix_to_netmask(AF_INET, pfx, &mask);
                                vn_buf_addf(&c, "dhcp-range=%s,%s,%s", a, a2,
                                            vn_addr_format(&mask, ms));
                        }
                        lease_str(&r->lease, ls, sizeof(ls));
                        if (*ls)
                                vn_buf_addf(&c, ",%s", ls);
                        vn_buf_add(&c, "\n");
                        lease_max += vn_addr_range_size(&r->start, &r->end);
                }
                /* static hosts only: dnsmasq needs a range line in "static" mode */
                if (ip->n_hosts && !ip->n_ranges) {
                        struct vn_addr n;

                        vn_addr_network(&ip->address, pfx, &n);
                        if (v6)
                                vn_buf_addf(&c, "dhcp-range=%s,static,%u\n", vn_addr_format(&n, a),
                                            pfx);
                        else
                                vn_buf_addf(&c, "dhcp-range=%s,static\n", vn_addr_format(&n, a));
                }
                if (v6 && !ip->n_ranges && !ip->n_hosts) {
                        struct vn_addr n;

                        vn_addr_network(&ip->address, pfx, &n);
                        vn_buf_addf(&c, "dhcp-range=%s,ra-only,%u\n", vn_addr_format(&n, a), pfx);
                }
                for (size_t j = 0; j < ip->n_hosts; j++) {
                        const struct vn_dhcp_host *h = &ip->hosts[j];
                        bool first = true;

                        if (!safe(h->name) || !safe(h->id))
                                goto unsafe;
                        if (h->has_mac) {
                                vn_buf_add(&hosts, vn_mac_format(h->mac, m));
                                first = false;
                        }
                        if (h->id) {
                                vn_buf_addf(&hosts, "%sid:%s", first ? "" : ",", h->id);
                                first = false;
                        }
                        if (vn_addr_is_set(&h->ip)) {
                                vn_addr_format(&h->ip, a);
                                vn_buf_addf(&hosts, v6 ? "%s[%s]" : "%s%s", first ? "" : ",", a);
                                first = false;
                        }
                        if (h->name) {
                                vn_buf_addf(&hosts, "%s%s", first ? "" : ",", h->name);
                                first = false;
                        }
                        lease_str(&h->lease, ls, sizeof(ls));
                        if (*ls)
                                vn_buf_addf(&hosts, ",%s", ls);
                        vn_buf_add(&hosts, "\n");
                        if (h->name && vn_addr_is_set(&h->ip))
                                vn_buf_addf(&addn, "%s %s\n", vn_addr_format(&h->ip, a), h->name);
                }
                if (ip->tftp_root) {
                        if (!safe(ip->tftp_root))
                                goto unsafe;
                        vn_buf_addf(&c, "enable-tftp\ntftp-root=%s\n", ip->tftp_root);
                }
                if (ip->has_bootp && ip->bootp_file) {
                        if (!safe(ip->bootp_file) || !safe(ip->bootp_server))
                                goto unsafe;
                        vn_buf_addf(&c, "dhcp-boot=%s", ip->bootp_file);
                        if (ip->bootp_server)
                                vn_buf_addf(&c, ",,%s", ip->bootp_server);
                        vn_buf_add(&c, "\n");
                }
        }
        if (any_dhcp) {
                /* DHCPv4 only: dnsmasq answers DHCPv6 authoritatively anyway, and libvirt
                 * writes neither for an IPv6-only network */
                if (any_dhcp4)
                        vn_buf_add(&c, "dhcp-no-override\ndhcp-authoritative\n");
                vn_buf_add(&c, "no-ping\n");
                if (lease_max > 0)
                        vn_buf_addf(&c, "dhcp-lease-max=%llu\n", (unsigned long long)lease_max);
                vn_buf_addf(&c, "dhcp-leasefile=%s\n", p->dnsmasq_leases_path);
                add_prefixed_lines(&c, "dhcp-host=", vn_buf_str(&hosts));
        }
        if (any_v6)
                vn_buf_add(&c, "enable-ra\n");
        for (size_t i = 0; i < net->dns.n_hosts; i++) {
                const struct vn_dns_host *h = &net->dns.hosts[i];

                vn_buf_add(&addn, vn_addr_format(&h->ip, a));
                for (size_t j = 0; j < h->n_hostnames; j++) {
                        if (!safe(h->hostnames[j]))
                                goto unsafe;
                        vn_buf_addf(&addn, " %s", h->hostnames[j]);
                }
                vn_buf_add(&addn, "\n");
        }
        if (dns_enabled(net))
                add_host_records(&c, vn_buf_str(&addn),
                                 net->domain.name && safe(net->domain.name) ? net->domain.name
                                                                            : NULL);
        /* guests below 1500 must know it, or their full-size frames are dropped */
        if (net->mtu)
                vn_buf_addf(&c, "dhcp-option=option:mtu,%u\n", net->mtu);
        for (size_t i = 0; i < net->n_dnsmasq_options; i++) {
                if (!safe(net->dnsmasq_options[i]))
                        goto unsafe;
                vn_buf_addf(&c, "%s\n", net->dnsmasq_options[i]);
        }

        p->dnsmasq_conf = vn_buf_steal(&c);
        p->dnsmasq_hosts = vn_buf_steal(&hosts);
        p->dnsmasq_addnhosts = vn_buf_steal(&addn);
        if (!p->dnsmasq_conf || !p->dnsmasq_hosts || !p->dnsmasq_addnhosts)
                return vn_err(err, -ENOMEM, "out of memory");
        return 0;

unsafe:
        vn_buf_free(&c);
        vn_buf_free(&hosts);
        vn_buf_free(&addn);
        return vn_err(err, -EINVAL,
                      "network '%s': a value for dnsmasq contains a line break; refusing to "
                      "write it into dnsmasq's configuration",
                      net->name);
}
