/*
 * parse.c: libvirt network XML → struct vn_net, with libxml2.
 *
 * Owns: safe document loading (size limit, no network, no DTD, no entity
 * expansion; libxml2's own errors captured per parser context), the
 * element-by-element reading of everything libvirt's network XML can say,
 * the structural checks libvirt's parser makes (virNetworkDefParseXML), the
 * dnsmasq:options namespace and vnet's own namespace under <metadata>.
 *
 * Every error reads "SOURCE:LINE: <element attr='value'>: what is wrong".
 * Semantic rules (addresses inside subnets...) live in check.c.
 */
#include "config.h"

#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define DNSMASQ_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"
#define VNET_NS    "urn:vnet:network:1"

/* Limit from RFC 2782 minus overhead, as libvirt (DNS_RECORD_LENGTH_SRV). */
#define SRV_SERVICE_MAX 482
#define SERVICE_CHARS                                                                              \
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"                           \
        "_-+/*"
#define PROTOCOL_CHARS                                                                             \
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"                           \
        "-+/"

struct pctx {
        const char *source;
        struct vn_error *err;
        struct vn_net *net;
};

/* ------------------------------------------------------------ errors */

static void elem_desc(xmlNode *n, const char *attr, char *buf, size_t size)
{
        xmlChar *v = attr ? xmlGetNoNsProp(n, BAD_CAST attr) : NULL;
        const char *prefix = n->ns && n->ns->prefix ? (const char *)n->ns->prefix : NULL;

        if (v)
                snprintf(buf, size, "<%s%s%s %s='%.80s%s'>", prefix ? prefix : "",
                         prefix ? ":" : "", (const char *)n->name, attr, (const char *)v,
                         xmlStrlen(v) > 80 ? "..." : "");
        else
                snprintf(buf, size, "<%s%s%s>", prefix ? prefix : "", prefix ? ":" : "",
                         (const char *)n->name);
        xmlFree(v);
}

static int perr(struct pctx *c, xmlNode *n, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int perr(struct pctx *c, xmlNode *n, const char *attr, const char *fmt, ...)
{
        char what[VN_ERR_MSG_MAX], elem[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        elem_desc(n, attr, elem, sizeof(elem));
        return vn_err(c->err, -EINVAL, "%s:%ld: %s: %s", c->source, xmlGetLineNo(n), elem, what);
}

static int oom(struct pctx *c)
{
        return vn_err(c->err, -ENOMEM, "%s: out of memory", c->source);
}

/* ------------------------------------------------------------ helpers */

static void *grow(void *arrp, size_t *n, size_t size)
{
        void **arr = arrp;
        char *p;

        if (*n >= SIZE_MAX / size - 1)
                return NULL;
        p = realloc(*arr, (*n + 1) * size);
        if (!p)
                return NULL;
        memset(p + *n * size, 0, size);
        *arr = p;
        return p + (*n)++ * size;
}

static bool is_elem(xmlNode *n)
{
        return n->type == XML_ELEMENT_NODE;
}

/* An element of libvirt's own vocabulary (no namespace). */
static bool is_plain(xmlNode *n, const char *name)
{
        return is_elem(n) && !n->ns && xmlStrEqual(n->name, BAD_CAST name);
}

static bool in_ns(xmlNode *n, const char *href)
{
        return is_elem(n) && n->ns && n->ns->href && xmlStrEqual(n->ns->href, BAD_CAST href);
}

static char *xstrdup(xmlChar *v)
{
        char *s;

        if (!v)
                return NULL;
        s = strdup((const char *)v);
        xmlFree(v);
        return s;
}

/* Attribute value as a malloc'd string; NULL when absent (or on ENOMEM:
 * callers that must tell the two apart use has_attr first). */
static char *attr_get(xmlNode *n, const char *name)
{
        return xstrdup(xmlGetNoNsProp(n, BAD_CAST name));
}

static bool has_attr(xmlNode *n, const char *name)
{
        return xmlHasNsProp(n, BAD_CAST name, NULL) != NULL;
}

static int attr_dup(struct pctx *c, xmlNode *n, const char *name, char **out)
{
        if (!has_attr(n, name))
                return 0;
        free(*out);
        *out = attr_get(n, name);
        return *out ? 0 : oom(c);
}

static int text_dup(struct pctx *c, xmlNode *n, char **out)
{
        free(*out);
        *out = xstrdup(xmlNodeGetContent(n));
        return *out ? 0 : oom(c);
}

static int unknown_child(struct pctx *c, xmlNode *child, xmlNode *parent, const char *allowed)
{
        return perr(c, child, NULL, "unknown element in <%s> (allowed: %s)",
                    (const char *)parent->name, allowed);
}

static int duplicate(struct pctx *c, xmlNode *n)
{
        return perr(c, n, NULL, "element given more than once (only one is allowed)");
}

static int get_tristate(struct pctx *c, xmlNode *n, const char *name, enum vn_tristate *out)
{
        _cleanup_free_ char *v = attr_get(n, name);

        if (!v)
                return 0;
        if (strcmp(v, "yes") == 0)
                *out = VN_YES;
        else if (strcmp(v, "no") == 0)
                *out = VN_NO;
        else
                return perr(c, n, name, "invalid %s '%s' (allowed: yes, no)", name, v);
        return 0;
}

/* Unsigned decimal (base 10, or 0 for C prefixes) within [min, max]. */
static int get_ull(struct pctx *c, xmlNode *n, const char *name, int base, unsigned long long min,
                   unsigned long long max, unsigned long long *out, bool *present)
{
        _cleanup_free_ char *v = attr_get(n, name);
        unsigned long long x;
        char *end;

        if (present)
                *present = v != NULL;
        if (!v)
                return 0;
        errno = 0;
        if (!isdigit((unsigned char)v[0]))
                goto bad;
        x = strtoull(v, &end, base);
        if (errno || *end || end == v)
                goto bad;
        if (x < min || x > max)
                return perr(c, n, name, "%s '%s' out of range (allowed: %llu-%llu)", name, v, min,
                            max);
        *out = x;
        return 0;
bad:
        return perr(c, n, name, "invalid %s '%s' (expected an unsigned %snumber)", name, v,
                    base == 10 ? "decimal " : "");
}

static int get_uint(struct pctx *c, xmlNode *n, const char *name, unsigned min, unsigned max,
                    unsigned *out, bool *present)
{
        unsigned long long v;
        bool p = false;
        int r = get_ull(c, n, name, 10, min, max, &v, &p);

        if (r < 0)
                return r;
        if (p)
                *out = (unsigned)v;
        if (present)
                *present = p;
        return 0;
}

static const char *family_word(int family, const char *s)
{
        if (family == AF_INET)
                return "IPv4";
        if (family == AF_INET6)
                return "IPv6";
        return s && strchr(s, ':') ? "IPv6" : "IPv4";
}

/* Parse attribute `name` as an address of `family` (0 = either). */
static int get_addr(struct pctx *c, xmlNode *n, const char *name, int family, bool required,
                    struct vn_addr *out)
{
        _cleanup_free_ char *v = attr_get(n, name);
        int r;

        if (!v) {
                if (required)
                        return perr(c, n, NULL, "missing required attribute '%s'", name);
                return 0;
        }
        r = family ? vn_addr_parse_family(v, family, out) : vn_addr_parse(v, out);
        if (r < 0)
                return perr(c, n, name, "invalid %s address '%s'", family_word(family, v), v);
        return 0;
}

static int get_required(struct pctx *c, xmlNode *n, const char *name, char **out)
{
        if (!has_attr(n, name))
                return perr(c, n, NULL, "missing required attribute '%s'", name);
        return attr_dup(c, n, name, out);
}

static bool has_chars(const char *s, const char *set)
{
        return s && strpbrk(s, set) != NULL;
}

/* ------------------------------------------------------------ <forward> */

static int parse_pci(struct pctx *c, xmlNode *n, struct vn_pci_addr *a)
{
        static const struct {
                const char *name;
                unsigned long long max;
        } f[] = {{"domain", 0xffff}, {"bus", 0xff}, {"slot", 0x1f}, {"function", 7}};
        unsigned long long v[4] = {0};
        _cleanup_free_ char *type = attr_get(n, "type");
        int r;

        if (!type)
                return perr(c, n, NULL, "missing address type (allowed: pci)");
        if (strcmp(type, "pci") != 0)
                return perr(c, n, "type", "unknown address type '%s' (allowed: pci)", type);
        for (size_t i = 0; i < VN_ARRAY_SIZE(f); i++)
                if ((r = get_ull(c, n, f[i].name, 0, 0, f[i].max, &v[i], NULL)) < 0)
                        return r;
        a->domain = (unsigned)v[0];
        a->bus = (unsigned)v[1];
        a->slot = (unsigned)v[2];
        a->function = (unsigned)v[3];
        if ((a->domain || a->bus || a->slot || a->function) && !a->domain && !a->bus && !a->slot)
                return perr(c, n, NULL,
                            "invalid PCI address 0000:00:00.%u (one of domain, bus or slot "
                            "must be > 0)",
                            a->function);
        return 0;
}

static int parse_nat(struct pctx *c, xmlNode *n, struct vn_forward *fwd)
{
        bool have_addr = false, have_port = false;
        int r;

        if (fwd->mode != VN_FWD_NAT)
                return perr(c, n, NULL, "<nat> is only allowed with <forward mode='nat'>");
        if (fwd->nat.present)
                return duplicate(c, n);
        fwd->nat.present = true;
        if ((r = get_tristate(c, n, "ipv6", &fwd->nat.ipv6)) < 0)
                return r;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "address")) {
                        if (have_addr)
                                return duplicate(c, ch);
                        have_addr = true;
                        if ((r = get_addr(c, ch, "start", AF_INET, true, &fwd->nat.addr_start)) <
                                0 ||
                            (r = get_addr(c, ch, "end", AF_INET, true, &fwd->nat.addr_end)) < 0)
                                return r;
                        if (vn_addr_cmp(&fwd->nat.addr_start, &fwd->nat.addr_end) > 0)
                                return perr(c, ch, "start", "start address is after end address");
                } else if (is_plain(ch, "port")) {
                        bool ps, pe;

                        if (have_port)
                                return duplicate(c, ch);
                        have_port = true;
                        if ((r = get_uint(c, ch, "start", 1, 65535, &fwd->nat.port_start, &ps)) <
                                0 ||
                            (r = get_uint(c, ch, "end", 1, 65535, &fwd->nat.port_end, &pe)) < 0)
                                return r;
                        if (!ps || !pe)
                                return perr(c, ch, NULL,
                                            "both 'start' and 'end' attributes are required");
                        if (fwd->nat.port_end < fwd->nat.port_start)
                                return perr(c, ch, "start", "port range start %u is after end %u",
                                            fwd->nat.port_start, fwd->nat.port_end);
                } else {
                        return unknown_child(c, ch, n, "address, port");
                }
        }
        return 0;
}

