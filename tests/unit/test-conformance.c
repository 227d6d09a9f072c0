/*
 * test-conformance.c: libvirt's own networkxml2xml round-trip data.
 *
 * For each case of libvirt v11.3 tests/networkxml2xmltest.c, parse
 * in/NAME.xml and compare vn_net_format() byte for byte with
 * out/NAME.xml; the parse-error cases must be rejected with a message that
 * names the problem. Also format(parse(out/X)) == out/X (idempotence).
 * SKIPs (exit 77) when the conformance directory is absent.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "net.h"

#ifndef VNET_CONFORMANCE_DIR
#define VNET_CONFORMANCE_DIR ""
#endif

struct tcase {
        const char *name;
        unsigned flags;
        const char *error; /* expected substring of the parse error, or NULL */
};

/* the table of tests/networkxml2xmltest.c (libvirt v11.3.0), in order */
static const struct tcase cases[] = {
    {"dhcp6host-routed-network", 0, NULL},
    {"empty-allow-ipv6", 0, NULL},
    {"isolated-network", 0, NULL},
    {"routed-network", 0, NULL},
    {"routed-network-no-dns", 0, NULL},
    {"routed-network-no-dns-extra-elements", 0, "Extra data in disabled network 'local'"},
    {"open-network", 0, NULL},
    {"open-network-with-forward-dev", 0,
     "forward dev not allowed for network 'open' with forward mode='open'"},
    {"nat-network", 0, NULL},
    {"netboot-network", 0, NULL},
    {"netboot-proxy-network", 0, NULL},
    {"netboot-tftp", 0, NULL},
    {"nat-network-dns-txt-record", 0, NULL},
    {"nat-network-dns-srv-record", 0, NULL},
    {"nat-network-dns-srv-records", 0, NULL},
    {"nat-network-dns-srv-record-minimal", 0, NULL},
    {"nat-network-dns-hosts", 0, NULL},
    {"nat-network-dns-forward-plain", 0, NULL},
    {"nat-network-dns-forwarders", 0, NULL},
    {"nat-network-dns-forwarder-no-resolv", 0, NULL},
    {"nat-network-forward-nat-ipv6", 0, NULL},
    {"nat-network-forward-nat-address", 0, NULL},
    {"nat-network-forward-nat-no-address", 0, NULL},
    {"nat-network-mtu", 0, NULL},
    {"8021Qbh-net", 0, NULL},
    {"direct-net", 0, NULL},
    {"host-bridge-net", 0, NULL},
    {"vepa-net", 0, NULL},
    {"bandwidth-network", 0, NULL},
    {"openvswitch-net", 0, NULL},
    {"passthrough-pf", VN_FORMAT_INACTIVE, NULL},
    {"hostdev", 0, NULL},
    {"hostdev-pf", VN_FORMAT_INACTIVE, NULL},
    {"hostdev-pf-driver-model", VN_FORMAT_INACTIVE, NULL},
    {"passthrough-address-crash", 0, NULL},
    {"nat-network-explicit-flood", 0, NULL},
    {"host-bridge-no-flood", 0, NULL},
    {"hostdev-duplicate", 0,
     "PCI device '0000:03:00.3' can only be listed once in network hostdev"},
    {"passthrough-duplicate", 0,
     "interface 'eth3' can only be listed once in network passthrough-duplicate"},
    {"metadata", 0, NULL},
    {"set-mtu", 0, NULL},
    {"dnsmasq-options", 0, NULL},
    {"leasetime-seconds", 0, NULL},
    {"leasetime-minutes", 0, NULL},
    {"leasetime-hours", 0, NULL},
    {"leasetime-infinite", 0, NULL},
    {"isolated-ports", 0, NULL},
};

static char dir[4096];

static char *path_of(const char *sub, const char *name)
{
        char *p = vn_asprintf("%s/%s/%s.xml", dir, sub, name);

        assert_non_null(p);
        return p;
}

static __attribute__((noinline)) char *slurp(const char *path)
{
        char *data = NULL;
        size_t len;
        int r = vn_read_file(path, VN_XML_MAX_SIZE, &data, &len);

        assert_int_equal(r, 0);
        return data;
}

/* Print a unified-ish first difference to help whoever breaks a case. */
static void show_diff(const char *name, const char *want, const char *got)
{
        size_t i = 0, line = 1;

        while (want[i] && want[i] == got[i]) {
                if (want[i] == '\n')
                        line++;
                i++;
        }
        print_message("%s: first difference at line %zu\n--- expected\n%s--- got\n%s", name, line,
                      want, got);
}

