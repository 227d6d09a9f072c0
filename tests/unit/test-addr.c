/*
 * test-addr.c: address, prefix and MAC helpers (lib/addr.c) and the small
 * model helpers of xml/net.c.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net.h"

static struct vn_addr A(const char *s) {
        struct vn_addr a;

        assert_int_equal(vn_addr_parse(s, &a), 0);
        return a;
}

static void
test_ipv4_strict(void **state)
{
        static const char *const bad[] = {
            "10.0.0.300", "1.2.3",      "1.2.3.4.5", "1.2.3.",   ".1.2.3",    "1..2.3",
            "256.0.0.1",  "1.2.3.4 ",   " 1.2.3.4",  "1.2.3.4x", "0x1.2.3.4", "1.2.3.-4",
            "",           "1.2.3.0004", "a.b.c.d",   "1,2,3,4",
        };
        struct vn_addr a;
        char buf[VN_ADDR_STRLEN];

        (void)state;
        for (size_t i = 0; i < VN_ARRAY_SIZE(bad); i++) {
                memset(&a, 0x5a, sizeof(a));
                assert_int_equal(vn_addr_parse(bad[i], &a), -EINVAL);
                /* out-parameter untouched on failure */
                assert_int_equal(a.family, 0x5a5a5a5a);
        }
        assert_int_equal(vn_addr_parse(NULL, &a), -EINVAL);
        a = A("192.168.122.1");
        assert_int_equal(a.family, AF_INET);
        assert_string_equal(vn_addr_format(&a, buf), "192.168.122.1");
        /* leading zeros are decimal, not octal */
        a = A("010.001.000.009");
        assert_string_equal(vn_addr_format(&a, buf), "10.1.0.9");
        a = A("255.255.255.255");
        assert_string_equal(vn_addr_format(&a, buf), "255.255.255.255");
        assert_int_equal(vn_addr_parse_family("192.168.1.1", AF_INET6, &a), -EINVAL);
        assert_int_equal(vn_addr_parse_family("::1", AF_INET, &a), -EINVAL);
}

static void test_ipv6(void **state)
{
        struct vn_addr a;
        char buf[VN_ADDR_STRLEN];

        (void)state;
        a = A("2001:DB8:ac10:fd01:0:0:0:1");
        assert_int_equal(a.family, AF_INET6);
        assert_string_equal(vn_addr_format(&a, buf), "2001:db8:ac10:fd01::1");
        a = A("::");
        assert_string_equal(vn_addr_format(&a, buf), "::");
        assert_int_equal(vn_addr_parse("2001:db8::1::2", &a), -EINVAL);
        assert_int_equal(vn_addr_parse("2001:db8::g", &a), -EINVAL);
        assert_int_equal(vn_addr_parse("fe80::1%eth0", &a), -EINVAL);
        assert_int_equal(vn_addr_parse_family("::1", AF_INET6, &a), 0);
        a.family = 0;
        assert_false(vn_addr_is_set(&a));
        assert_string_equal(vn_addr_format(&a, buf), "(none)");
}

static void test_compare(void **state)
{
        struct vn_addr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("10.0.0.1");
        struct vn_addr x = A("2001:db8::1"), y = A("2001:db8::1:0");

        (void)state;
        assert_true(vn_addr_equal(&a, &c));
        assert_false(vn_addr_equal(&a, &b));
        assert_int_equal(vn_addr_cmp(&a, &b), -1);
        assert_int_equal(vn_addr_cmp(&b, &a), 1);
        assert_int_equal(vn_addr_cmp(&a, &c), 0);
        assert_int_equal(vn_addr_cmp(&x, &y), -1);
        assert_int_not_equal(vn_addr_cmp(&a, &x), 0);
}

static void test_netmask(void **state)
{
        struct vn_addr m;
        char buf[VN_ADDR_STRLEN];

        (void)state;
        m = A("255.255.255.0");
        assert_int_equal(vn_netmask_to_prefix(&m), 24);
        m = A("255.255.254.0");
        assert_int_equal(vn_netmask_to_prefix(&m), 23);
        m = A("0.0.0.0");
        assert_int_equal(vn_netmask_to_prefix(&m), 0);
        m = A("255.255.255.255");
        assert_int_equal(vn_netmask_to_prefix(&m), 32);
        m = A("255.0.255.0");
        assert_int_equal(vn_netmask_to_prefix(&m), -EINVAL);
        m = A("255.255.255.1");
        assert_int_equal(vn_netmask_to_prefix(&m), -EINVAL);
        vn_prefix_to_netmask(AF_INET, 20, &m);
        assert_string_equal(vn_addr_format(&m, buf), "255.255.240.0");
        vn_prefix_to_netmask(AF_INET, 0, &m);
        assert_string_equal(vn_addr_format(&m, buf), "0.0.0.0");
        vn_prefix_to_netmask(AF_INET6, 64, &m);
        assert_string_equal(vn_addr_format(&m, buf), "ffff:ffff:ffff:ffff::");
        assert_int_equal(vn_netmask_to_prefix(&m), 64);
        vn_prefix_to_netmask(AF_INET6, 127, &m);
        assert_int_equal(vn_netmask_to_prefix(&m), 127);
}