static int parse_forward(struct pctx *c, xmlNode *n)
{
        struct vn_forward *fwd = &c->net->forward;
        const char *name = c->net->name;
        _cleanup_free_ char *mode = attr_get(n, "mode");
        _cleanup_free_ char *managed = attr_get(n, "managed");
        bool have_driver = false;
        xmlNode *first_addr = NULL, *first_if = NULL, *first_pf = NULL;
        int r;

        if (fwd->present)
                return duplicate(c, n);
        fwd->present = true;
        fwd->line = (int)xmlGetLineNo(n);
        fwd->mode = VN_FWD_NAT;
        if (mode) {
                int m = vn_fwd_mode_from_name(mode);

                if (m < 0)
                        return perr(c, n, "mode",
                                    "unknown forward mode (allowed: nat, route, open, bridge, "
                                    "private, vepa, passthrough, hostdev)");
                fwd->mode = (enum vn_fwd_mode)m;
                fwd->mode_given = true;
        }
        if (managed)
                fwd->managed = strcasecmp(managed, "yes") == 0 ? VN_YES : VN_NO;
        if ((r = attr_dup(c, n, "dev", &fwd->dev)) < 0)
                return r;
        if (fwd->dev && !*fwd->dev)
                return perr(c, n, "dev", "empty forward device name");
        if (fwd->dev) {
                struct vn_forward_if *fi = grow(&fwd->ifs, &fwd->n_ifs, sizeof(*fi));

                if (!fi || !(fi->dev = strdup(fwd->dev)))
                        return oom(c);
        }

        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "interface")) {
                        _cleanup_free_ char *dev = attr_get(ch, "dev");
                        struct vn_forward_if *fi;
                        unsigned conns = 0;

                        if (!dev || !*dev)
                                return perr(c, ch, NULL,
                                            "missing required dev attribute in <forward> "
                                            "<interface> of network '%s'",
                                            name);
                        if ((r = get_uint(c, ch, "connections", 0, UINT_MAX, &conns, NULL)) < 0)
                                return r;
                        if (!first_if && fwd->dev) {
                                /* <forward dev='x'> names the first interface */
                                first_if = ch;
                                if (strcmp(dev, fwd->dev) != 0)
                                        return perr(c, ch, "dev",
                                                    "<forward dev='%s'> must match the first "
                                                    "<interface dev='%s'/> in network '%s'",
                                                    fwd->dev, dev, name);
                                fwd->ifs[0].connections = conns;
                                continue;
                        }
                        if (!first_if)
                                first_if = ch;
                        for (size_t i = 0; i < fwd->n_ifs; i++)
                                if (strcmp(fwd->ifs[i].dev, dev) == 0)
                                        return perr(c, ch, "dev",
                                                    "interface '%s' can only be listed once in "
                                                    "network %s",
                                                    dev, name);
                        if (!(fi = grow(&fwd->ifs, &fwd->n_ifs, sizeof(*fi))))
                                return oom(c);
                        fi->dev = VN_TAKE(dev);
                        fi->connections = conns;
                } else if (is_plain(ch, "address")) {
                        struct vn_pci_addr a, *slot;

                        if (!first_addr)
                                first_addr = ch;
                        if ((r = parse_pci(c, ch, &a)) < 0)
                                return r;
                        for (size_t i = 0; i < fwd->n_pcis; i++) {
                                struct vn_pci_addr *b = &fwd->pcis[i];

                                if (a.domain == b->domain && a.bus == b->bus && a.slot == b->slot &&
                                    a.function == b->function)
                                        return perr(c, ch, NULL,
                                                    "PCI device '%04x:%02x:%02x.%x' can only be "
                                                    "listed once in network %s",
                                                    a.domain, a.bus, a.slot, a.function, name);
                        }
                        if (!(slot = grow(&fwd->pcis, &fwd->n_pcis, sizeof(*slot))))
                                return oom(c);
                        *slot = a;
                } else if (is_plain(ch, "pf")) {
                        char **slot;

                        if (first_pf)
                                return perr(c, ch, NULL,
                                            "only one <pf> element is allowed in <forward> of "
                                            "network %s",
                                            name);
                        first_pf = ch;
                        if (!has_attr(ch, "dev"))
                                return perr(c, ch, NULL,
                                            "missing required dev attribute in <pf> element "
                                            "of network '%s'",
                                            name);
                        if (!(slot = grow(&fwd->pfs, &fwd->n_pfs, sizeof(*slot))) ||
                            !(*slot = attr_get(ch, "dev")))
                                return oom(c);
                } else if (is_plain(ch, "driver")) {
                        if (have_driver)
                                return duplicate(c, ch);
                        have_driver = true;
                        if ((r = attr_dup(c, ch, "name", &fwd->driver_name)) < 0 ||
                            (r = attr_dup(c, ch, "model", &fwd->driver_model)) < 0)
                                return r;
                        if (fwd->driver_name && strcmp(fwd->driver_name, "kvm") != 0 &&
                            strcmp(fwd->driver_name, "vfio") != 0 &&
                            strcmp(fwd->driver_name, "xen") != 0)
                                return perr(c, ch, "name",
                                            "unknown driver name (allowed: kvm, vfio, xen)");
                        if (fwd->driver_model && !*fwd->driver_model)
                                return perr(c, ch, "model", "empty driver model");
                } else if (is_plain(ch, "nat")) {
                        if ((r = parse_nat(c, ch, fwd)) < 0)
                                return r;
                } else {
                        return unknown_child(c, ch, n, "interface, address, pf, driver, nat");
                }
        }

        if (fwd->dev && (first_addr || first_pf))
                return perr(c, n, "dev",
                            "the <forward> 'dev' attribute cannot be used when <address> or "
                            "<pf> sub-elements are present in network %s",
                            name);
        if ((first_pf != NULL) + (first_if != NULL || fwd->dev) + (first_addr != NULL) > 1)
                return perr(c, first_pf ? first_pf : first_addr, NULL,
                            "<address>, <interface> and <pf> elements of <forward> in network "
                            "%s are mutually exclusive",
                            name);
        /* the first interface is the forward dev, as libvirt formats it */
        if (!fwd->dev && fwd->n_ifs > 0 && !(fwd->dev = strdup(fwd->ifs[0].dev)))
                return oom(c);
        return 0;
}

/* ------------------------------------------------------------ <bridge> etc */

static int parse_bridge(struct pctx *c, xmlNode *n)
{
        struct vn_bridge *br = &c->net->bridge;
        _cleanup_free_ char *stp = attr_get(n, "stp");
        _cleanup_free_ char *mtm = attr_get(n, "macTableManager");
        unsigned long long delay;
        int r;

        if (br->present)
                return duplicate(c, n);
        br->present = true;
        br->line = (int)xmlGetLineNo(n);
        if ((r = attr_dup(c, n, "name", &br->name)) < 0 ||
            (r = attr_dup(c, n, "zone", &br->zone)) < 0)
                return r;
        if (stp) {
                if (strcmp(stp, "on") == 0)
                        br->stp = VN_YES;
                else if (strcmp(stp, "off") == 0)
                        br->stp = VN_NO;
                else
                        return perr(c, n, "stp", "invalid stp '%s' (allowed: on, off)", stp);
        }
        if ((r = get_ull(c, n, "delay", 10, 0, ULONG_MAX, &delay, &br->has_delay)) < 0)
                return r;
        if (br->has_delay)
                br->delay = (unsigned long)delay;
        if (mtm) {
                if (strcmp(mtm, "kernel") == 0)
                        br->mac_table_manager = VN_MTM_KERNEL;
                else if (strcmp(mtm, "libvirt") == 0)
                        br->mac_table_manager = VN_MTM_LIBVIRT;
                else
                        return perr(c, n, "macTableManager",
                                    "invalid macTableManager '%s' (allowed: kernel, libvirt)", mtm);
        }
        return 0;
}

