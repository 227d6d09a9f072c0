/*
 * format.c: struct vn_net → libvirt's canonical network XML, in the order
 * and with the defaults of virNetworkDefFormatBuf() (single quotes, two
 * spaces per level), so that `vnet dumpxml` and `virsh net-dumpxml` agree
 * byte for byte. Also the UUID helpers.
 */
#include "config.h"

#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

static const char *tristate(enum vn_tristate t)
{
        return t == VN_YES ? "yes" : "no";
}

/* Escape for a single-quoted attribute. Tabs and line breaks become
 * character references, since a parser would normalise them to spaces. */
static void esc_attr(struct vn_buf *b, const char *s)
{
        for (; *s; s++) {
                switch (*s) {
                case '<':
                        vn_buf_add(b, "&lt;");
                        break;
                case '>':
                        vn_buf_add(b, "&gt;");
                        break;
                case '&':
                        vn_buf_add(b, "&amp;");
                        break;
                case '\'':
                        vn_buf_add(b, "&apos;");
                        break;
                case '"':
                        vn_buf_add(b, "&quot;");
                        break;
                case '\n':
                        vn_buf_add(b, "&#10;");
                        break;
                case '\r':
                        vn_buf_add(b, "&#13;");
                        break;
                case '\t':
                        vn_buf_add(b, "&#9;");
                        break;
                default:
                        vn_buf_addn(b, s, 1);
                }
        }
}

/* Escape element text; a literal CR would come back as LF. */
static void esc_text(struct vn_buf *b, const char *s)
{
        for (; *s; s++) {
                if (*s == '\r')
                        vn_buf_add(b, "&#13;");
                else if (*s == '\'' || *s == '"' || *s == '<' || *s == '>' || *s == '&')
                        esc_attr(b, (char[]){*s, 0});
                else
                        vn_buf_addn(b, s, 1);
        }
}

/* " name='value'" when value is set */
static void attr(struct vn_buf *b, const char *name, const char *value)
{
        if (!value)
                return;
        vn_buf_addf(b, " %s='", name);
        esc_attr(b, value);
        vn_buf_add(b, "'");
}

static void attr_addr(struct vn_buf *b, const char *name, const struct vn_addr *a)
{
        char buf[VN_ADDR_STRLEN];

        if (vn_addr_is_set(a))
                vn_buf_addf(b, " %s='%s'", name, vn_addr_format(a, buf));
}

