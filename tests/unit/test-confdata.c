/*
 * test-confdata.c: libvirt's own dnsmasq test suite (networkxml2confdata, libvirt v11.3.0).
 *
 * For each of its 27 cases, plan NAME.xml with vnet and compare the dnsmasq configuration and
 * the dhcp-hostsfile with NAME.conf / NAME.hostsfile BY MEANING: comments, option order (except
 * the order of server= lines, which strict-order makes meaningful), file paths, and equivalent
 * spellings (the subnet of a static/ra-only dhcp-range, dnsmasq quoting of a TXT value,
 * dnsmasq's default SRV port/priority/weight, the field order of a dhcp-host line) are
 * normalized away. Every difference left must be one of `deliberate[]`, each documented in
 * README.md "Differences from libvirt"; anything else fails. Each deliberate difference must
 * still occur, so the list cannot rot. SKIPs (exit 77) when the conformance data is absent.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "net.h"
#include "plan.h"

#ifndef VNET_CONFORMANCE_DIR
#define VNET_CONFORMANCE_DIR ""
#endif

/* the 27 cases of libvirt v11.3.0 tests/networkxml2conftest.c */
static const char *const cases[] = {
    "isolated-network",
    "netboot-network",
    "netboot-proxy-network",
    "netboot-tftp",
    "nat-network-dns-srv-record-minimal",
    "nat-network-name-with-quotes",
    "routed-network",
    "routed-network-no-dns",
    "open-network",
    "nat-network",
    "nat-network-dns-txt-record",
    "nat-network-dns-srv-record",
    "nat-network-dns-hosts",
    "nat-network-dns-forward-plain",
    "nat-network-dns-forwarders",
    "nat-network-dns-forwarder-no-resolv",
    "nat-network-dns-local-domain",
    "nat-network-mtu",
    "dhcp6-network",
    "dhcp6-nat-network",
    "dhcp6host-routed-network",
    "ptr-domains-auto",
    "dnsmasq-options",
    "leasetime-seconds",
    "leasetime-minutes",
    "leasetime-hours",
    "leasetime-infinite",
};

/* Differences vnet keeps on purpose (README.md, "Differences from libvirt"). side '+': a
 * line only vnet writes; '-': a line only libvirt writes. key: the option name. */
struct deliberate {
        char side;
        const char *key;
        const char *reason;
        unsigned used;
};
static struct deliberate deliberate[] = {
    {'+', "no-ping",
     "no ICMP probe (about 3 s) before each DHCP offer: dnsmasq is the only "
     "DHCP server on a bridge vnet owns and keeps its lease file",
     0},
    {'+', "dhcp-leasefile",
     "dnsmasq keeps its own lease file (read by vnet dhcp-leases) "
     "instead of libvirt's leaseshelper script and status file",
     0},
    /* issue 13: dnsmasq reads hosts files after dropping to its user, who cannot reach them
     * under a root directory only root may traverse; its configuration it reads as root */
    {'-', "dhcp-hostsfile",
     "static DHCP hosts are dhcp-host= lines in the configuration, which dnsmasq reads as "
     "root (their contents are compared as the hostsfile below)",
     0},
    {'+', "dhcp-host", "static DHCP hosts in the configuration instead of a dhcp-hostsfile", 0},
    {'-', "addn-hosts",
     "DNS names are host-record= lines in the configuration, which dnsmasq reads as root",
     0},
    {'+', "host-record", "DNS names in the configuration instead of an addn-hosts file", 0},
};

/* A case vnet refuses on purpose, then compared under another name. */
struct refused_case {
        const char *name;
        const char *error;  /* substring of vn_net_check's message */
        const char *rename; /* compare the rest under this network name */
        const char *reason;
        unsigned used;
};
static struct refused_case refused[] = {
    {"nat-network-name-with-quotes", "invalid network name", "default",
     "network names are file names and parts of nft object names: quotes are refused", 0},
};

static char dir[4096];

static char *slurp(const char *path, bool may_be_absent)
{
        char *data = NULL;
        size_t len;
        int r = vn_read_file(path, 1 << 20, &data, &len);

        if (r == -ENOENT && may_be_absent)
                return NULL;
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        return data;
}

struct lines {
        char **v;
        size_t n;
};

static void lines_add(struct lines *l, char *s)
{
        l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
        assert_non_null(l->v);
        l->v[l->n++] = s;
}