static int parse_mac(struct pctx *c, xmlNode *n, const char *attr, uint8_t mac[6])
{
        _cleanup_free_ char *v = attr_get(n, attr);

        if (!v)
                return perr(c, n, NULL, "missing required attribute '%s'", attr);
        if (vn_mac_parse(v, mac) < 0)
                return perr(c, n, attr,
                            "invalid MAC address '%s' (expected six hex octets, "
                            "aa:bb:cc:dd:ee:ff)",
                            v);
        if (mac[0] & 1)
                return perr(c, n, attr, "multicast MAC address '%s' not allowed (expected unicast)",
                            v);
        return 0;
}

static int parse_domain(struct pctx *c, xmlNode *n)
{
        struct vn_domain *d = &c->net->domain;
        int r;

        if (d->present)
                return duplicate(c, n);
        d->present = true;
        d->line = (int)xmlGetLineNo(n);
        if ((r = get_required(c, n, "name", &d->name)) < 0 ||
            (r = get_tristate(c, n, "localOnly", &d->local_only)) < 0 ||
            (r = get_tristate(c, n, "register", &d->reg)) < 0)
                return r;
        if (d->reg == VN_YES && d->local_only != VN_YES)
                return perr(c, n, "register",
                            "attribute register='yes' requires localOnly='yes' in network %s",
                            c->net->name);
        return 0;
}

/* ------------------------------------------------------------ <dns> */

static int parse_dns_host(struct pctx *c, xmlNode *n, struct vn_dns *dns)
{
        struct vn_dns_host *h;
        int r;

        if (!(h = grow(&dns->hosts, &dns->n_hosts, sizeof(*h))))
                return oom(c);
        h->line = (int)xmlGetLineNo(n);
        if ((r = get_addr(c, n, "ip", 0, true, &h->ip)) < 0)
                return r;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                char **slot;

                if (!is_elem(ch) || ch->ns)
                        continue;
                if (!is_plain(ch, "hostname"))
                        return unknown_child(c, ch, n, "hostname");
                if (!(slot = grow(&h->hostnames, &h->n_hostnames, sizeof(*slot))))
                        return oom(c);
                if ((r = text_dup(c, ch, slot)) < 0)
                        return r;
                if (!**slot)
                        return perr(c, ch, NULL, "missing hostname in network '%s' DNS HOST record",
                                    c->net->name);
        }
        if (h->n_hostnames == 0)
                return perr(c, n, "ip", "missing hostname in network '%s' DNS HOST record",
                            c->net->name);
        return 0;
}

static int parse_dns_srv(struct pctx *c, xmlNode *n, struct vn_dns *dns)
{
        struct vn_dns_srv *s;
        unsigned long long v;
        static const char *const nums[] = {"port", "priority", "weight"};
        int r;

        if (!(s = grow(&dns->srvs, &dns->n_srvs, sizeof(*s))))
                return oom(c);
        s->line = (int)xmlGetLineNo(n);
        if ((r = get_required(c, n, "service", &s->service)) < 0)
                return r;
        if (strlen(s->service) > SRV_SERVICE_MAX)
                return perr(c, n, "service", "service attribute is too long (limit is %d bytes)",
                            SRV_SERVICE_MAX);
        if (strspn(s->service, SERVICE_CHARS) != strlen(s->service))
                return perr(c, n, "service",
                            "invalid character in service attribute (allowed: letters, "
                            "digits, _ - + / *)");
        if ((r = get_required(c, n, "protocol", &s->protocol)) < 0)
                return r;
        if (strspn(s->protocol, PROTOCOL_CHARS) != strlen(s->protocol))
                return perr(c, n, "protocol",
                            "invalid character in protocol attribute (allowed: letters, "
                            "digits, - + /)");
        if ((r = attr_dup(c, n, "domain", &s->domain)) < 0 ||
            (r = attr_dup(c, n, "target", &s->target)) < 0)
                return r;
        for (size_t i = 0; i < VN_ARRAY_SIZE(nums); i++) {
                bool present;

                if ((r = get_ull(c, n, nums[i], 10, i == 0 ? 1 : 0, 65535, &v, &present)) < 0)
                        return r;
                if (!present)
                        continue;
                if (!s->target)
                        return perr(c, n, nums[i],
                                    "DNS SRV %s attribute not permitted without target", nums[i]);
                if (i == 0) {
                        s->has_port = true;
                        s->port = (unsigned)v;
                } else if (i == 1) {
                        s->has_priority = true;
                        s->priority = (unsigned)v;
                } else {
                        s->has_weight = true;
                        s->weight = (unsigned)v;
                }
        }
        return 0;
}

static int parse_dns(struct pctx *c, xmlNode *n)
{
        struct vn_dns *dns = &c->net->dns;
        int r;

        if (dns->present)
                return duplicate(c, n);
        dns->present = true;
        if ((r = get_tristate(c, n, "enable", &dns->enable)) < 0 ||
            (r = get_tristate(c, n, "forwardPlainNames", &dns->forward_plain_names)) < 0)
                return r;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "forwarder")) {
                        struct vn_dns_forwarder *f;
                        struct vn_addr a;

                        if (!(f = grow(&dns->forwarders, &dns->n_forwarders, sizeof(*f))))
                                return oom(c);
                        if (has_attr(ch, "addr")) {
                                char buf[VN_ADDR_STRLEN];

                                if ((r = get_addr(c, ch, "addr", 0, true, &a)) < 0)
                                        return r;
                                /* canonical text, as libvirt writes it back */
                                if (!(f->addr = strdup(vn_addr_format(&a, buf))))
                                        return oom(c);
                                if ((r = get_uint(c, ch, "port", 1, 65535, &f->port, NULL)) < 0)
                                        return r;
                        } else if (has_attr(ch, "port")) {
                                return perr(c, ch, "port", "port requires an addr attribute");
                        }
                        if ((r = attr_dup(c, ch, "domain", &f->domain)) < 0)
                                return r;
                        if (!f->addr && !f->domain)
                                return perr(c, ch, NULL,
                                            "invalid forwarder element, must contain at least "
                                            "one of addr or domain");
                } else if (is_plain(ch, "txt")) {
                        struct vn_dns_txt *t;

                        if (!(t = grow(&dns->txts, &dns->n_txts, sizeof(*t))))
                                return oom(c);
                        t->line = (int)xmlGetLineNo(ch);
                        if ((r = get_required(c, ch, "name", &t->name)) < 0 ||
                            (r = get_required(c, ch, "value", &t->value)) < 0)
                                return r;
                        if (has_chars(t->name, " ,"))
                                return perr(c, ch, "name",
                                            "prohibited character in DNS TXT record name "
                                            "(space and ',' are not allowed)");
                        if (has_chars(t->value, "\r\n"))
                                return perr(c, ch, "name",
                                            "invalid line break in DNS TXT record value "
                                            "attribute");
                } else if (is_plain(ch, "srv")) {
                        if ((r = parse_dns_srv(c, ch, dns)) < 0)
                                return r;
                } else if (is_plain(ch, "host")) {
                        if ((r = parse_dns_host(c, ch, dns)) < 0)
                                return r;
                } else {
                        return unknown_child(c, ch, n, "forwarder, txt, srv, host");
                }
        }
        if (dns->enable == VN_NO &&
            (dns->n_forwarders || dns->n_hosts || dns->n_srvs || dns->n_txts))
                return perr(c, n, "enable",
                            "Extra data in disabled network '%s': DNS is disabled, so "
                            "<forwarder>, <host>, <srv> and <txt> are not allowed",
                            c->net->name);
        return 0;
}

/* ------------------------------------------------------------ vlan, bandwidth, port */

static int parse_vlan(struct pctx *c, xmlNode *n, struct vn_vlan *vlan)
{
        _cleanup_free_ char *trunk = attr_get(n, "trunk");
        bool native = false;
        int r;

        if (vlan->present)
                return duplicate(c, n);
        vlan->present = true;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                struct vn_vlan_tag *t;
                _cleanup_free_ char *mode = NULL;
                bool present;

                if (!is_elem(ch) || ch->ns)
                        continue;
                if (!is_plain(ch, "tag"))
                        return unknown_child(c, ch, n, "tag");
                if (!(t = grow(&vlan->tags, &vlan->n_tags, sizeof(*t))))
                        return oom(c);
                if ((r = get_uint(c, ch, "id", 0, 4095, &t->id, &present)) < 0)
                        return r;
                if (!present)
                        return perr(c, ch, NULL, "missing required attribute 'id' (0-4095)");
                if ((mode = attr_get(ch, "nativeMode"))) {
                        if (native)
                                return perr(c, ch, "nativeMode", "duplicate native vlan setting");
                        native = true;
                        if (strcmp(mode, "tagged") == 0)
                                t->native_mode = VN_VLAN_NATIVE_TAGGED;
                        else if (strcmp(mode, "untagged") == 0)
                                t->native_mode = VN_VLAN_NATIVE_UNTAGGED;
                        else
                                return perr(c, ch, "nativeMode",
                                            "invalid nativeMode (allowed: tagged, untagged)");
                }
        }
        if (vlan->n_tags == 0)
                return perr(c, n, NULL,
                            "missing tag id - each <vlan> must have at least one <tag id='n'/>");
        if (vlan->n_tags > 1)
                vlan->trunk = VN_YES;
        if (trunk) {
                if (strcmp(trunk, "yes") == 0) {
                        vlan->trunk = VN_YES;
                } else if (strcmp(trunk, "no") == 0) {
                        if (vlan->n_tags > 1)
                                return perr(c, n, "trunk",
                                            "trunk='yes' is required for more than one vlan tag");
                        if (native)
                                return perr(c, n, "trunk",
                                            "trunk='no' is not allowed with a native vlan id");
                        vlan->trunk = VN_NO;
                } else {
                        return perr(c, n, "trunk", "invalid trunk (allowed: yes, no)");
                }
        }
        return 0;
}