static void line(struct vn_buf *b, int indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void line(struct vn_buf *b, int indent, const char *fmt, ...)
{
        va_list ap;

        vn_buf_indent(b, indent);
        va_start(ap, fmt);
        vn_buf_vaddf(b, fmt, ap);
        va_end(ap);
}

static void text_elem(struct vn_buf *b, int indent, const char *name, const char *text)
{
        if (!text)
                return;
        line(b, indent, "<%s>", name);
        esc_text(b, text);
        vn_buf_addf(b, "</%s>\n", name);
}

/* ------------------------------------------------------------ pieces */

static void format_nat(struct vn_buf *b, int ind, const struct vn_nat *nat)
{
        bool addr = vn_addr_is_set(&nat->addr_start) || vn_addr_is_set(&nat->addr_end);
        bool port = nat->port_start || nat->port_end;

        if (!addr && !port && !nat->ipv6)
                return;
        line(b, ind, "<nat");
        if (nat->ipv6)
                vn_buf_addf(b, " ipv6='%s'", tristate(nat->ipv6));
        if (!addr && !port) {
                vn_buf_add(b, "/>\n");
                return;
        }
        vn_buf_add(b, ">\n");
        if (vn_addr_is_set(&nat->addr_start)) {
                line(b, ind + 2, "<address");
                attr_addr(b, "start", &nat->addr_start);
                attr_addr(b, "end", &nat->addr_end);
                vn_buf_add(b, "/>\n");
        }
        if (port) {
                line(b, ind + 2, "<port start='%u'", nat->port_start);
                if (nat->port_end)
                        vn_buf_addf(b, " end='%u'", nat->port_end);
                vn_buf_add(b, "/>\n");
        }
        line(b, ind, "</nat>\n");
}

static void format_forward(struct vn_buf *b, const struct vn_net *net, unsigned flags)
{
        const struct vn_forward *f = &net->forward;
        bool inactive = flags & VN_FORMAT_INACTIVE;
        bool has_driver = f->driver_name || f->driver_model;
        bool nat_addr = vn_addr_is_set(&f->nat.addr_start) || vn_addr_is_set(&f->nat.addr_end);
        bool nat_port = f->nat.port_start || f->nat.port_end;
        bool shortfwd;
        const char *dev = NULL;

        if (f->mode == VN_FWD_NONE)
                return;
        if (!f->n_pfs && f->n_ifs > 0)
                dev = f->ifs[0].dev;
        else if (!f->n_pfs && !f->n_pcis)
                dev = f->dev; /* a model built by hand, without ifs */
        line(b, 2, "<forward");
        attr(b, "dev", dev);
        vn_buf_addf(b, " mode='%s'", vn_fwd_mode_name(f->mode));
        if (f->mode == VN_FWD_HOSTDEV)
                vn_buf_addf(b, " managed='%s'", f->managed == VN_YES ? "yes" : "no");
        /* libvirt leaves a driver model alone out of this test, which would
         * write a <driver> after a self-closed <forward/>; we count it. */
        shortfwd = !(f->n_ifs || f->n_pfs || f->n_pcis || nat_addr || nat_port || has_driver ||
                     (f->mode == VN_FWD_NAT && f->nat.ipv6) || (dev && !f->n_ifs));
        if (shortfwd) {
                vn_buf_add(b, "/>\n");
                return;
        }
        vn_buf_add(b, ">\n");
        if (has_driver) {
                line(b, 4, "<driver");
                attr(b, "name", f->driver_name);
                attr(b, "model", f->driver_model);
                vn_buf_add(b, "/>\n");
        }
        if (f->mode == VN_FWD_NAT)
                format_nat(b, 4, &f->nat);
        if (f->n_pfs) {
                line(b, 4, "<pf");
                attr(b, "dev", f->pfs[0]);
                vn_buf_add(b, "/>\n");
        }
        if (f->n_ifs && (!f->n_pfs || !inactive)) {
                for (size_t i = 0; i < f->n_ifs; i++) {
                        line(b, 4, "<interface");
                        attr(b, "dev", f->ifs[i].dev);
                        if (!inactive && f->ifs[i].connections > 0)
                                vn_buf_addf(b, " connections='%u'", f->ifs[i].connections);
                        vn_buf_add(b, "/>\n");
                }
        } else if (dev && !f->n_ifs) {
                line(b, 4, "<interface");
                attr(b, "dev", dev);
                vn_buf_add(b, "/>\n");
        }
        for (size_t i = 0; i < f->n_pcis; i++)
                line(b, 4,
                     "<address type='pci' domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                     "function='0x%x'/>\n",
                     f->pcis[i].domain, f->pcis[i].bus, f->pcis[i].slot, f->pcis[i].function);
        line(b, 2, "</forward>\n");
}

static void format_bridge(struct vn_buf *b, const struct vn_net *net)
{
        static const char *const mtm[] = {"default", "kernel", "libvirt"};
        const struct vn_bridge *br = &net->bridge;
        bool l3 = vn_net_has_bridge_l3(net);

        if (!l3 && !br->name && !br->mac_table_manager)
                return;
        line(b, 2, "<bridge");
        attr(b, "name", br->name);
        attr(b, "zone", br->zone);
        if (l3)
                vn_buf_addf(b, " stp='%s' delay='%lu'", br->stp == VN_NO ? "off" : "on", br->delay);
        if (br->mac_table_manager)
                vn_buf_addf(b, " macTableManager='%s'", mtm[br->mac_table_manager]);
        vn_buf_add(b, "/>\n");
}

static void format_dns(struct vn_buf *b, const struct vn_dns *dns)
{
        bool children = dns->n_forwarders || dns->n_hosts || dns->n_srvs || dns->n_txts;
        size_t i, j;

        if (!dns->enable && !dns->forward_plain_names && !children)
                return;
        line(b, 2, "<dns");
        if (dns->enable)
                vn_buf_addf(b, " enable='%s'", tristate(dns->enable));
        if (dns->forward_plain_names)
                vn_buf_addf(b, " forwardPlainNames='%s'", tristate(dns->forward_plain_names));
        if (!children) {
                vn_buf_add(b, "/>\n");
                return;
        }
        vn_buf_add(b, ">\n");
        for (i = 0; i < dns->n_forwarders; i++) {
                line(b, 4, "<forwarder");
                attr(b, "domain", dns->forwarders[i].domain);
                attr(b, "addr", dns->forwarders[i].addr);
                if (dns->forwarders[i].addr && dns->forwarders[i].port)
                        vn_buf_addf(b, " port='%u'", dns->forwarders[i].port);
                vn_buf_add(b, "/>\n");
        }
        for (i = 0; i < dns->n_txts; i++) {
                line(b, 4, "<txt");
                attr(b, "name", dns->txts[i].name);
                attr(b, "value", dns->txts[i].value);
                vn_buf_add(b, "/>\n");
        }
        for (i = 0; i < dns->n_srvs; i++) {
                const struct vn_dns_srv *s = &dns->srvs[i];

                if (!s->service || !s->protocol)
                        continue;
                line(b, 4, "<srv");
                attr(b, "service", s->service);
                attr(b, "protocol", s->protocol);
                attr(b, "domain", s->domain);
                attr(b, "target", s->target);
                if (s->port)
                        vn_buf_addf(b, " port='%u'", s->port);
                if (s->priority)
                        vn_buf_addf(b, " priority='%u'", s->priority);
                if (s->weight)
                        vn_buf_addf(b, " weight='%u'", s->weight);
                vn_buf_add(b, "/>\n");
        }
        for (i = 0; i < dns->n_hosts; i++) {
                line(b, 4, "<host");
                attr_addr(b, "ip", &dns->hosts[i].ip);
                vn_buf_add(b, ">\n");
                for (j = 0; j < dns->hosts[i].n_hostnames; j++)
                        text_elem(b, 6, "hostname", dns->hosts[i].hostnames[j]);
                line(b, 4, "</host>\n");
        }
        line(b, 2, "</dns>\n");
}

static void format_vlan(struct vn_buf *b, int ind, const struct vn_vlan *vlan)
{
        if (!vlan->n_tags)
                return;
        line(b, ind, "<vlan%s>\n", vlan->trunk == VN_YES ? " trunk='yes'" : "");
        for (size_t i = 0; i < vlan->n_tags; i++) {
                const struct vn_vlan_tag *t = &vlan->tags[i];

                if (t->native_mode != VN_VLAN_NATIVE_NONE)
                        line(b, ind + 2, "<tag id='%u' nativeMode='%s'/>\n", t->id,
                             t->native_mode == VN_VLAN_NATIVE_TAGGED ? "tagged" : "untagged");
                else
                        line(b, ind + 2, "<tag id='%u'/>\n", t->id);
        }
        line(b, ind, "</vlan>\n");
}

static void format_rate(struct vn_buf *b, int ind, const char *name, const struct vn_bw_rate *r)
{
        if (!r->present || (!r->average && !r->floor))
                return;
        line(b, ind, "<%s", name);
        if (r->average)
                vn_buf_addf(b, " average='%llu'", r->average);
        if (r->peak)
                vn_buf_addf(b, " peak='%llu'", r->peak);
        if (r->floor)
                vn_buf_addf(b, " floor='%llu'", r->floor);
        if (r->burst)
                vn_buf_addf(b, " burst='%llu'", r->burst);
        vn_buf_add(b, "/>\n");
}

static void format_bandwidth(struct vn_buf *b, int ind, const struct vn_bandwidth *bw)
{
        if (!bw->present)
                return;
        line(b, ind, "<bandwidth>\n");
        format_rate(b, ind + 2, "inbound", &bw->inbound);
        format_rate(b, ind + 2, "outbound", &bw->outbound);
        line(b, ind, "</bandwidth>\n");
}

static bool type_is(const struct vn_virtualport *vp, const char *t)
{
        return !vp->type || strcmp(vp->type, t) == 0;
}

static void format_virtualport(struct vn_buf *b, int ind, const struct vn_virtualport *vp)
{
        bool noparams = !(vp->managerid || vp->typeid || vp->typeidversion || vp->instanceid ||
                          vp->profileid || vp->interfaceid);
        bool qbg = type_is(vp, "802.1Qbg");
        bool prof =
            !vp->type || strcmp(vp->type, "openvswitch") == 0 || strcmp(vp->type, "802.1Qbh") == 0;
        bool ifid =
            !vp->type || strcmp(vp->type, "openvswitch") == 0 || strcmp(vp->type, "midonet") == 0;

        if (!vp->present)
                return;
        if (!vp->type) {
                if (noparams)
                        return;
                line(b, ind, "<virtualport>\n");
        } else if (noparams) {
                line(b, ind, "<virtualport");
                attr(b, "type", vp->type);
                vn_buf_add(b, "/>\n");
                return;
        } else {
                line(b, ind, "<virtualport");
                attr(b, "type", vp->type);
                vn_buf_add(b, ">\n");
        }
        line(b, ind + 2, "<parameters");
        if (qbg) {
                attr(b, "managerid", vp->managerid);
                attr(b, "typeid", vp->typeid);
                attr(b, "typeidversion", vp->typeidversion);
                attr(b, "instanceid", vp->instanceid);
        }
        if (prof)
                attr(b, "profileid", vp->profileid);
        if (ifid)
                attr(b, "interfaceid", vp->interfaceid);
        vn_buf_add(b, "/>\n");
        line(b, ind, "</virtualport>\n");
}

static void format_lease(struct vn_buf *b, int ind, const struct vn_lease *l)
{
        static const char *const units[] = {"minutes", "seconds", "minutes", "hours"};

        if (!l->expiry)
                line(b, ind, "<lease expiry='0'/>\n");
        else
                line(b, ind, "<lease expiry='%lu' unit='%s'/>\n", l->expiry, units[l->unit]);
}

static void format_ip(struct vn_buf *b, const struct vn_ip *ip)
{
        char mac[VN_MAC_STRLEN];

        line(b, 2, "<ip");
        attr(b, "family", ip->family);
        attr_addr(b, "address", &ip->address);
        if (ip->has_netmask)
                attr_addr(b, "netmask", &ip->netmask);
        if (ip->has_prefix && ip->prefix > 0)
                vn_buf_addf(b, " prefix='%u'", ip->prefix);
        if (ip->local_ptr)
                vn_buf_addf(b, " localPtr='%s'", tristate(ip->local_ptr));
        vn_buf_add(b, ">\n");
        if (ip->tftp_root) {
                line(b, 4, "<tftp");
                attr(b, "root", ip->tftp_root);
                vn_buf_add(b, "/>\n");
        }
        if (ip->n_ranges || ip->n_hosts) {
                line(b, 4, "<dhcp>\n");
                for (size_t i = 0; i < ip->n_ranges; i++) {
                        const struct vn_dhcp_range *r = &ip->ranges[i];

                        line(b, 6, "<range");
                        attr_addr(b, "start", &r->start);
                        attr_addr(b, "end", &r->end);
                        if (r->lease.present) {
                                vn_buf_add(b, ">\n");
                                format_lease(b, 8, &r->lease);
                                line(b, 6, "</range>\n");
                        } else {
                                vn_buf_add(b, "/>\n");
                        }
                }
                for (size_t i = 0; i < ip->n_hosts; i++) {
                        const struct vn_dhcp_host *h = &ip->hosts[i];

                        line(b, 6, "<host");
                        if (h->has_mac)
                                vn_buf_addf(b, " mac='%s'", vn_mac_format(h->mac, mac));
                        attr(b, "id", h->id);
                        attr(b, "name", h->name);
                        attr_addr(b, "ip", &h->ip);
                        if (h->lease.present) {
                                vn_buf_add(b, ">\n");
                                format_lease(b, 8, &h->lease);
                                line(b, 6, "</host>\n");
                        } else {
                                vn_buf_add(b, "/>\n");
                        }
                }
                if (ip->bootp_file) {
                        line(b, 6, "<bootp");
                        attr(b, "file", ip->bootp_file);
                        attr(b, "server", ip->bootp_server);
                        vn_buf_add(b, "/>\n");
                }
                line(b, 4, "</dhcp>\n");
        }
        line(b, 2, "</ip>\n");
}

static void format_route(struct vn_buf *b, const struct vn_route *r)
{
        line(b, 2, "<route");
        attr(b, "family", r->family);
        attr_addr(b, "address", &r->address);
        if (r->has_netmask)
                attr_addr(b, "netmask", &r->netmask);
        if (r->has_prefix)
                vn_buf_addf(b, " prefix='%u'", r->prefix);
        attr_addr(b, "gateway", &r->gateway);
        if (r->has_metric && r->metric > 0)
                vn_buf_addf(b, " metric='%u'", r->metric);
        vn_buf_add(b, "/>\n");
}

static void format_portgroup(struct vn_buf *b, const struct vn_portgroup *pg)
{
        line(b, 2, "<portgroup");
        attr(b, "name", pg->name);
        if (pg->is_default == VN_YES)
                vn_buf_add(b, " default='yes'");
        if (pg->trust_guest_rx_filters)
                vn_buf_addf(b, " trustGuestRxFilters='%s'", tristate(pg->trust_guest_rx_filters));
        vn_buf_add(b, ">\n");
        format_vlan(b, 4, &pg->vlan);
        format_virtualport(b, 4, &pg->virtualport);
        format_bandwidth(b, 4, &pg->bandwidth);
        if (pg->port_isolated)
                line(b, 4, "<port isolated='%s'/>\n", tristate(pg->port_isolated));
        line(b, 2, "</portgroup>\n");
}

char *vn_net_format(const struct vn_net *net, unsigned flags)
{
        _cleanup_buf_ struct vn_buf b = {0};
        char uuid[37], mac[VN_MAC_STRLEN];
        size_t i;

        vn_buf_add(&b, "<network");
        if (net->n_dnsmasq_options)
                vn_buf_add(&b, " xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'");
        if (!(flags & VN_FORMAT_INACTIVE) && net->connections > 0)
                vn_buf_addf(&b, " connections='%u'", net->connections);
        if (net->ipv6 == VN_YES)
                vn_buf_add(&b, " ipv6='yes'");
        if (net->trust_guest_rx_filters)
                vn_buf_addf(&b, " trustGuestRxFilters='%s'", tristate(net->trust_guest_rx_filters));
        vn_buf_add(&b, ">\n");
        text_elem(&b, 2, "name", net->name);
        vn_uuid_format(net->uuid, uuid);
        line(&b, 2, "<uuid>%s</uuid>\n", uuid);
        text_elem(&b, 2, "title", net->title);
        text_elem(&b, 2, "description", net->description);
        if (net->metadata_xml) {
                if (*net->metadata_xml) {
                        line(&b, 2, "<metadata>\n");
                        vn_buf_add(&b, net->metadata_xml);
                        line(&b, 2, "</metadata>\n");
                } else {
                        line(&b, 2, "<metadata/>\n");
                }
        }
        format_forward(&b, net, flags);
        format_bridge(&b, net);
        if (net->mtu)
                line(&b, 2, "<mtu size='%u'/>\n", net->mtu);
        if (net->has_mac)
                line(&b, 2, "<mac address='%s'/>\n", vn_mac_format(net->mac, mac));
        if (net->domain.name) {
                line(&b, 2, "<domain");
                attr(&b, "name", net->domain.name);
                if (net->domain.local_only)
                        vn_buf_addf(&b, " localOnly='%s'", tristate(net->domain.local_only));
                if (net->domain.reg)
                        vn_buf_addf(&b, " register='%s'", tristate(net->domain.reg));
                vn_buf_add(&b, "/>\n");
        }
        format_dns(&b, &net->dns);
        format_vlan(&b, 2, &net->vlan);
        format_bandwidth(&b, 2, &net->bandwidth);
        if (net->port_isolated)
                line(&b, 2, "<port isolated='%s'/>\n", tristate(net->port_isolated));
        for (i = 0; i < net->n_ips; i++)
                format_ip(&b, &net->ips[i]);
        for (i = 0; i < net->n_routes; i++)
                format_route(&b, &net->routes[i]);
        format_virtualport(&b, 2, &net->virtualport);
        for (i = 0; i < net->n_portgroups; i++)
                format_portgroup(&b, &net->portgroups[i]);
        if (net->n_dnsmasq_options) {
                line(&b, 2, "<dnsmasq:options>\n");
                for (i = 0; i < net->n_dnsmasq_options; i++) {
                        line(&b, 4, "<dnsmasq:option");
                        attr(&b, "value", net->dnsmasq_options[i]);
                        vn_buf_add(&b, "/>\n");
                }
                line(&b, 2, "</dnsmasq:options>\n");
        }
        vn_buf_add(&b, "</network>\n");
        return vn_buf_steal(&b);
}

/* ------------------------------------------------------------ UUIDs */

void vn_uuid_format(const uint8_t u[16], char buf[37])
{
        snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
                 u[13], u[14], u[15]);
}