static void test_subnet(void **state)
{
        struct vn_addr a = A("192.168.122.77"), n, net = A("192.168.122.0");
        struct vn_addr v6 = A("2001:db8:ac10:fd01::1:20"), v6net = A("2001:db8:ac10:fd01::");
        char buf[VN_ADDR_STRLEN];

        (void)state;
        vn_addr_network(&a, 24, &n);
        assert_string_equal(vn_addr_format(&n, buf), "192.168.122.0");
        vn_addr_broadcast(&a, 24, &n);
        assert_string_equal(vn_addr_format(&n, buf), "192.168.122.255");
        vn_addr_network(&a, 26, &n);
        assert_string_equal(vn_addr_format(&n, buf), "192.168.122.64");
        vn_addr_broadcast(&a, 26, &n);
        assert_string_equal(vn_addr_format(&n, buf), "192.168.122.127");
        vn_addr_network(&v6, 64, &n);
        assert_string_equal(vn_addr_format(&n, buf), "2001:db8:ac10:fd01::");

        assert_true(vn_addr_in_subnet(&a, &net, 24));
        assert_false(vn_addr_in_subnet(&a, &net, 26));
        assert_true(vn_addr_in_subnet(&v6, &v6net, 64));
        assert_false(vn_addr_in_subnet(&a, &v6net, 64));
        assert_true(vn_addr_in_subnet(&a, &v6net, 0) == false); /* family mismatch */

        {
                struct vn_addr b = A("10.0.0.0"), c = A("10.1.0.0"), d = A("10.0.128.0");

                assert_true(vn_subnet_overlap(&b, 8, &c, 16));
                assert_true(vn_subnet_overlap(&c, 16, &b, 8));
                assert_false(vn_subnet_overlap(&c, 16, &d, 17));
                assert_true(vn_subnet_overlap(&b, 16, &d, 17));
                assert_false(vn_subnet_overlap(&b, 8, &v6, 64));
        }
}

static void test_range_size(void **state)
{
        struct vn_addr s = A("192.168.122.2"), e = A("192.168.122.254");
        struct vn_addr s6 = A("::"), e6 = A("ffff::");

        (void)state;
        assert_int_equal(vn_addr_range_size(&s, &e), 253);
        assert_int_equal(vn_addr_range_size(&s, &s), 1);
        assert_int_equal(vn_addr_range_size(&e, &s), 0);
        s = A("10.0.0.255");
        e = A("10.0.1.0");
        assert_int_equal(vn_addr_range_size(&s, &e), 2);
        assert_true(vn_addr_range_size(&s6, &e6) == UINT64_MAX);
        assert_int_equal(vn_addr_range_size(&s, &e6), 0);
}

static void test_default_prefix(void **state)
{
        struct vn_addr a;

        (void)state;
        a = A("10.24.10.1");
        assert_int_equal(vn_addr_default_prefix(&a), 8);
        a = A("172.16.0.1");
        assert_int_equal(vn_addr_default_prefix(&a), 16);
        a = A("192.168.1.1");
        assert_int_equal(vn_addr_default_prefix(&a), 24);
        a = A("224.0.0.1");
        assert_int_equal(vn_addr_default_prefix(&a), 0);
        a = A("2001:db8::1");
        assert_int_equal(vn_addr_default_prefix(&a), 64);
}

static void test_mac(void **state)
{
        uint8_t m[6], keep[6] = {1, 2, 3, 4, 5, 6};
        char buf[VN_MAC_STRLEN];

        (void)state;
        assert_int_equal(vn_mac_parse("52:54:00:E6:A2:C9", m), 0);
        assert_string_equal(vn_mac_format(m, buf), "52:54:00:e6:a2:c9");
        assert_int_equal(vn_mac_parse("2:4:0:a:b:c", m), 0);
        assert_string_equal(vn_mac_format(m, buf), "02:04:00:0a:0b:0c");
        static const char *const bad[] = {"52:54:00:e6:a2",    "52:54:00:e6:a2:c9:00",
                                          "52-54-00-e6-a2-c9", "52:54:00:e6:a2:g9",
                                          "525:4:00:e6:a2:c9", "",
                                          "52:54:00:e6:a2:c9 "};
        for (size_t i = 0; i < VN_ARRAY_SIZE(bad); i++) {
                memcpy(m, keep, 6);
                assert_int_equal(vn_mac_parse(bad[i], m), -EINVAL);
                assert_memory_equal(m, keep, 6);
        }
}