static int parse_rate(struct pctx *c, xmlNode *n, struct vn_bw_rate *rate)
{
        static const unsigned long long speed_max = 1ull << 54;
        int r;

        if (rate->present)
                return duplicate(c, n);
        rate->present = true;
        if ((r = get_ull(c, n, "average", 10, 1, speed_max, &rate->average, &rate->has_average)) <
                0 ||
            (r = get_ull(c, n, "peak", 10, 1, speed_max, &rate->peak, &rate->has_peak)) < 0 ||
            (r = get_ull(c, n, "burst", 10, 1, UINT_MAX >> 10, &rate->burst, &rate->has_burst)) <
                0 ||
            (r = get_ull(c, n, "floor", 10, 1, speed_max, &rate->floor, &rate->has_floor)) < 0)
                return r;
        if (rate->has_floor)
                return perr(c, n, "floor", "floor attribute is not supported for a network");
        if (!rate->has_average)
                return perr(c, n, NULL, "missing mandatory 'average' attribute");
        return 0;
}

static int parse_bandwidth(struct pctx *c, xmlNode *n, struct vn_bandwidth *bw)
{
        int r;

        if (bw->present)
                return duplicate(c, n);
        if (has_attr(n, "classID"))
                return perr(c, n, "classID",
                            "classID attribute not supported on <bandwidth> in a network "
                            "definition");
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "inbound"))
                        r = parse_rate(c, ch, &bw->inbound);
                else if (is_plain(ch, "outbound"))
                        r = parse_rate(c, ch, &bw->outbound);
                else
                        r = unknown_child(c, ch, n, "inbound, outbound");
                if (r < 0)
                        return r;
        }
        /* like libvirt, an empty <bandwidth> is no bandwidth at all */
        bw->present = bw->inbound.present || bw->outbound.present;
        return 0;
}

static int uuid_attr(struct pctx *c, xmlNode *n, const char *name, char **out)
{
        _cleanup_free_ char *v = attr_get(n, name);
        uint8_t u[16];
        char buf[37];

        if (!v)
                return 0;
        if (vn_uuid_parse(v, u) < 0)
                return perr(c, n, name, "invalid UUID '%s'", v);
        vn_uuid_format(u, buf);
        free(*out);
        *out = strdup(buf);
        return *out ? 0 : oom(c);
}

static int num_attr(struct pctx *c, xmlNode *n, const char *name, unsigned max, char **out)
{
        unsigned v;
        bool present;
        int r;

        if ((r = get_uint(c, n, name, 0, max, &v, &present)) < 0 || !present)
                return r;
        free(*out);
        *out = vn_asprintf("%u", v);
        return *out ? 0 : oom(c);
}

static int parse_virtualport(struct pctx *c, xmlNode *n, struct vn_virtualport *vp,
                             bool require_type)
{
        static const char *const types[] = {"802.1Qbg", "802.1Qbh", "openvswitch", "midonet"};
        /* which <parameters> attributes each type takes (NULL type: all) */
        static const char *const allowed[] = {
            "managerid typeid typeidversion instanceid", "profileid", "profileid interfaceid",
            "interfaceid", "managerid typeid typeidversion instanceid profileid interfaceid"};
        static const char *const params[] = {"managerid",  "typeid",    "typeidversion",
                                             "instanceid", "profileid", "interfaceid"};
        size_t ti = VN_ARRAY_SIZE(types);
        bool have_params = false;
        int r;

        if (vp->present)
                return duplicate(c, n);
        vp->present = true;
        if ((r = attr_dup(c, n, "type", &vp->type)) < 0)
                return r;
        if (vp->type) {
                for (ti = 0; ti < VN_ARRAY_SIZE(types); ti++)
                        if (strcmp(vp->type, types[ti]) == 0)
                                break;
                if (ti == VN_ARRAY_SIZE(types))
                        return perr(c, n, "type",
                                    "unknown virtualport type (allowed: 802.1Qbg, 802.1Qbh, "
                                    "openvswitch, midonet)");
        } else if (require_type) {
                return perr(c, n, NULL, "missing required virtualport type");
        }
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (!is_plain(ch, "parameters"))
                        return unknown_child(c, ch, n, "parameters");
                if (have_params)
                        return duplicate(c, ch);
                have_params = true;
                for (size_t i = 0; i < VN_ARRAY_SIZE(params); i++) {
                        const char *list = allowed[ti];
                        const char *hit = strstr(list, params[i]);
                        size_t len = strlen(params[i]);

                        if (!has_attr(ch, params[i]))
                                continue;
                        /* whole-word match in the allowed list */
                        while (hit && ((hit != list && hit[-1] != ' ') ||
                                       (hit[len] != ' ' && hit[len] != '\0')))
                                hit = strstr(hit + 1, params[i]);
                        if (!hit)
                                return perr(c, ch, params[i],
                                            "attribute not allowed for virtualport type '%s' "
                                            "(allowed: %s)",
                                            vp->type, list);
                }
                if ((r = num_attr(c, ch, "managerid", 0xff, &vp->managerid)) < 0 ||
                    (r = num_attr(c, ch, "typeid", 0xffffff, &vp->typeid)) < 0 ||
                    (r = num_attr(c, ch, "typeidversion", 0xff, &vp->typeidversion)) < 0 ||
                    (r = uuid_attr(c, ch, "instanceid", &vp->instanceid)) < 0 ||
                    (r = uuid_attr(c, ch, "interfaceid", &vp->interfaceid)) < 0 ||
                    (r = attr_dup(c, ch, "profileid", &vp->profileid)) < 0)
                        return r;
                if (vp->profileid && (!*vp->profileid || strlen(vp->profileid) > 39))
                        return perr(c, ch, "profileid",
                                    "profileid must be 1 to 39 characters long");
        }
        vp->has_params = vp->managerid || vp->typeid || vp->typeidversion || vp->instanceid ||
                         vp->profileid || vp->interfaceid;
        if (vp->type && strcmp(vp->type, "midonet") == 0 && !vp->interfaceid)
                return perr(c, n, "type", "virtualport type midonet requires an interfaceid");
        return 0;
}

/* <port isolated='yes'/> inside a <portgroup>: libvirt has it only on the network (and on a
 * domain's <interface>); vnet lets a portgroup override the network's setting. */
static int parse_portgroup_port(struct pctx *c, xmlNode *n, struct vn_portgroup *pg, bool *seen)
{
        if (*seen)
                return duplicate(c, n);
        *seen = true;
        return get_tristate(c, n, "isolated", &pg->port_isolated);
}

static int parse_portgroup(struct pctx *c, xmlNode *n)
{
        struct vn_net *net = c->net;
        struct vn_portgroup *pg;
        _cleanup_free_ char *def = NULL;
        bool have_port = false;
        int r;

        if (!(pg = grow(&net->portgroups, &net->n_portgroups, sizeof(*pg))))
                return oom(c);
        pg->line = (int)xmlGetLineNo(n);
        if ((r = get_required(c, n, "name", &pg->name)) < 0)
                return r;
        if ((def = attr_get(n, "default")))
                pg->is_default = strcasecmp(def, "yes") == 0 ? VN_YES : VN_NO;
        if ((r = get_tristate(c, n, "trustGuestRxFilters", &pg->trust_guest_rx_filters)) < 0)
                return r;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "virtualport"))
                        r = parse_virtualport(c, ch, &pg->virtualport, false);
                else if (is_plain(ch, "bandwidth"))
                        r = parse_bandwidth(c, ch, &pg->bandwidth);
                else if (is_plain(ch, "vlan"))
                        r = parse_vlan(c, ch, &pg->vlan);
                else if (is_plain(ch, "port")) /* vnet: not in libvirt's schema */
                        r = parse_portgroup_port(c, ch, pg, &have_port);
                else
                        r = unknown_child(c, ch, n, "virtualport, bandwidth, vlan, port");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------ <ip> */