/* Like libvirt: 32 hex digits, dashes allowed between byte pairs,
 * surrounding blanks ignored. */
int vn_uuid_parse(const char *s, uint8_t uuid[16])
{
        uint8_t u[16];

        if (!s)
                return -EINVAL;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        for (int i = 0; i < 16; i++) {
                int h, l;

                if (*s == '-' && i > 0)
                        s++;
                if ((h = vn_hexval(s[0])) < 0 || (l = vn_hexval(s[1])) < 0)
                        return -EINVAL;
                u[i] = (uint8_t)(h << 4 | l);
                s += 2;
        }
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        if (*s)
                return -EINVAL;
        memcpy(uuid, u, 16);
        return 0;
}

void vn_uuid_generate(uint8_t uuid[16])
{
        size_t got = 0;

        while (got < 16) {
                ssize_t n = getrandom(uuid + got, 16 - got, 0);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                got += (size_t)n;
        }
        if (got < 16) {
                int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

                while (fd >= 0 && got < 16) {
                        ssize_t n = read(fd, uuid + got, 16 - got);

                        if (n <= 0)
                                break;
                        got += (size_t)n;
                }
                if (fd >= 0)
                        close(fd);
        }
        if (got < 16) {
                /* no entropy source at all: still unique per process and time */
                uint64_t t = vn_now_ns() ^ ((uint64_t)getpid() << 32);

                memcpy(uuid, &t, 8);
                t = t * 6364136223846793005ull + 1442695040888963407ull;
                memcpy(uuid + 8, &t, 8);
        }
        uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* version 4 */
        uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}