static void test_fwd_modes(void **state)
{
        (void)state;
        assert_string_equal(vn_fwd_mode_name(VN_FWD_NONE), "isolated");
        assert_string_equal(vn_fwd_mode_name(VN_FWD_HOSTDEV), "hostdev");
        assert_null(vn_fwd_mode_name(VN_FWD__MAX));
        for (int m = VN_FWD_NAT; m < VN_FWD__MAX; m++)
                assert_int_equal(vn_fwd_mode_from_name(vn_fwd_mode_name(m)), m);
        assert_int_equal(vn_fwd_mode_from_name("nat2"), -EINVAL);
        assert_int_equal(vn_fwd_mode_from_name("isolated"), -EINVAL);
        assert_int_equal(vn_fwd_mode_from_name(NULL), -EINVAL);
}

static void test_prefixes(void **state)
{
        struct vn_ip ip = {0};
        struct vn_route rt = {0};
        struct vn_net net = {0};
        struct vn_ip ips[2] = {{0}};

        (void)state;
        ip.address = A("10.24.10.1");
        assert_int_equal(vn_ip_prefix(&ip), 8); /* classful */
        ip.has_netmask = true;
        ip.netmask = A("255.255.255.0");
        assert_int_equal(vn_ip_prefix(&ip), 24);
        ip.has_netmask = false;
        ip.has_prefix = true;
        ip.prefix = 20;
        assert_int_equal(vn_ip_prefix(&ip), 20);

        rt.address = A("0.0.0.0");
        assert_int_equal(vn_route_prefix(&rt), 0);
        rt.address = A("192.168.222.0");
        rt.has_netmask = true;
        rt.netmask = A("255.255.255.128");
        assert_int_equal(vn_route_prefix(&rt), 25);

        for (int m = VN_FWD_NONE; m < VN_FWD__MAX; m++) {
                net.forward.mode = (enum vn_fwd_mode)m;
                assert_int_equal(vn_net_has_bridge_l3(&net), m == VN_FWD_NONE || m == VN_FWD_NAT ||
                                                                 m == VN_FWD_ROUTE ||
                                                                 m == VN_FWD_OPEN);
        }
        ips[0].address = A("2001:db8::1");
        ips[1].address = A("10.0.0.1");
        net.ips = ips;
        net.n_ips = 2;
        assert_ptr_equal(vn_net_first_ip(&net, AF_INET), &ips[1]);
        assert_ptr_equal(vn_net_first_ip(&net, AF_INET6), &ips[0]);
        assert_ptr_equal(vn_net_first_ip(&net, AF_UNSPEC), &ips[0]);
        net.n_ips = 1;
        assert_null(vn_net_first_ip(&net, AF_INET));
}

static void test_uuid(void **state)
{
        uint8_t u[16], v[16];
        char buf[37];

        (void)state;
        assert_int_equal(vn_uuid_parse("81ff0d90-c91e-6742-64da-4a736edb9a9b", u), 0);
        vn_uuid_format(u, buf);
        assert_string_equal(buf, "81ff0d90-c91e-6742-64da-4a736edb9a9b");
        assert_int_equal(vn_uuid_parse("  81FF0D90C91E674264DA4A736EDB9A9B\n", v), 0);
        assert_memory_equal(u, v, 16);
        assert_int_equal(vn_uuid_parse("81ff0d90-c91e-6742-64da-4a736edb9a9", v), -EINVAL);
        assert_int_equal(vn_uuid_parse("81ff0d90-c91e-6742-64da-4a736edb9a9bb", v), -EINVAL);
        assert_int_equal(vn_uuid_parse("x1ff0d90-c91e-6742-64da-4a736edb9a9b", v), -EINVAL);
        vn_uuid_generate(u);
        vn_uuid_generate(v);
        assert_memory_not_equal(u, v, 16);
        assert_int_equal(u[6] >> 4, 4);
        assert_int_equal(u[8] & 0xc0, 0x80);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ipv4_strict),    cmocka_unit_test(test_ipv6),
            cmocka_unit_test(test_compare),        cmocka_unit_test(test_netmask),
            cmocka_unit_test(test_subnet),         cmocka_unit_test(test_range_size),
            cmocka_unit_test(test_default_prefix), cmocka_unit_test(test_mac),
            cmocka_unit_test(test_fwd_modes),      cmocka_unit_test(test_prefixes),
            cmocka_unit_test(test_uuid),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