static int parse_lease(struct pctx *c, xmlNode *n, struct vn_lease *lease)
{
        _cleanup_free_ char *unit = attr_get(n, "unit");
        unsigned long long expiry;
        bool present;
        int r;

        if (lease->present)
                return duplicate(c, n);
        if ((r = get_ull(c, n, "expiry", 10, 0, ULONG_MAX, &expiry, &present)) < 0)
                return r;
        if (!present)
                return perr(c, n, NULL, "missing required attribute 'expiry'");
        lease->present = true;
        lease->expiry = (unsigned long)expiry;
        if (unit) {
                if (strcmp(unit, "seconds") == 0)
                        lease->unit = VN_LEASE_SECONDS;
                else if (strcmp(unit, "minutes") == 0)
                        lease->unit = VN_LEASE_MINUTES;
                else if (strcmp(unit, "hours") == 0)
                        lease->unit = VN_LEASE_HOURS;
                else
                        return perr(c, n, "unit",
                                    "invalid lease unit (allowed: seconds, minutes, hours)");
        }
        /* dnsmasq: "The minimum lease time is two minutes." */
        if (expiry > 0 &&
            ((lease->unit == VN_LEASE_SECONDS && expiry < 120) ||
             (lease->unit != VN_LEASE_SECONDS && lease->unit != VN_LEASE_HOURS && expiry < 2)))
                return perr(c, n, "expiry",
                            "the minimum lease time is 2 minutes (or 0 for infinite)");
        return 0;
}

static int parse_lease_child(struct pctx *c, xmlNode *n, struct vn_lease *lease)
{
        int r;

        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (!is_plain(ch, "lease"))
                        return unknown_child(c, ch, n, "lease");
                if ((r = parse_lease(c, ch, lease)) < 0)
                        return r;
        }
        return 0;
}

static int parse_dhcp_host(struct pctx *c, xmlNode *n, struct vn_ip *ip)
{
        struct vn_dhcp_host *h;
        const char *name = c->net->name;
        int r;

        if (!(h = grow(&ip->hosts, &ip->n_hosts, sizeof(*h))))
                return oom(c);
        h->line = (int)xmlGetLineNo(n);
        if (has_attr(n, "mac")) {
                if (ip->af == AF_INET6)
                        return perr(c, n, "mac",
                                    "a MAC address is not allowed in an IPv6 static host "
                                    "definition (use id='DUID')");
                if ((r = parse_mac(c, n, "mac", h->mac)) < 0)
                        return r;
                h->has_mac = true;
        }
        if ((r = attr_dup(c, n, "id", &h->id)) < 0 || (r = attr_dup(c, n, "name", &h->name)) < 0)
                return r;
        if (h->id) {
                size_t ok = strspn(h->id, "0123456789abcdefABCDEF:");

                if (!*h->id || h->id[ok])
                        return perr(c, n, "id",
                                    "invalid character in id (allowed: hex digits and ':')");
        }
        if (h->name && !isalnum((unsigned char)h->name[0]))
                return perr(c, n, "name", "host name must start with a letter or digit");
        if ((r = get_addr(c, n, "ip", 0, false, &h->ip)) < 0)
                return r;
        if (ip->af == AF_INET6 && !h->id && !h->name)
                return perr(c, n, NULL,
                            "static host definition in IPv6 network '%s' must have id or name "
                            "attribute",
                            name);
        if (ip->af == AF_INET && !h->has_mac && !h->name)
                return perr(c, n, NULL,
                            "static host definition in IPv4 network '%s' must have mac or name "
                            "attribute",
                            name);
        if (!vn_addr_is_set(&h->ip))
                return perr(c, n, NULL,
                            "missing IP address in static host definition for network '%s'", name);
        return parse_lease_child(c, n, &h->lease);
}

static int parse_dhcp(struct pctx *c, xmlNode *n, struct vn_ip *ip)
{
        bool have_bootp = false;
        int r;

        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "range")) {
                        struct vn_dhcp_range *rg;

                        if (!(rg = grow(&ip->ranges, &ip->n_ranges, sizeof(*rg))))
                                return oom(c);
                        rg->line = (int)xmlGetLineNo(ch);
                        if ((r = get_addr(c, ch, "start", 0, true, &rg->start)) < 0 ||
                            (r = get_addr(c, ch, "end", 0, true, &rg->end)) < 0 ||
                            (r = parse_lease_child(c, ch, &rg->lease)) < 0)
                                return r;
                } else if (is_plain(ch, "host")) {
                        if ((r = parse_dhcp_host(c, ch, ip)) < 0)
                                return r;
                } else if (is_plain(ch, "bootp")) {
                        char buf[VN_ADDR_STRLEN];

                        if (have_bootp)
                                return duplicate(c, ch);
                        have_bootp = true;
                        if (ip->af != AF_INET)
                                return perr(c, ch, NULL, "<bootp> is only supported for IPv4");
                        ip->has_bootp = true;
                        if ((r = get_required(c, ch, "file", &ip->bootp_file)) < 0)
                                return r;
                        if (!*ip->bootp_file)
                                return perr(c, ch, "file", "empty bootp file name");
                        if ((r = get_addr(c, ch, "server", 0, false, &ip->bootp_server_addr)) < 0)
                                return r;
                        if (vn_addr_is_set(&ip->bootp_server_addr) &&
                            !(ip->bootp_server =
                                  strdup(vn_addr_format(&ip->bootp_server_addr, buf))))
                                return oom(c);
                } else {
                        return unknown_child(c, ch, n, "range, host, bootp");
                }
        }
        return 0;
}

static int parse_ip(struct pctx *c, xmlNode *n)
{
        struct vn_net *net = c->net;
        struct vn_ip *ip;
        _cleanup_free_ char *addr = NULL;
        bool have_dhcp = false, have_tftp = false;
        int r;

        if (!(ip = grow(&net->ips, &net->n_ips, sizeof(*ip))))
                return oom(c);
        ip->line = (int)xmlGetLineNo(n);
        if ((r = attr_dup(c, n, "family", &ip->family)) < 0)
                return r;
        if (ip->family && strcmp(ip->family, "ipv4") != 0 && strcmp(ip->family, "ipv6") != 0)
                return perr(c, n, "family", "unrecognized family (allowed: ipv4, ipv6)");
        ip->af = ip->family && strcmp(ip->family, "ipv6") == 0 ? AF_INET6 : AF_INET;
        if (!(addr = attr_get(n, "address")))
                return perr(c, n, NULL, "missing required address attribute in network '%s'",
                            net->name);
        if (vn_addr_parse_family(addr, ip->af, &ip->address) < 0) {
                struct vn_addr other;

                if (vn_addr_parse(addr, &other) == 0)
                        return perr(c, n, "address",
                                    "%s address with family '%s' (set family='%s')",
                                    other.family == AF_INET6 ? "IPv6" : "IPv4",
                                    ip->family ? ip->family : "ipv4 (default)",
                                    other.family == AF_INET6 ? "ipv6" : "ipv4");
                return perr(c, n, "address", "invalid %s address '%s'", family_word(ip->af, NULL),
                            addr);
        }
        if (has_attr(n, "netmask")) {
                if (ip->af == AF_INET6)
                        return perr(c, n, "netmask",
                                    "netmask not allowed for an IPv6 address (use prefix)");
                if ((r = get_addr(c, n, "netmask", AF_INET, true, &ip->netmask)) < 0)
                        return r;
                if (vn_netmask_to_prefix(&ip->netmask) < 0)
                        return perr(c, n, "netmask",
                                    "invalid netmask (the one bits must be contiguous)");
                ip->has_netmask = true;
        }
        if ((r = get_uint(c, n, "prefix", 0, ip->af == AF_INET6 ? 128 : 32, &ip->prefix,
                          &ip->has_prefix)) < 0)
                return r;
        if (ip->has_prefix && ip->has_netmask)
                return perr(c, n, "prefix",
                            "an IP address cannot have both a prefix and a netmask");
        if ((r = get_tristate(c, n, "localPtr", &ip->local_ptr)) < 0)
                return r;

        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch) || ch->ns)
                        continue;
                if (is_plain(ch, "dhcp")) {
                        if (have_dhcp)
                                return duplicate(c, ch);
                        have_dhcp = ip->has_dhcp = true;
                        if ((r = parse_dhcp(c, ch, ip)) < 0)
                                return r;
                } else if (is_plain(ch, "tftp")) {
                        if (have_tftp)
                                return duplicate(c, ch);
                        have_tftp = true;
                        if (ip->af != AF_INET)
                                return perr(c, ch, NULL,
                                            "unsupported <tftp> element in an IPv6 <ip>");
                        if ((r = get_required(c, ch, "root", &ip->tftp_root)) < 0)
                                return r;
                } else {
                        return unknown_child(c, ch, n, "dhcp, tftp");
                }
        }
        return 0;
}

/* ------------------------------------------------------------ <route> */

static int parse_route(struct pctx *c, xmlNode *n)
{
        struct vn_net *net = c->net;
        struct vn_route *rt;
        unsigned long long metric;
        int r;

        if (!(rt = grow(&net->routes, &net->n_routes, sizeof(*rt))))
                return oom(c);
        rt->line = (int)xmlGetLineNo(n);
        if ((r = attr_dup(c, n, "family", &rt->family)) < 0)
                return r;
        if (rt->family && strcmp(rt->family, "ipv4") != 0 && strcmp(rt->family, "ipv6") != 0)
                return perr(c, n, "family", "unrecognized family (allowed: ipv4, ipv6)");
        rt->af = rt->family && strcmp(rt->family, "ipv6") == 0 ? AF_INET6 : AF_INET;
        if ((r = get_addr(c, n, "address", rt->af, true, &rt->address)) < 0 ||
            (r = get_addr(c, n, "gateway", rt->af, true, &rt->gateway)) < 0)
                return r;
        if (has_attr(n, "netmask")) {
                if (rt->af == AF_INET6)
                        return perr(c, n, "netmask",
                                    "netmask not allowed for an IPv6 route (use prefix)");
                if ((r = get_addr(c, n, "netmask", AF_INET, true, &rt->netmask)) < 0)
                        return r;
                if (vn_netmask_to_prefix(&rt->netmask) < 0)
                        return perr(c, n, "netmask",
                                    "invalid netmask (the one bits must be contiguous)");
                rt->has_netmask = true;
        }
        if ((r = get_uint(c, n, "prefix", 0, rt->af == AF_INET6 ? 128 : 32, &rt->prefix,
                          &rt->has_prefix)) < 0)
                return r;
        if (rt->has_prefix && rt->has_netmask)
                return perr(c, n, "prefix", "a route cannot have both a prefix and a netmask");
        if ((r = get_ull(c, n, "metric", 10, 1, UINT_MAX, &metric, &rt->has_metric)) < 0)
                return r;
        rt->metric = (unsigned)metric;
        return 0;
}