static void test_pairs(void **state)
{
        unsigned ok = 0, total = 0, rejected = 0, failures = 0;

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                const struct tcase *tc = &cases[i];
                _cleanup_free_ char *in = path_of("in", tc->name);
                struct vn_error err = {0};
                struct vn_net *net = NULL;
                int r = vn_net_parse_file(in, &net, &err);

                if (tc->error) {
                        failures++;
                        if (r < 0 && strstr(err.msg, tc->error))
                                rejected++;
                        else
                                print_message("%s: expected failure containing \"%s\", got r=%d "
                                              "\"%s\"\n",
                                              tc->name, tc->error, r, err.msg);
                        vn_net_free(net);
                        continue;
                }
                total++;
                if (r < 0) {
                        print_message("%s: parse failed: %s\n", tc->name, err.msg);
                        continue;
                }
                {
                        _cleanup_free_ char *out = path_of("out", tc->name);
                        _cleanup_free_ char *want = slurp(out);
                        _cleanup_free_ char *got = vn_net_format(net, tc->flags);

                        assert_non_null(got);
                        if (strcmp(want, got) == 0)
                                ok++;
                        else
                                show_diff(tc->name, want, got);
                }
                vn_net_free(net);
        }
        print_message("conformance: %u/%u pairs byte-identical, %u/%u expected failures "
                      "rejected\n",
                      ok, total, rejected, failures);
        assert_int_equal(total, 43);
        assert_int_equal(failures, 4);
        assert_int_equal(ok, total);
        assert_int_equal(rejected, failures);
}

/* format(parse(out/X)) == out/X: the canonical form is a fixed point. */
static void test_idempotent(void **state)
{
        unsigned ok = 0, total = 0;

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                const struct tcase *tc = &cases[i];
                _cleanup_free_ char *out = NULL;
                _cleanup_free_ char *want = NULL;
                _cleanup_free_ char *got = NULL;
                struct vn_error err = {0};
                struct vn_net *net = NULL;

                if (tc->error)
                        continue;
                total++;
                out = path_of("out", tc->name);
                want = slurp(out);
                if (vn_net_parse_buffer(want, strlen(want), tc->name, &net, &err) < 0) {
                        print_message("%s: out file does not parse: %s\n", tc->name, err.msg);
                        continue;
                }
                got = vn_net_format(net, tc->flags);
                assert_non_null(got);
                if (strcmp(want, got) == 0)
                        ok++;
                else
                        show_diff(tc->name, want, got);
                vn_net_free(net);
        }
        print_message("idempotence: %u/%u out files are a fixed point of format(parse())\n", ok,
                      total);
        assert_int_equal(ok, total);
}

/* A missing <uuid> is generated, and stays stable across format/parse. */
static void test_uuid_generated(void **state)
{
        _cleanup_free_ char *in = path_of("in", "nat-network");
        _cleanup_free_ char *xml = slurp(in);
        _cleanup_free_ char *f1 = NULL, *f2 = NULL;
        struct vn_net *a = NULL, *b = NULL;
        struct vn_error err = {0};
        size_t start, end;

        (void)state;
        assert_non_null(strstr(xml, "<uuid>"));
        start = (size_t)(strstr(xml, "<uuid>") - xml);
        end = (size_t)(strstr(xml, "</uuid>") - xml) + 7;
        memmove(xml + start, xml + end, strlen(xml + end) + 1);
        assert_int_equal(vn_net_parse_buffer(xml, strlen(xml), "nouuid.xml", &a, &err), 0);
        assert_true(a->has_uuid);
        assert_int_equal(a->uuid[6] >> 4, 4);
        f1 = vn_net_format(a, 0);
        assert_non_null(strstr(f1, "<uuid>"));
        assert_int_equal(vn_net_parse_buffer(f1, strlen(f1), "f1.xml", &b, &err), 0);
        assert_memory_equal(a->uuid, b->uuid, 16);
        f2 = vn_net_format(b, 0);
        assert_string_equal(f1, f2);
        vn_net_free(a);
        vn_net_free(b);
}

/* RelaxNG validation with libvirt's schema: every in/ file validates (the
 * parse failures are semantic, not schema violations); a bad mode does not,
 * with libxml2's message captured rather than printed. */
static void test_schema(void **state)
{
        char schemas[sizeof(dir) + 32], tmp[] = "/tmp/vnet-schema-XXXXXX";
        static const char bad[] = "<network><name>x</name><forward mode='nat2'/></network>\n";
        struct vn_error err = {0};
        struct stat st;
        unsigned ok = 0;
        int fd;

        (void)state;
        snprintf(schemas, sizeof(schemas), "%s/../libvirt-schemas", dir);
        if (stat(schemas, &st) < 0) {
                print_message("schema: SKIP, no %s\n", schemas);
                skip();
        }
        for (size_t i = 0; i < VN_ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *in = path_of("in", cases[i].name);

                memset(&err, 0, sizeof(err));
                if (vn_schema_validate_file(schemas, in, &err) == 0)
                        ok++;
                else
                        print_message("%s: %s\n", cases[i].name, err.msg);
        }
        print_message("schema: %u/%zu in/ files validate against network.rng\n", ok,
                      VN_ARRAY_SIZE(cases));
        assert_int_equal(ok, VN_ARRAY_SIZE(cases));

        fd = mkstemp(tmp);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
        close(fd);
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_schema_validate_file(schemas, tmp, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "does not validate"));
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_schema_validate_file("/nonexistent", tmp, &err), -ENOENT);
        unlink(tmp);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pairs),
            cmocka_unit_test(test_idempotent),
            cmocka_unit_test(test_uuid_generated),
            cmocka_unit_test(test_schema),
        };
        const char *base = getenv("VNET_CONFORMANCE_DIR");
        struct stat st;

        if (!base || !*base)
                base = VNET_CONFORMANCE_DIR;
        snprintf(dir, sizeof(dir), "%s/libvirt-networkxml2xml", base);
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                printf("SKIP: conformance data not found at %s (set VNET_CONFORMANCE_DIR)\n", dir);
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