static void lines_free(struct lines *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        l->v = NULL;
        l->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* split s at ',' into at most max fields (in place) */
static size_t split(char *s, char **f, size_t max)
{
        size_t n = 0;

        f[n++] = s;
        for (char *p = s; *p && n < max; p++)
                if (*p == ',') {
                        *p = '\0';
                        f[n++] = p + 1;
                }
        return n;
}

/* the <ip> of net whose subnet holds a */
static const struct vn_ip *ip_of(const struct vn_net *net, const struct vn_addr *a)
{
        for (size_t i = 0; i < net->n_ips; i++) {
                const struct vn_ip *ip = &net->ips[i];
                unsigned pfx = vn_ip_prefix(ip);
                struct vn_addr n1, n2;

                if (ip->address.family != a->family)
                        continue;
                vn_addr_network(&ip->address, pfx, &n1);
                vn_addr_network(a, pfx, &n2);
                if (memcmp(n1.u.bytes, n2.u.bytes, 16) == 0)
                        return ip;
        }
        return NULL;
}

/* dhcp-range=ADDR,static|ra-only[,PREFIX]: ADDR only names the subnet; libvirt writes the
 * gateway address, vnet the network address */
static char *norm_range(const struct vn_net *net, char *v)
{
        char *f[8], a[VN_ADDR_STRLEN];
        size_t n = split(v, f, 8);
        struct vn_addr addr, nw;
        const struct vn_ip *ip;

        if (n < 2 || (strcmp(f[1], "static") != 0 && strcmp(f[1], "ra-only") != 0))
                goto plain;
        if (vn_addr_parse(f[0], &addr) < 0 || !(ip = ip_of(net, &addr)))
                fail_msg("dhcp-range=%s: no <ip> holds it", f[0]);
        vn_addr_network(&addr, vn_ip_prefix(ip), &nw);
        return vn_asprintf("dhcp-range=%s/%u,%s", vn_addr_format(&nw, a), vn_ip_prefix(ip), f[1]);
plain:
        for (size_t i = 1; i < n; i++)
                f[i][-1] = ',';
        return vn_asprintf("dhcp-range=%s", v);
}

/* txt-record=NAME,"VALUE" (dnsmasq unquotes and unescapes) == txt-record=NAME,VALUE */
static char *norm_txt(char *v)
{
        char *comma = strchr(v, ',');
        struct vn_buf b = {0};

        if (!comma || comma[1] != '"')
                return vn_asprintf("txt-record=%s", v);
        *comma = '\0';
        vn_buf_addf(&b, "txt-record=%s,", v);
        for (char *p = comma + 2; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                        p++;
                vn_buf_addn(&b, p, 1);
        }
        return vn_buf_steal(&b);
}

/* srv-host=_S._P[.D][,TARGET[,PORT[,PRIO[,WEIGHT]]]]: dnsmasq's defaults are port 1,
 * priority 0, weight 0 */
static char *norm_srv(char *v)
{
        static const char *const dflt[] = {NULL, NULL, "1", "0", "0"};
        char *f[5];
        size_t n = split(v, f, 5);
        struct vn_buf b = {0};

        vn_buf_addf(&b, "srv-host=%s", f[0]);
        if (n >= 2)
                for (size_t i = 1; i < 5; i++)
                        vn_buf_addf(&b, ",%s", i < n ? f[i] : dflt[i]);
        return vn_buf_steal(&b);
}

static void norm_conf(const struct vn_net *net, const char *text, struct lines *out,
                      struct lines *servers)
{
        _cleanup_free_ char *copy = strdup(text ? text : "");
        char *save = NULL;

        assert_non_null(copy);
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(l, '='), *v = eq ? eq + 1 : NULL, *s;

                if (*l == '#' || *l == '\0')
                        continue;
                if (eq)
                        *eq = '\0';
                /* the pid file is not part of the meaning (README of the data): libvirt
                 * passes it on dnsmasq's command line */
                if (strcmp(l, "pid-file") == 0)
                        continue;
                if (strcmp(l, "dhcp-hostsfile") == 0 || strcmp(l, "addn-hosts") == 0 ||
                    strcmp(l, "dhcp-leasefile") == 0)
                        s = vn_asprintf("%s=PATH", l);
                else if (v && strcmp(l, "dhcp-range") == 0)
                        s = norm_range(net, v);
                else if (v && strcmp(l, "txt-record") == 0)
                        s = norm_txt(v);
                else if (v && strcmp(l, "srv-host") == 0)
                        s = norm_srv(v);
                else
                        s = v ? vn_asprintf("%s=%s", l, v) : strdup(l);
                assert_non_null(s);
                if (strcmp(l, "server") == 0)
                        lines_add(servers, s);
                else
                        lines_add(out, s);
        }
        /* a dhcp-range with ra-only enables RA by itself (dnsmasq.c: CONTEXT_RA sets
         * doing_ra), so enable-ra next to it is the same configuration */
        for (size_t i = 0; i < out->n; i++)
                if (strcmp(out->v[i], "enable-ra") == 0)
                        goto sort;
        for (size_t i = 0; i < out->n; i++)
                if (strncmp(out->v[i], "dhcp-range=", 11) == 0 && strstr(out->v[i], ",ra-only")) {
                        lines_add(out, strdup("enable-ra"));
                        break;
                }
sort:
        if (out->n)
                qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

/* one dhcp-host per line; dnsmasq tells its fields apart by their form */
static void norm_hosts(const char *text, struct lines *out)
{
        _cleanup_free_ char *copy = strdup(text ? text : "");
        char *save = NULL;

        assert_non_null(copy);
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *f[16];
                size_t n = split(l, f, 16);
                struct vn_buf b = {0};

                qsort(f, n, sizeof(*f), cmp_str);
                for (size_t i = 0; i < n; i++)
                        vn_buf_addf(&b, "%s%s", i ? "," : "", f[i]);
                lines_add(out, vn_buf_steal(&b));
        }
        if (out->n)
                qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

static struct deliberate *find_deliberate(char side, const char *line)
{
        size_t kl = strcspn(line, "=");

        for (size_t i = 0; i < VN_ARRAY_SIZE(deliberate); i++)
                if (deliberate[i].side == side && strlen(deliberate[i].key) == kl &&
                    strncmp(deliberate[i].key, line, kl) == 0)
                        return &deliberate[i];
        return NULL;
}

/* Differences of two sorted multisets: each must be deliberate. Returns the number that are
 * not; *n_deliberate counts the others. */
static unsigned diff_sets(const char *name, const char *what, const struct lines *lv,
                          const struct lines *vn, unsigned *n_deliberate)
{
        size_t i = 0, j = 0;
        unsigned bad = 0;

        while (i < lv->n || j < vn->n) {
                int c = i == lv->n ? 1 : j == vn->n ? -1 : strcmp(lv->v[i], vn->v[j]);
                const char *line;
                char side;
                struct deliberate *d;

                if (c == 0) {
                        i++, j++;
                        continue;
                }
                side = c < 0 ? '-' : '+';
                line = c < 0 ? lv->v[i++] : vn->v[j++];
                d = find_deliberate(side, line);
                if (d) {
                        d->used++;
                        (*n_deliberate)++;
                        continue;
                }
                print_message("%s: %s: %s %s (%s)\n", name, what,
                              c < 0 ? "libvirt only:" : "vnet only:   ", line,
                              "not a documented difference");
                bad++;
        }
        return bad;
}

static unsigned run_case(const char *name, unsigned *n_deliberate)
{
        _cleanup_free_ char *xml = vn_asprintf("%s/%s.xml", dir, name);
        _cleanup_free_ char *confp = vn_asprintf("%s/%s.conf", dir, name);
        _cleanup_free_ char *hostsp = vn_asprintf("%s/%s.hostsfile", dir, name);
        _cleanup_free_ char *want_conf = slurp(confp, false);
        _cleanup_free_ char *want_hosts = slurp(hostsp, true);
        _cleanup_free_ char *run = NULL;
        struct lines lv = {0}, vn = {0}, lvs = {0}, vns = {0}, lvh = {0}, vnh = {0};
        struct vn_plan_opts opts = {0};
        struct vn_error err = {0};
        struct vn_plan *p = NULL;
        struct vn_net *net = NULL;
        unsigned bad = 0;

        if (vn_net_parse_file(xml, &net, &err) < 0)
                fail_msg("%s: parse: %s", name, err.msg);
        for (size_t i = 0; i < VN_ARRAY_SIZE(refused); i++) {
                if (strcmp(refused[i].name, name) != 0)
                        continue;
                memset(&err, 0, sizeof(err));
                if (vn_net_check(net, &err) == 0 || !strstr(err.msg, refused[i].error))
                        fail_msg("%s: expected a refusal containing '%s', got '%s'", name,
                                 refused[i].error, err.msg);
                free(net->name);
                net->name = strdup(refused[i].rename);
                assert_non_null(net->name);
                refused[i].used++;
                (*n_deliberate)++;
        }
        memset(&err, 0, sizeof(err));
        if (vn_net_check(net, &err) < 0)
                fail_msg("%s: check: %s", name, err.msg);
        run = vn_asprintf("/run/vnet/%s", net->name);
        opts.run_dir = run;
        opts.fw = VN_FW_NFT;
        opts.dnsmasq_path = "/usr/sbin/dnsmasq";
        if (vn_plan_build(net, &opts, &p, &err) < 0)
                fail_msg("%s: plan: %s", name, err.msg);

        /* DNS disabled and no DHCP: libvirt's driver starts no dnsmasq either
         * (networkStartDhcpDaemon); its test only renders the file, which serves nothing */
        if (!p->dnsmasq) {
                if (!strstr(want_conf, "\nport=0\n") || strstr(want_conf, "dhcp-range") ||
                    strstr(want_conf, "enable-ra") || want_hosts) {
                        print_message("%s: vnet runs no dnsmasq, but libvirt's serves something\n",
                                      name);
                        bad++;
                }
                goto out;
        }
        norm_conf(net, want_conf, &lv, &lvs);
        norm_conf(net, p->dnsmasq_conf, &vn, &vns);
        bad += diff_sets(name, "conf", &lv, &vn, n_deliberate);
        /* strict-order: the upstream servers are tried in the order written */
        if (lvs.n != vns.n) {
                print_message("%s: %zu server= lines in libvirt's, %zu in vnet's\n", name, lvs.n,
                              vns.n);
                bad++;
        } else {
                for (size_t i = 0; i < lvs.n; i++)
                        if (strcmp(lvs.v[i], vns.v[i]) != 0) {
                                print_message("%s: server line %zu: libvirt %s, vnet %s\n", name,
                                              i + 1, lvs.v[i], vns.v[i]);
                                bad++;
                        }
        }
        norm_hosts(want_hosts, &lvh);
        norm_hosts(p->dnsmasq_hosts, &vnh);
        bad += diff_sets(name, "hostsfile", &lvh, &vnh, n_deliberate);
out:
        lines_free(&lv);
        lines_free(&vn);
        lines_free(&lvs);
        lines_free(&vns);
        lines_free(&lvh);
        lines_free(&vnh);
        vn_plan_free(p);
        vn_net_free(net);
        return bad;
}

static void test_confdata(void **state)
{
        unsigned identical = 0, with_deliberate = 0, failed = 0;

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                unsigned n_del = 0, bad = run_case(cases[i], &n_del);

                if (bad)
                        failed++;
                else if (n_del)
                        with_deliberate++;
                else
                        identical++;
        }
        print_message("confdata: %zu cases: %u equivalent, %u equivalent but for deliberate "
                      "differences, %u with undocumented differences\n",
                      VN_ARRAY_SIZE(cases), identical, with_deliberate, failed);
        for (size_t i = 0; i < VN_ARRAY_SIZE(deliberate); i++) {
                print_message("deliberate: %c%s in %u places: %s\n", deliberate[i].side,
                              deliberate[i].key, deliberate[i].used, deliberate[i].reason);
                assert_true(deliberate[i].used > 0);
        }
        for (size_t i = 0; i < VN_ARRAY_SIZE(refused); i++) {
                print_message("deliberate: %s refused: %s\n", refused[i].name, refused[i].reason);
                assert_true(refused[i].used > 0);
        }
        assert_int_equal(VN_ARRAY_SIZE(cases), 27);
        assert_int_equal(failed, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_confdata),
        };
        const char *base = getenv("VNET_CONFORMANCE_DIR");
        struct stat st;

        if (!base || !*base)
                base = VNET_CONFORMANCE_DIR;
        snprintf(dir, sizeof(dir), "%s/libvirt-networkxml2confdata", base);
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                printf("SKIP: libvirt's dnsmasq test data not found at %s (set "
                       "VNET_CONFORMANCE_DIR)\n",
                       dir);
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