/* ------------------------------------------------------------ namespaces */

static int parse_dnsmasq(struct pctx *c, xmlNode *n)
{
        struct vn_net *net = c->net;

        if (!xmlStrEqual(n->name, BAD_CAST "options"))
                return perr(c, n, NULL,
                            "unknown element in the dnsmasq namespace (allowed: "
                            "options)");
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                char **slot;

                if (!is_elem(ch))
                        continue;
                if (!in_ns(ch, DNSMASQ_NS) || !xmlStrEqual(ch->name, BAD_CAST "option"))
                        return unknown_child(c, ch, n, "dnsmasq:option");
                if (!has_attr(ch, "value"))
                        return perr(c, ch, NULL, "no dnsmasq option value specified");
                if (!(slot = grow(&net->dnsmasq_options, &net->n_dnsmasq_options, sizeof(*slot))) ||
                    !(*slot = attr_get(ch, "value")))
                        return oom(c);
        }
        return 0;
}

static int parse_port_range(struct pctx *c, xmlNode *n, const char *attr, unsigned *start,
                            unsigned *end, bool *present)
{
        _cleanup_free_ char *v = attr_get(n, attr);
        unsigned long a, b;
        char *e;

        *present = v != NULL;
        if (!v)
                return 0;
        if (!isdigit((unsigned char)v[0]))
                goto bad;
        errno = 0;
        a = strtoul(v, &e, 10);
        b = a;
        if (errno)
                goto bad;
        if (*e == '-') {
                char *s2 = e + 1;

                if (!isdigit((unsigned char)*s2))
                        goto bad;
                b = strtoul(s2, &e, 10);
                if (errno)
                        goto bad;
        }
        if (*e)
                goto bad;
        if (a < 1 || a > 65535 || b < 1 || b > 65535)
                return perr(c, n, attr, "port out of range (allowed: 1-65535)");
        if (a > b)
                return perr(c, n, attr, "port range start %lu is after end %lu", a, b);
        *start = (unsigned)a;
        *end = (unsigned)b;
        return 0;
bad:
        return perr(c, n, attr, "invalid port '%s' (expected N or N-M, 1-65535)", v);
}

static int parse_vnet_forward(struct pctx *c, xmlNode *n)
{
        static const char *const known[] = {"proto", "port", "to", "toport", "mac", "address"};
        struct vn_ext *ext = &c->net->ext;
        struct vn_port_forward *pf;
        _cleanup_free_ char *proto = attr_get(n, "proto");
        bool present;
        int r;

        for (xmlAttr *a = n->properties; a; a = a->next) {
                size_t i;

                for (i = 0; i < VN_ARRAY_SIZE(known); i++)
                        if (!a->ns && xmlStrEqual(a->name, BAD_CAST known[i]))
                                break;
                if (i == VN_ARRAY_SIZE(known))
                        return perr(c, n, NULL,
                                    "unknown attribute '%s' (allowed: proto, port, to, toport, "
                                    "mac, address)",
                                    (const char *)a->name);
        }
        if (!(pf = grow(&ext->forwards, &ext->n_forwards, sizeof(*pf))))
                return oom(c);
        pf->line = (int)xmlGetLineNo(n);
        if (!proto || strcmp(proto, "tcp") == 0)
                pf->proto = VN_PROTO_TCP;
        else if (strcmp(proto, "udp") == 0)
                pf->proto = VN_PROTO_UDP;
        else if (strcmp(proto, "sctp") == 0)
                pf->proto = VN_PROTO_SCTP;
        else
                return perr(c, n, "proto", "unknown protocol (allowed: tcp, udp, sctp)");
        if ((r = parse_port_range(c, n, "port", &pf->port_start, &pf->port_end, &present)) < 0)
                return r;
        if (!present)
                return perr(c, n, NULL, "missing required attribute 'port' (N or N-M)");
        if ((r = parse_port_range(c, n, "toport", &pf->toport_start, &pf->toport_end,
                                  &pf->has_toport)) < 0)
                return r;
        if (!pf->has_toport) {
                pf->toport_start = pf->port_start;
                pf->toport_end = pf->port_end;
        } else if (pf->toport_start != pf->toport_end &&
                   pf->toport_end - pf->toport_start != pf->port_end - pf->port_start) {
                return perr(c, n, "toport",
                            "toport range %u-%u has a different length than port range %u-%u",
                            pf->toport_start, pf->toport_end, pf->port_start, pf->port_end);
        }
        if (has_attr(n, "to") == has_attr(n, "mac"))
                return perr(c, n, NULL,
                            "exactly one of 'to' (guest IP) or 'mac' (guest MAC) is required");
        if (has_attr(n, "to") && (r = get_addr(c, n, "to", 0, true, &pf->to)) < 0)
                return r;
        if (has_attr(n, "mac")) {
                if ((r = parse_mac(c, n, "mac", pf->mac)) < 0)
                        return r;
                pf->has_mac = true;
        }
        if ((r = get_addr(c, n, "address", 0, false, &pf->address)) < 0)
                return r;
        if (vn_addr_is_set(&pf->address) && vn_addr_is_set(&pf->to) &&
            pf->address.family != pf->to.family)
                return perr(c, n, "address", "host address and 'to' are of different families");
        return 0;
}

/* Reject attributes outside `known` (NULL-terminated): a typo must not silently fall back to a
 * default on a network that spans hosts. */
static int only_attrs(struct pctx *c, xmlNode *n, const char *const *known, const char *allowed)
{
        for (xmlAttr *a = n->properties; a; a = a->next) {
                bool ok = false;

                for (size_t i = 0; known[i]; i++)
                        if (!a->ns && xmlStrEqual(a->name, BAD_CAST known[i]))
                                ok = true;
                if (!ok)
                        return perr(c, n, NULL, "unknown attribute '%s' (allowed: %s)",
                                    (const char *)a->name, allowed);
        }
        return 0;
}

static int overlay_addr_push(struct pctx *c, xmlNode *n, struct vn_addr **arr, int **lines,
                             size_t *cnt)
{
        static const char *const known[] = {"address", NULL};
        struct vn_addr a = {0}, *na;
        int *nl, r;

        if ((r = only_attrs(c, n, known, "address")) < 0 ||
            (r = get_addr(c, n, "address", AF_INET, true, &a)) < 0)
                return r;
        na = realloc(*arr, (*cnt + 1) * sizeof(**arr));
        if (!na)
                return oom(c);
        *arr = na;
        nl = realloc(*lines, (*cnt + 1) * sizeof(**lines));
        if (!nl)
                return oom(c);
        *lines = nl;
        na[*cnt] = a;
        nl[*cnt] = (int)xmlGetLineNo(n);
        (*cnt)++;
        return 0;
}

/* <vnet:overlay type vni local|local-dev port mtu gateway asn> with <vnet:peer> and
 * <vnet:bgp-peer> children. Syntax only; the rules between fields live in check.c. */
static int parse_vnet_overlay(struct pctx *c, xmlNode *n)
{
        static const char *const known[] = {"type", "vni", "local", "local-dev", "port",
                                            "mtu",  "gateway", "asn", NULL};
        struct vn_overlay *o = &c->net->ext.overlay;
        _cleanup_free_ char *type = attr_get(n, "type");
        int r;

        o->n_elems++;
        if (o->n_elems > 1)
                return perr(c, n, NULL, "only one <vnet:overlay> per network");
        o->line = (int)xmlGetLineNo(n);
        if ((r = only_attrs(c, n, known, "type, vni, local, local-dev, port, mtu, gateway, asn")) <
            0)
                return r;
        if (!type)
                return perr(c, n, NULL, "missing required attribute 'type' (vxlan or evpn)");
        if (strcmp(type, "vxlan") == 0)
                o->type = VN_OVERLAY_VXLAN;
        else if (strcmp(type, "evpn") == 0)
                o->type = VN_OVERLAY_EVPN;
        else
                return perr(c, n, "type", "unknown overlay type (allowed: vxlan, evpn)");
        if (!has_attr(n, "vni"))
                return perr(c, n, NULL, "missing required attribute 'vni' (1-16777215)");
        if ((r = get_uint(c, n, "vni", 1, 16777215, &o->vni, NULL)) < 0 ||
            (r = get_addr(c, n, "local", AF_INET, false, &o->local)) < 0 ||
            (r = attr_dup(c, n, "local-dev", &o->local_dev)) < 0 ||
            (r = get_uint(c, n, "port", 1, 65535, &o->port, NULL)) < 0 ||
            (r = get_uint(c, n, "mtu", 68, 65535, &o->mtu, NULL)) < 0 ||
            (r = get_addr(c, n, "gateway", AF_INET, false, &o->gateway)) < 0 ||
            (r = get_uint(c, n, "asn", 1, 4294967295u, &o->asn, NULL)) < 0)
                return r;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch))
                        continue;
                if (in_ns(ch, VNET_NS) && xmlStrEqual(ch->name, BAD_CAST "peer"))
                        r = overlay_addr_push(c, ch, &o->peers, &o->peer_lines, &o->n_peers);
                else if (in_ns(ch, VNET_NS) && xmlStrEqual(ch->name, BAD_CAST "bgp-peer"))
                        r = overlay_addr_push(c, ch, &o->bgp_peers, &o->bgp_peer_lines,
                                              &o->n_bgp_peers);
                else
                        r = unknown_child(c, ch, n, "vnet:peer, vnet:bgp-peer");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_vnet(struct pctx *c, xmlNode *n)
{
        struct vn_ext *ext = &c->net->ext;
        int r;

        if (!xmlStrEqual(n->name, BAD_CAST "network"))
                return perr(c, n, NULL,
                            "unknown element in the vnet namespace %s (allowed: "
                            "network)",
                            VNET_NS);
        if (ext->present)
                return duplicate(c, n);
        ext->present = true;
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                if (!is_elem(ch))
                        continue;
                if (!in_ns(ch, VNET_NS)) {
                        if (!ch->ns)
                                return perr(c, ch, NULL,
                                            "element without namespace inside <%s:network> "
                                            "(use the vnet namespace %s)",
                                            n->ns->prefix ? (const char *)n->ns->prefix : "vnet",
                                            VNET_NS);
                        continue; /* someone else's extension */
                }
                if (xmlStrEqual(ch->name, BAD_CAST "overlay")) {
                        if ((r = parse_vnet_overlay(c, ch)) < 0)
                                return r;
                        continue;
                }
                if (!xmlStrEqual(ch->name, BAD_CAST "forward"))
                        return perr(c, ch, NULL,
                                    "unknown element in the vnet namespace (allowed: forward, "
                                    "overlay)");
                if ((r = parse_vnet_forward(c, ch)) < 0)
                        return r;
        }
        return 0;
}

/* Serialise one metadata child the way libvirt re-emits it: a standalone
 * copy (so namespace declarations land on the child itself), dumped at the
 * indentation level it has in the canonical document. */
static int dump_metadata_child(struct pctx *c, xmlNode *child, struct vn_buf *out)
{
        xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNode *copy;
        xmlBuffer *buf = NULL;
        int r = 0;

        if (!doc)
                return oom(c);
        copy = xmlDocCopyNode(child, doc, 1);
        if (!copy) {
                r = oom(c);
                goto out;
        }
        xmlDocSetRootElement(doc, copy);
        buf = xmlBufferCreate();
        if (!buf || xmlNodeDump(buf, doc, copy, 2, 1) < 0) {
                r = oom(c);
                goto out;
        }
        vn_buf_add(out, "    ");
        vn_buf_addn(out, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
        vn_buf_add(out, "\n");
out:
        if (buf)
                xmlBufferFree(buf);
        xmlFreeDoc(doc);
        return r;
}

static int parse_metadata(struct pctx *c, xmlNode *n)
{
        struct vn_net *net = c->net;
        _cleanup_buf_ struct vn_buf out = {0};
        bool any = false;
        int r;

        if (net->metadata_xml)
                return duplicate(c, n);
        for (xmlNode *ch = n->children; ch; ch = ch->next) {
                bool dup = false;

                if (!is_elem(ch))
                        continue;
                /* libvirt keeps only namespaced children, the first per
                 * namespace (virXMLNodeSanitizeNamespaces) */
                if (!ch->ns || !ch->ns->href)
                        continue;
                for (xmlNode *p = n->children; p != ch; p = p->next)
                        if (is_elem(p) && p->ns && p->ns->href &&
                            xmlStrEqual(p->ns->href, ch->ns->href))
                                dup = true;
                if (in_ns(ch, VNET_NS)) {
                        if (dup)
                                return perr(c, ch, NULL,
                                            "only one element of the vnet namespace is allowed "
                                            "in <metadata>");
                        if ((r = parse_vnet(c, ch)) < 0)
                                return r;
                }
                if (dup)
                        continue;
                any = true;
                if ((r = dump_metadata_child(c, ch, &out)) < 0)
                        return r;
        }
        if (!any)
                return 0; /* nothing libvirt would keep */
        if (!(net->metadata_xml = vn_buf_steal(&out)))
                return oom(c);
        return 0;
}

/* ------------------------------------------------------------ <network> */

static int check_mode_rules(struct pctx *c, xmlNode *root)
{
        struct vn_net *net = c->net;
        const struct vn_forward *fwd = &net->forward;
        const char *mode = vn_fwd_mode_name(fwd->mode);
        const char *name = net->name;
        const char *src = c->source;
        int ln = fwd->line;
        switch (fwd->mode) {
        case VN_FWD_NONE:
                break;
        case VN_FWD_NAT:
        case VN_FWD_ROUTE:
                if (net->n_ips == 0)
                        return vn_err(c->err, -EINVAL,
                                      "%s:%d: <forward mode='%s'>: %s forwarding requested, but no "
                                      "IP address provided for network '%s' (add an <ip> element)",
                                      src, ln, mode, mode, name);
                if (fwd->n_ifs > 1)
                        return vn_err(c->err, -EINVAL,
                                      "%s:%d: <forward mode='%s'>: multiple forwarding interfaces "
                                      "specified for network '%s', only one is supported",
                                      src, ln, mode, name);
                break;
        case VN_FWD_OPEN:
                if (fwd->n_ifs || fwd->n_pfs || fwd->n_pcis)
                        return vn_err(c->err, -EINVAL,
                                      "%s:%d: <forward mode='open'>: forward dev not allowed for "
                                      "network '%s' with forward mode='open'",
                                      src, ln, name);
                break;
        case VN_FWD_PRIVATE:
        case VN_FWD_VEPA:
        case VN_FWD_PASSTHROUGH:
        case VN_FWD_HOSTDEV:
                if (net->bridge.name || net->bridge.zone || net->bridge.mac_table_manager)
                        return vn_err(c->err, -EINVAL,
                                      "%s:%d: <bridge>: bridge name, zone and macTableManager "
                                      "are not allowed in %s mode (network '%s')",
                                      c->source, net->bridge.line, mode, name);
                /* fall through */
        case VN_FWD_BRIDGE:
                if (net->bridge.delay || net->bridge.stp || net->bridge.zone)
                        return vn_err(c->err, -EINVAL,
                                      "%s:%d: <bridge>: bridge delay/stp/zone options only "
                                      "allowed in open, route, nat, and isolated mode, not in "
                                      "%s (network '%s')",
                                      c->source, net->bridge.line, mode, name);
                if (net->bridge.name && (fwd->n_ifs || fwd->n_pfs))
                        return vn_err(c->err, -EINVAL,
                                      "%s:%d: <bridge name='%s'>: a network with forward "
                                      "mode='%s' can specify a bridge name or a forward dev, "
                                      "but not both (network '%s')",
                                      c->source, net->bridge.line, net->bridge.name, mode, name);
                if (net->mtu)
                        return vn_err(c->err, -EINVAL,
                                      "%s: <mtu>: mtu size only allowed in open, route, nat, "
                                      "and isolated mode, not in %s (network '%s')",
                                      c->source, mode, name);
                break;
        default:
                return perr(c, root, NULL, "internal error: bad forward mode");
        }
        return 0;
}

static int parse_root(struct pctx *c, xmlNode *root)
{
        struct vn_net *net = c->net;
        xmlNode *name_node = NULL;
        bool have_uuid = false, have_title = false, have_desc = false, have_mtu = false;
        bool have_mac = false, have_port = false, have_md = false;
        int r;

        if (root->ns || !xmlStrEqual(root->name, BAD_CAST "network"))
                return perr(c, root, NULL, "root element must be <network>");
        net->line = (int)xmlGetLineNo(root);

        /* the name first: other messages mention it */
        for (xmlNode *ch = root->children; ch; ch = ch->next) {
                if (!is_plain(ch, "name"))
                        continue;
                if (name_node)
                        return duplicate(c, ch);
                name_node = ch;
                if ((r = text_dup(c, ch, &net->name)) < 0)
                        return r;
        }
        if (!name_node)
                return perr(c, root, NULL, "missing <name> element (the network name)");
        if (!*net->name)
                return perr(c, name_node, NULL, "empty network name");
        if (strchr(net->name, '/'))
                return perr(c, name_node, NULL, "network name '%s' contains illegal character '/'",
                            net->name);

        {
                _cleanup_free_ char *v6 = attr_get(root, "ipv6");

                if (v6 && strcmp(v6, "yes") && strcmp(v6, "no"))
                        return perr(c, root, "ipv6",
                                    "invalid ipv6 setting in network '%s' (allowed: yes, no)",
                                    net->name);
                if (v6)
                        net->ipv6 = strcmp(v6, "yes") == 0 ? VN_YES : VN_NO;
        }
        if ((r = get_tristate(c, root, "trustGuestRxFilters", &net->trust_guest_rx_filters)) < 0 ||
            (r = get_uint(c, root, "connections", 0, INT_MAX, &net->connections, NULL)) < 0)
                return r;

        for (xmlNode *ch = root->children; ch; ch = ch->next) {
                if (!is_elem(ch))
                        continue;
                if (ch->ns) {
                        if (in_ns(ch, DNSMASQ_NS)) {
                                if ((r = parse_dnsmasq(c, ch)) < 0)
                                        return r;
                        } else if (in_ns(ch, VNET_NS)) {
                                return perr(c, ch, NULL,
                                            "vnet extensions belong inside <metadata>");
                        }
                        continue; /* foreign namespaces are ignored, as libvirt does */
                }
                if (is_plain(ch, "name")) {
                        continue;
                } else if (is_plain(ch, "uuid")) {
                        _cleanup_free_ char *u = NULL;

                        if (have_uuid)
                                return duplicate(c, ch);
                        have_uuid = true;
                        if ((r = text_dup(c, ch, &u)) < 0)
                                return r;
                        if (vn_uuid_parse(u, net->uuid) < 0)
                                return perr(c, ch, NULL,
                                            "malformed uuid '%.64s' (expected 32 hex digits, "
                                            "e.g. 81ff0d90-c91e-6742-64da-4a736edb9a9b)",
                                            u);
                        net->has_uuid = true;
                } else if (is_plain(ch, "title")) {
                        if (have_title)
                                return duplicate(c, ch);
                        have_title = true;
                        if ((r = text_dup(c, ch, &net->title)) < 0)
                                return r;
                        if (strchr(net->title, '\n'))
                                return perr(c, ch, NULL, "network title can't contain newlines");
                } else if (is_plain(ch, "description")) {
                        if (have_desc)
                                return duplicate(c, ch);
                        have_desc = true;
                        if ((r = text_dup(c, ch, &net->description)) < 0)
                                return r;
                } else if (is_plain(ch, "metadata")) {
                        if (have_md)
                                return duplicate(c, ch);
                        have_md = true;
                        if ((r = parse_metadata(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "forward")) {
                        if ((r = parse_forward(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "bridge")) {
                        if ((r = parse_bridge(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "mtu")) {
                        bool present;

                        if (have_mtu)
                                return duplicate(c, ch);
                        have_mtu = true;
                        if ((r = get_uint(c, ch, "size", 0, UINT_MAX, &net->mtu, &present)) < 0)
                                return r;
                        if (!present)
                                return perr(c, ch, NULL, "missing required attribute 'size'");
                } else if (is_plain(ch, "mac")) {
                        if (have_mac)
                                return duplicate(c, ch);
                        have_mac = true;
                        if ((r = parse_mac(c, ch, "address", net->mac)) < 0)
                                return r;
                        net->has_mac = true;
                } else if (is_plain(ch, "domain")) {
                        if ((r = parse_domain(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "dns")) {
                        if ((r = parse_dns(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "vlan")) {
                        if ((r = parse_vlan(c, ch, &net->vlan)) < 0)
                                return r;
                } else if (is_plain(ch, "bandwidth")) {
                        if ((r = parse_bandwidth(c, ch, &net->bandwidth)) < 0)
                                return r;
                } else if (is_plain(ch, "port")) {
                        if (have_port)
                                return duplicate(c, ch);
                        have_port = true;
                        if ((r = get_tristate(c, ch, "isolated", &net->port_isolated)) < 0)
                                return r;
                } else if (is_plain(ch, "virtualport")) {
                        if ((r = parse_virtualport(c, ch, &net->virtualport, true)) < 0)
                                return r;
                } else if (is_plain(ch, "portgroup")) {
                        if ((r = parse_portgroup(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "ip")) {
                        if ((r = parse_ip(c, ch)) < 0)
                                return r;
                } else if (is_plain(ch, "route")) {
                        if ((r = parse_route(c, ch)) < 0)
                                return r;
                } else {
                        return unknown_child(c, ch, root,
                                             "name, uuid, title, description, metadata, "
                                             "forward, bridge, mtu, mac, domain, dns, vlan, "
                                             "bandwidth, port, ip, route, virtualport, "
                                             "portgroup, dnsmasq:options");
                }
        }
        if (!net->has_uuid) {
                vn_uuid_generate(net->uuid);
                net->has_uuid = true;
                net->uuid_generated = true;
        }
        return check_mode_rules(c, root);
}

/* ------------------------------------------------------------ loading */

struct load_state {
        struct pctx *c;
        bool dtd;
        bool have_error;
        char msg[VN_ERR_MSG_MAX];
};

static void on_xml_error(void *data, xmlError *e)
{
        xmlParserCtxt *ctxt = data;
        struct load_state *st = ctxt ? ctxt->_private : NULL;
        size_t n;

        if (!st || !e || st->have_error || e->level < XML_ERR_ERROR)
                return;
        st->have_error = true;
        snprintf(st->msg, sizeof(st->msg), "%s:%d: %s", st->c->source, e->line,
                 e->message ? e->message : "XML parse error");
        n = strlen(st->msg);
        while (n > 0 && (st->msg[n - 1] == '\n' || st->msg[n - 1] == ' '))
                st->msg[--n] = '\0';
}

/* A DOCTYPE is where entity declarations live (XXE, "billion laughs");
 * network XML never needs one, so the parser stops right there. */
static void on_internal_subset(void *data, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id)
{
        xmlParserCtxt *ctxt = data;
        struct load_state *st = ctxt->_private;

        (void)name;
        (void)ext_id;
        (void)sys_id;
        if (!st->dtd) {
                st->dtd = true;
                snprintf(st->msg, sizeof(st->msg),
                         "%s:%d: <!DOCTYPE>: document type declarations (DTDs, entity "
                         "declarations) are not allowed in network XML",
                         st->c->source, xmlSAX2GetLineNumber(ctxt));
        }
        xmlStopParser(ctxt);
}

static void on_entity_decl(void *data, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
        (void)name;
        (void)type;
        (void)public_id;
        (void)system_id;
        (void)content;
        on_internal_subset(data, NULL, NULL, NULL);
}

int vn_net_parse_buffer(const char *buf, size_t len, const char *source, struct vn_net **out,
                        struct vn_error *err)
{
        struct vn_net *net = NULL;
        struct load_state st = {0};
        struct pctx c = {.source = source ? source : "(network XML)", .err = err};
        xmlParserCtxt *ctxt = NULL;
        xmlDoc *doc = NULL;
        int r;

        st.c = &c;
        if (!buf)
                return vn_err(err, -EINVAL, "%s: no document", c.source);
        if (len > VN_XML_MAX_SIZE)
                return vn_err(err, -EFBIG,
                              "%s: document is %zu bytes, larger than the %u byte (1 MiB) limit",
                              c.source, len, VN_XML_MAX_SIZE);
        if (len > INT_MAX)
                return vn_err(err, -EFBIG, "%s: document too large", c.source);

        ctxt = xmlNewParserCtxt();
        if (!ctxt)
                return vn_err(err, -ENOMEM, "%s: out of memory", c.source);
        ctxt->_private = &st;
        ctxt->sax->serror = on_xml_error;
        ctxt->sax->internalSubset = on_internal_subset;
        ctxt->sax->entityDecl = on_entity_decl;
        ctxt->vctxt.error = NULL;
        ctxt->vctxt.warning = NULL;

        /* no network, no entity substitution, no DTD loading, no huge
         * documents; keep blanks so <metadata> round-trips verbatim */
        doc = xmlCtxtReadMemory(ctxt, buf, (int)len, c.source, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR |
                                    XML_PARSE_BIG_LINES);
        if (st.dtd) {
                r = vn_err(err, -EINVAL, "%s", st.msg);
                goto out;
        }
        if (!doc || !ctxt->wellFormed) {
                if (st.have_error)
                        r = vn_err(err, -EINVAL, "%s", st.msg);
                else
                        r = vn_err(err, -EINVAL, "%s: not a well-formed XML document", c.source);
                goto out;
        }
        if (doc->intSubset || doc->extSubset) {
                r = vn_err(err, -EINVAL, "%s: document type declarations are not allowed",
                           c.source);
                goto out;
        }

        net = calloc(1, sizeof(*net));
        if (!net || !(net->source = strdup(c.source))) {
                r = vn_err(err, -ENOMEM, "%s: out of memory", c.source);
                goto out;
        }
        c.net = net;
        r = parse_root(&c, xmlDocGetRootElement(doc));
        if (r == 0) {
                *out = net;
                net = NULL;
        }
out:
        vn_net_free(net);
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return r;
}

int vn_net_parse_file(const char *path, struct vn_net **out, struct vn_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        if (!path)
                return vn_err(err, -EINVAL, "no file name");
        r = vn_read_file(path, VN_XML_MAX_SIZE, &data, &len);
        if (r == -EFBIG)
                return vn_err(err, r, "%s: file is larger than the %u byte (1 MiB) limit", path,
                              VN_XML_MAX_SIZE);
        if (r < 0)
                return vn_err(err, r, "%s: cannot read: %s", path, strerror(-r));
        return vn_net_parse_buffer(data, len, path, out, err);
}
