/*
 * test-drivers.c: the kernel drivers (links, addresses, routes, sysctls,
 * tap/macvtap, nftables, iptables, dnsmasq) exercised for real.
 *
 * Run by drivers.sh inside a throwaway network namespace: it refuses to run
 * unless $VNT_NETNS names the namespace it is in, so it can never touch the
 * host's. Tests run in order and build on each other (the bridge made first
 * carries the addresses, routes, ports and dnsmasq of later tests).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/if_tun.h>

#include <cmocka.h>

#include "dnsmasq.h"
#include "fw.h"
#include "link.h"

#define BR   "vntbr0"
#define BR2  "vntbr1"
#define VE0  "vntve0"
#define VE1  "vntve1"
#define MVL0 "vntmvl0"
#define MVL1 "vntmvl1"

static struct vn_nl *nl;
static char tmpdir[256];
static struct vn_dnsmasq_id dnsmasq_id;
static char dnsmasq_conf[512];

static void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info(const char *fmt, ...)
{
        va_list ap;

        printf("# info: ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
}

static double ms(uint64_t ns)
{
        return (double)ns / 1e6;
}

/* Contents of a small file, trailing whitespace stripped ("" when unreadable). */
static const char *slurp(const char *path)
{
        static char buf[4096];
        FILE *f = fopen(path, "re");
        size_t n = 0;

        buf[0] = '\0';
        if (!f)
                return buf;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        return buf;
}

static const char *sysfs(const char *ifname, const char *attr)
{
        char path[256];

        snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
        return slurp(path);
}

/* Output of a shell command (stdout + stderr); caller frees. */
static char *cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *cmd(const char *fmt, ...)
{
        struct vn_buf b = {0};
        char line[1024], c[1024];
        va_list ap;
        FILE *p;

        va_start(ap, fmt);
        vsnprintf(c, sizeof(c), fmt, ap);
        va_end(ap);
        strncat(c, " 2>&1", sizeof(c) - strlen(c) - 1);
        p = popen(c, "re");
        assert_non_null(p);
        while (fgets(line, sizeof(line), p))
                vn_buf_add(&b, line);
        pclose(p);
        return b.s ? vn_buf_steal(&b) : strdup("");
}

static void assert_contains(const char *hay, const char *needle)
{
        if (!strstr(hay, needle)) {
                print_error("expected to find '%s' in:\n%s\n", needle, hay);
                fail();
        }
}

static void assert_not_contains(const char *hay, const char *needle)
{
        if (strstr(hay, needle)) {
                print_error("did not expect '%s' in:\n%s\n", needle, hay);
                fail();
        }
}

/* Wait (bounded) until link `name` exists (want=true) or is gone. */
static bool wait_link(const char *name, bool want, unsigned timeout_ms)
{
        uint64_t start = vn_now_ns();

        for (;;) {
                bool exists = vn_link_index(nl, name) > 0;

                if (exists == want)
                        return true;
                if (vn_now_ns() - start > (uint64_t)timeout_ms * 1000000u)
                        return false;
                usleep(1000);
        }
}

static struct vn_addr A(const char *s) {
        struct vn_addr a;

        assert_int_equal(vn_addr_parse(s, &a), 0);
        return a;
}

static bool
fd_cloexec(int fd)
{
        int f = fcntl(fd, F_GETFD);

        assert_true(f >= 0);
        return (f & FD_CLOEXEC) != 0;
}

/* ------------------------------------------------------------- links */

static void test_bridge(void **state)
{
        static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01};
        static const uint8_t mac2[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0x02};
        struct vn_bridge_spec spec = {
            .name = BR, .mac = mac, .mtu = 1400, .stp = true, .forward_delay_cs = 200};
        struct vn_bridge_spec spec2 = {.name = BR2, .stp = false, .no_mac_learning = true};
        struct vn_error err = {0};
        struct vn_link_info li;
        uint64_t t0, t1, t_many;
        char name[16];

        (void)state;
        t0 = vn_now_ns();
        assert_int_equal(vn_bridge_create(nl, &spec, &err), 0);
        t1 = vn_now_ns() - t0;
        assert_int_equal(vn_link_get(nl, BR, &li, &err), 0);
        assert_string_equal(li.kind, "bridge");
        assert_string_equal(li.name, BR);
        assert_int_equal(li.mtu, 1400);
        assert_memory_equal(li.mac, mac, 6);
        assert_false(li.up);
        assert_int_equal(li.master, 0);
        assert_string_equal(sysfs(BR, "bridge/stp_state"), "1");
        assert_string_equal(sysfs(BR, "bridge/forward_delay"), "200");
        assert_int_equal(vn_link_index(nl, BR), li.ifindex);

        /* duplicate: EEXIST, message names the bridge */
        assert_int_equal(vn_bridge_create(nl, &spec, &err), -EEXIST);
        assert_int_equal(err.code, -EEXIST);
        assert_contains(err.msg, "bridge 'vntbr0': File exists");

        /* STP off, delay 0, macTableManager=libvirt */
        t0 = vn_now_ns();
        assert_int_equal(vn_bridge_create(nl, &spec2, NULL), 0);
        t_many = vn_now_ns() - t0;
        assert_string_equal(sysfs(BR2, "bridge/stp_state"), "0");
        assert_string_equal(sysfs(BR2, "bridge/forward_delay"), "0");
        /* VLAN filtering only where the kernel has it (CONFIG_BRIDGE_VLAN_FILTERING) */
        if (access("/sys/class/net/" BR2 "/bridge/vlan_filtering", F_OK) == 0) {
                assert_string_equal(sysfs(BR2, "bridge/vlan_filtering"), "1");
                assert_string_equal(sysfs(BR, "bridge/vlan_filtering"), "0");
        } else {
                info("kernel without bridge VLAN filtering");
        }

        /* generic setters */
        assert_int_equal(vn_link_set_up(nl, BR2, true, NULL), 0);
        assert_int_equal(vn_link_get(nl, BR2, &li, NULL), 0);
        assert_true(li.up);
        assert_int_equal(vn_link_set_mtu(nl, BR2, 1280, NULL), 0);
        assert_int_equal(vn_link_set_mac(nl, BR2, mac2, NULL), 0);
        assert_int_equal(vn_link_get(nl, BR2, &li, NULL), 0);
        assert_int_equal(li.mtu, 1280);
        assert_memory_equal(li.mac, mac2, 6);
        assert_int_equal(vn_link_set_up(nl, BR2, false, NULL), 0);
        assert_int_equal(vn_link_get(nl, BR2, &li, NULL), 0);
        assert_false(li.up);

        /* invalid MTU: kernel's own words come back */
        memset(&err, 0, sizeof(err));
        assert_true(vn_link_set_mtu(nl, BR2, 10, &err) < 0);
        assert_contains(err.msg, "link 'vntbr1'");

        /* first free name */
        assert_int_equal(vn_link_free_name(nl, "vntbr%u", name, NULL), 0);
        assert_string_equal(name, "vntbr2");
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_link_free_name(nl, "vntbr", name, &err), -EINVAL);

        /* delete; second delete says ENODEV */
        assert_int_equal(vn_link_delete(nl, BR2, NULL), 0);
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_link_get(nl, BR2, &li, &err), -ENODEV);
        assert_int_equal(vn_link_delete(nl, BR2, &err), -ENODEV);
        assert_int_equal(vn_link_index(nl, BR2), -ENODEV);
        assert_int_equal(vn_link_free_name(nl, "vntbr%u", name, NULL), 0);
        assert_string_equal(name, "vntbr1");

        /* a few more, for a steadier timing */
        t0 = vn_now_ns();
        for (int i = 0; i < 20; i++) {
                struct vn_bridge_spec s = {.name = name};

                snprintf(name, sizeof(name), "vntbrt%d", i);
                assert_int_equal(vn_bridge_create(nl, &s, NULL), 0);
        }
        t0 = vn_now_ns() - t0;
        for (int i = 0; i < 20; i++) {
                snprintf(name, sizeof(name), "vntbrt%d", i);
                assert_int_equal(vn_link_delete(nl, name, NULL), 0);
        }
        info("bridge create: first %.3f ms, no-learning one %.3f ms, mean of 20 %.3f ms", ms(t1),
             ms(t_many), ms(t0) / 20);

        assert_int_equal(vn_link_set_up(nl, BR, true, NULL), 0);
}

static void test_addr(void **state)
{
        struct vn_addr v4 = A("10.77.0.1"), v6 = A("fd00:77::1"), net;
        struct vn_error err = {0};
        char owner[16] = "";
        _cleanup_free_ char *out = NULL, *out2 = NULL;

        (void)state;
        assert_int_equal(vn_ifaddr_add(nl, BR, &v4, 24, false, &err), 0);
        assert_int_equal(vn_ifaddr_add(nl, BR, &v6, 64, true, &err), 0);
        assert_int_equal(vn_ifaddr_add(nl, BR, &v4, 24, false, &err), -EEXIST);
        assert_contains(err.msg, "10.77.0.1/24");
        assert_contains(err.msg, "'vntbr0'");
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_ifaddr_add(nl, "vntnone", &v4, 24, false, &err), -ENODEV);
        assert_contains(err.msg, "vntnone");

        out = cmd("ip -o addr show dev %s", BR);
        assert_contains(out, "inet 10.77.0.1/24 brd 10.77.0.255");
        assert_contains(out, "inet6 fd00:77::1/64");
        assert_not_contains(out, "tentative");

        net = A("10.77.0.0");
        assert_int_equal(vn_ifaddr_find_overlap(nl, &net, 16, owner, NULL), 1);
        assert_string_equal(owner, BR);
        net = A("10.77.0.128");
        assert_int_equal(vn_ifaddr_find_overlap(nl, &net, 25, owner, NULL), 1);
        net = A("10.78.0.0");
        assert_int_equal(vn_ifaddr_find_overlap(nl, &net, 24, owner, NULL), 0);
        net = A("fd00:77::");
        assert_int_equal(vn_ifaddr_find_overlap(nl, &net, 48, owner, NULL), 1);
        net = A("fd00:78::");
        assert_int_equal(vn_ifaddr_find_overlap(nl, &net, 64, owner, NULL), 0);

        /* delete and re-add the v6 address */
        assert_int_equal(vn_ifaddr_del(nl, BR, &v6, 64, NULL), 0);
        out2 = cmd("ip -o addr show dev %s", BR);
        assert_not_contains(out2, "fd00:77::1");
        assert_true(vn_ifaddr_del(nl, BR, &v6, 64, NULL) < 0);
        assert_int_equal(vn_ifaddr_add(nl, BR, &v6, 64, true, NULL), 0);
}

static void test_route(void **state)
{
        struct vn_addr dst = A("10.99.0.0"), gw = A("10.77.0.254"), ol = A("10.98.0.0");
        struct vn_addr dst6 = A("fd00:99::"), gw6 = A("fd00:77::fe");
        struct vn_error err = {0};
        _cleanup_free_ char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;

        (void)state;
        assert_int_equal(vn_route_add(nl, BR, &dst, 24, &gw, 50, &err), 0);
        assert_int_equal(vn_route_add(nl, BR, &ol, 24, NULL, 0, &err), 0);
        assert_int_equal(vn_route_add(nl, BR, &dst6, 64, &gw6, 0, &err), 0);
        o1 = cmd("ip -o route show 10.99.0.0/24");
        assert_contains(o1, "10.99.0.0/24 via 10.77.0.254 dev vntbr0 proto static metric 50");
        o2 = cmd("ip -o route show 10.98.0.0/24");
        assert_contains(o2, "10.98.0.0/24 dev vntbr0 proto static scope link");
        o3 = cmd("ip -o -6 route show fd00:99::/64");
        assert_contains(o3, "via fd00:77::fe dev vntbr0 proto static");

        assert_int_equal(vn_route_add(nl, BR, &dst, 24, &gw, 50, &err), -EEXIST);
        assert_contains(err.msg, "route 10.99.0.0/24 via 10.77.0.254 dev 'vntbr0'");

        assert_int_equal(vn_route_del(nl, BR, &dst, 24, &gw, 50, NULL), 0);
        assert_int_equal(vn_route_del(nl, BR, &ol, 24, NULL, 0, NULL), 0);
        assert_int_equal(vn_route_del(nl, BR, &dst6, 64, &gw6, 0, NULL), 0);
        o4 = cmd("ip -o route show; ip -o -6 route show");
        assert_not_contains(o4, "10.99.0.0");
        assert_not_contains(o4, "10.98.0.0");
        assert_not_contains(o4, "fd00:99::");
        assert_true(vn_route_del(nl, BR, &dst, 24, &gw, 50, NULL) < 0);
}

static void test_veth(void **state)
{
        static const uint8_t pmac[6] = {0x52, 0x54, 0x00, 0x11, 0x22, 0x33};
        struct vn_link_info li, br;
        struct vn_error err = {0};
        const char *peer_ns = getenv("VNT_PEER_NETNS");

        (void)state;
        assert_int_equal(vn_veth_create(nl, VE0, VE1, -1, pmac, &err), 0);
        assert_int_equal(vn_link_get(nl, VE1, &li, NULL), 0);
        assert_string_equal(li.kind, "veth");
        assert_memory_equal(li.mac, pmac, 6);
        assert_int_equal(vn_veth_create(nl, VE0, VE1, -1, NULL, &err), -EEXIST);

        /* enslave, port flags, release */
        assert_int_equal(vn_link_get(nl, BR, &br, NULL), 0);
        assert_int_equal(vn_link_set_master(nl, VE0, BR, NULL), 0);
        assert_int_equal(vn_link_get(nl, VE0, &li, NULL), 0);
        assert_int_equal(li.master, br.ifindex);
        assert_string_equal(sysfs(VE0, "brport/isolated"), "0");
        assert_int_equal(vn_bridge_port_set_isolated(nl, VE0, true, NULL), 0);
        assert_string_equal(sysfs(VE0, "brport/isolated"), "1");
        assert_int_equal(vn_bridge_port_set_isolated(nl, VE0, false, NULL), 0);
        assert_string_equal(sysfs(VE0, "brport/isolated"), "0");
        assert_int_equal(vn_bridge_port_set_learning(nl, VE0, false, false, NULL), 0);
        assert_string_equal(sysfs(VE0, "brport/learning"), "0");
        assert_string_equal(sysfs(VE0, "brport/unicast_flood"), "0");
        assert_int_equal(vn_bridge_port_set_learning(nl, VE0, true, true, NULL), 0);
        assert_string_equal(sysfs(VE0, "brport/learning"), "1");
        assert_string_equal(sysfs(VE0, "brport/unicast_flood"), "1");
        assert_int_equal(vn_bridge_port_set_isolated(nl, VE0, true, NULL), 0);
        assert_int_equal(vn_link_set_master(nl, VE0, NULL, NULL), 0);
        assert_int_equal(vn_link_get(nl, VE0, &li, NULL), 0);
        assert_int_equal(li.master, 0);
        /* not a port any more */
        memset(&err, 0, sizeof(err));
        assert_true(vn_bridge_port_set_isolated(nl, VE0, true, &err) < 0);
        assert_contains(err.msg, "bridge port 'vntve0'");
        /* enslave to a missing master */
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_link_set_master(nl, VE0, "vntnone", &err), -ENODEV);
        assert_int_equal(vn_link_delete(nl, VE0, NULL), 0);
        assert_true(wait_link(VE1, false, 1000));

        if (!peer_ns || !peer_ns[0]) {
                info("veth peer in a namespace: skipped (VNT_PEER_NETNS unset)");
                return;
        }
        {
                _cleanup_close_ int nsfd = open(peer_ns, O_RDONLY | O_CLOEXEC);
                _cleanup_free_ char *o1 = NULL, *o2 = NULL;
                const char *nsname = strrchr(peer_ns, '/') + 1;

                assert_true(nsfd >= 0);
                assert_int_equal(vn_veth_create(nl, VE0, "vntpeer0", nsfd, pmac, &err), 0);
                assert_true(vn_link_index(nl, VE0) > 0);
                assert_int_equal(vn_link_index(nl, "vntpeer0"), -ENODEV);
                o1 = cmd("ip -n %s -o link show vntpeer0", nsname);
                assert_contains(o1, "52:54:00:11:22:33");
                /* and move our end over, renamed */
                assert_int_equal(vn_link_set_netns(nl, VE0, nsfd, "vntmoved0", NULL), 0);
                assert_int_equal(vn_link_index(nl, VE0), -ENODEV);
                o2 = cmd("ip -n %s -o link show vntmoved0", nsname);
                assert_contains(o2, "vntmoved0@vntpeer0");
        }
}

/* ------------------------------------------------------------- taps */

static unsigned tun_flags(int fd)
{
        struct ifreq ifr;

        memset(&ifr, 0, sizeof(ifr));
        assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
        return (unsigned short)ifr.ifr_flags;
}

static void test_tap(void **state)
{
        struct vn_error err = {0};
        struct vn_link_info li;
        unsigned feat = 0;
        char name[16];
        int fds[4] = {-1, -1, -1, -1};

        (void)state;
        assert_int_equal(vn_tap_features(&feat), 0);
        assert_true(feat & IFF_VNET_HDR);
        assert_true(feat & IFF_MULTI_QUEUE);

        /* single queue, pattern name, vnet_hdr, inheritable fd */
        assert_int_equal(vn_tap_open("vnttap%d", 1, VN_TAP_VNET_HDR, fds, name, &err), 0);
        assert_string_equal(name, "vnttap0");
        assert_true(fds[0] >= 0);
        assert_false(fd_cloexec(fds[0]));
        assert_true(tun_flags(fds[0]) & IFF_VNET_HDR);
        assert_true(tun_flags(fds[0]) & IFF_TAP);
        assert_int_equal(vn_link_get(nl, name, &li, NULL), 0);
        assert_string_equal(li.kind, "tun");
        close(fds[0]);
        assert_true(wait_link(name, false, 1000)); /* not persistent: gone with its fd */

        /* multiqueue, close-on-exec, no vnet_hdr */
        assert_int_equal(vn_tap_open("vntmq0", 2, VN_TAP_CLOEXEC, fds, name, &err), 0);
        assert_string_equal(name, "vntmq0");
        assert_true(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
        assert_true(fd_cloexec(fds[0]) && fd_cloexec(fds[1]));
        assert_true(tun_flags(fds[1]) & IFF_MULTI_QUEUE);
        assert_false(tun_flags(fds[0]) & IFF_VNET_HDR);
        assert_string_equal(sysfs(name, "tun_flags"), "0x1102");
        close(fds[0]);
        assert_true(vn_link_index(nl, name) > 0); /* one queue still open */
        close(fds[1]);
        assert_true(wait_link(name, false, 1000));

        /* persistent: survives its fds, until vn_tap_delete */
        assert_int_equal(vn_tap_open("vntptap0", 1, VN_TAP_PERSIST, fds, name, &err), 0);
        close(fds[0]);
        assert_true(vn_link_index(nl, "vntptap0") > 0);
        assert_int_equal(vn_tap_delete("vntptap0", &err), 0);
        assert_true(wait_link("vntptap0", false, 1000));
        assert_int_equal(vn_tap_delete("vntptap0", &err), -ENODEV);

        /* persistent multiqueue */
        assert_int_equal(
            vn_tap_open("vntptap1", 3, VN_TAP_PERSIST | VN_TAP_VNET_HDR, fds, name, &err), 0);
        for (int i = 0; i < 3; i++)
                close(fds[i]);
        assert_true(vn_link_index(nl, "vntptap1") > 0);
        assert_int_equal(vn_tap_delete("vntptap1", &err), 0);
        assert_true(wait_link("vntptap1", false, 1000));

        /* failure leaves nothing: the name is a bridge */
        memset(&err, 0, sizeof(err));
        fds[0] = -1;
        assert_true(vn_tap_open(BR, 2, VN_TAP_PERSIST, fds, name, &err) < 0);
        assert_int_equal(fds[0], -1);
        assert_contains(err.msg, "tap 'vntbr0'");
        assert_int_equal(vn_link_get(nl, BR, &li, NULL), 0);
        assert_string_equal(li.kind, "bridge");

        /* a tap enslaved to the bridge */
        assert_int_equal(
            vn_tap_open("vntport0", 1, VN_TAP_VNET_HDR | VN_TAP_CLOEXEC, fds, name, NULL), 0);
        assert_int_equal(vn_link_set_master(nl, name, BR, NULL), 0);
        assert_int_equal(vn_bridge_port_set_isolated(nl, name, true, NULL), 0);
        assert_string_equal(sysfs(name, "brport/isolated"), "1");
        close(fds[0]);
        assert_true(wait_link(name, false, 1000));
}

static void test_macvtap(void **state)
{
        static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x42};
        struct vn_error err = {0};
        struct vn_link_info li;
        char name[16], devpath[64];
        int fds[2] = {-1, -1}, idx;
        unsigned char frame[12 + 60];
        _cleanup_free_ char *o = NULL;
        uint64_t t0;

        (void)state;
        assert_int_equal(vn_veth_create(nl, MVL0, MVL1, -1, NULL, NULL), 0);
        assert_int_equal(vn_link_set_up(nl, MVL1, true, NULL), 0);
        assert_int_equal(vn_link_set_up(nl, MVL0, true, NULL), 0);
        assert_int_equal(
            vn_macvtap_create(nl, "vntmvt%d", MVL0, VN_MACVTAP_BRIDGE, mac, name, &err), 0);
        assert_string_equal(name, "vntmvt0");
        assert_int_equal(vn_link_get(nl, name, &li, NULL), 0);
        assert_string_equal(li.kind, "macvtap");
        assert_memory_equal(li.mac, mac, 6);
        o = cmd("ip -d -o link show %s", name);
        assert_contains(o, "macvtap mode bridge");
        assert_contains(o, "vntmvt0@vntmvl0");
        assert_int_equal(
            vn_macvtap_create(nl, "vntmvt0", MVL0, VN_MACVTAP_BRIDGE, NULL, name, &err), -EEXIST);
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            vn_macvtap_create(nl, "vntmvt9", "vntnone", VN_MACVTAP_VEPA, NULL, name, &err),
            -ENODEV);
        assert_contains(err.msg, "vntnone");
        strcpy(name, "vntmvt0");
        assert_int_equal(vn_link_set_up(nl, name, true, NULL), 0);

        t0 = vn_now_ns();
        assert_int_equal(vn_macvtap_open(nl, name, 2, VN_TAP_VNET_HDR, fds, &err), 0);
        info("macvtap open (2 queues): %.3f ms", ms(vn_now_ns() - t0));
        assert_true(fds[0] >= 0 && fds[1] >= 0);
        assert_false(fd_cloexec(fds[0]));
        assert_true(tun_flags(fds[0]) & IFF_VNET_HDR);
        /* usable: a broadcast frame behind a zeroed vnet header goes out */
        {
                int hdrsz = 0;

                assert_int_equal(ioctl(fds[0], TUNGETVNETHDRSZ, &hdrsz), 0);
                assert_true(hdrsz >= 10 && hdrsz <= 12);
                memset(frame, 0, sizeof(frame));
                memset(frame + hdrsz, 0xff, 6);
                memcpy(frame + hdrsz + 6, mac, 6);
                frame[hdrsz + 12] = 0x08;
                frame[hdrsz + 13] = 0x06;
                assert_int_equal(write(fds[0], frame, (size_t)hdrsz + 60), hdrsz + 60);
        }
        close(fds[0]);
        close(fds[1]);

        /* without udev/devtmpfs: no /dev node, we make a private one */
        idx = vn_link_index(nl, name);
        snprintf(devpath, sizeof(devpath), "/dev/tap%d", idx);
        if (unlink(devpath) == 0) {
                t0 = vn_now_ns();
                assert_int_equal(vn_macvtap_open(nl, name, 1, VN_TAP_CLOEXEC, fds, &err), 0);
                info("macvtap open without /dev node: %.3f ms", ms(vn_now_ns() - t0));
                assert_true(fd_cloexec(fds[0]));
                assert_false(tun_flags(fds[0]) & IFF_VNET_HDR);
                close(fds[0]);
                assert_int_equal(access(devpath, F_OK), -1);
        }
        assert_int_equal(vn_link_delete(nl, name, NULL), 0);
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_macvtap_open(nl, name, 1, 0, fds, &err), -ENODEV);
        assert_int_equal(vn_link_delete(nl, MVL0, NULL), 0);
}

/* ------------------------------------------------------------- sysctl */

static void test_sysctl(void **state)
{
        struct vn_error err = {0};
        char buf[64];

        (void)state;
        assert_int_equal(vn_sysctl_write("net.ipv4.ip_forward", "1", &err), 0);
        assert_int_equal(vn_sysctl_read("net.ipv4.ip_forward", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "1");
        assert_string_equal(slurp("/proc/sys/net/ipv4/ip_forward"), "1");
        assert_int_equal(vn_sysctl_write("net/ipv4/ip_forward", "0", &err), 0);
        assert_int_equal(vn_sysctl_read("net/ipv4/ip_forward", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "0");
        /* per-interface key with the interface name in it */
        assert_int_equal(vn_sysctl_write("net.ipv6.conf." BR ".disable_ipv6", "0", &err), 0);
        assert_int_equal(vn_sysctl_read("net/ipv6/conf/" BR "/disable_ipv6", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "0");
        assert_int_equal(vn_sysctl_read("net.ipv4.no_such_key", buf, sizeof(buf)), -ENOENT);
        assert_true(vn_sysctl_write("net.ipv4.no_such_key", "1", &err) < 0);
        assert_contains(err.msg, "net.ipv4.no_such_key");
        assert_true(vn_sysctl_write("../../etc/passwd", "x", NULL) < 0);
}

/* ------------------------------------------------------------- firewall */

static void test_nft(void **state)
{
        const char *bad_syntax = "add table inet vnt_test\n"
                                 "add chain inet vnt_test vntfwd { type filter hook forward "
                                 "priority 0; }\n"
                                 "add rule inet vnt_test vntfwd oifname vntbr0 bogus_verdict\n";
        const char *bad_kernel = "add table inet vnt_test\n"
                                 "add chain inet vnt_test vntfwd { type filter hook forward "
                                 "priority 0; }\n"
                                 "add rule inet vnt_test vntfwd oifname \"vntbr0\" accept\n"
                                 "add rule inet vnt_test vntfwd jump vnt_no_such_chain\n";
        const char *good = "add table inet vnt_test\n"
                           "add chain inet vnt_test vntfwd { type filter hook forward "
                           "priority 0; }\n"
                           "add rule inet vnt_test vntfwd oifname \"vntbr0\" accept comment "
                           "\"vnt\"\n";
        struct vn_error err = {0};
        _cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL, *rs = NULL;

        (void)state;
        if (!vn_nft_available()) {
                info("nftables unavailable: skipped");
                skip();
        }
        /* dry run of a bad batch: nft's message, nothing changed */
        assert_true(vn_nft_run(bad_syntax, true, &err) < 0);
        assert_contains(err.msg, "Error");
        assert_contains(err.msg, "syntax error");
        assert_int_equal(vn_nft_query("list tables", &t1, NULL), 0);
        assert_not_contains(t1, "vnt_test");

        /* dry run of a good batch: accepted, still nothing */
        assert_int_equal(vn_nft_run(good, true, NULL), 0);
        assert_int_equal(vn_nft_query("list tables", &t2, NULL), 0);
        assert_not_contains(t2, "vnt_test");

        /* one bad rule (rejected by the kernel) sinks the whole batch */
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_nft_run(bad_kernel, false, &err), -ENOENT);
        assert_contains(err.msg, "Could not process rule: No such file or directory");
        assert_int_equal(vn_nft_query("list tables", &t3, NULL), 0);
        assert_not_contains(t3, "vnt_test");

        /* the good batch applies */
        assert_int_equal(vn_nft_run(good, false, &err), 0);
        assert_int_equal(vn_nft_query("list table inet vnt_test", &rs, &err), 0);
        assert_contains(rs, "table inet vnt_test");
        assert_contains(rs, "oifname \"vntbr0\" accept comment \"vnt\"");
        memset(&err, 0, sizeof(err));
        assert_true(vn_nft_query("list table inet vnt_nothing", &t4, &err) < 0);
        assert_null(t4);
        assert_true(err.msg[0] != '\0');
        assert_int_equal(vn_nft_run("delete table inet vnt_test", false, NULL), 0);
}

static void test_ipt(void **state)
{
        const char *rules = "*filter\n"
                            ":VNT-TEST - [0:0]\n"
                            "-A VNT-TEST -i vntbr0 -j ACCEPT\n"
                            "COMMIT\n";
        const char *bad = "*filter\n"
                          "-A VNT-NO-SUCH-CHAIN -j ACCEPT\n"
                          "COMMIT\n";
        const char *const list[] = {"-w", "-S", "VNT-TEST", NULL};
        const char *const flush[] = {"-w", "-F", "VNT-TEST", NULL};
        const char *const del[] = {"-w", "-X", "VNT-TEST", NULL};
        struct vn_error err = {0};
        _cleanup_free_ char *out = NULL, *out2 = NULL;

        (void)state;
        if (access(IPTABLES_RESTORE_PATH, X_OK) < 0) {
                info("%s missing: skipped", IPTABLES_RESTORE_PATH);
                skip();
        }
        assert_int_equal(vn_ipt_restore(false, rules, &err), 0);
        assert_int_equal(vn_ipt_exec(false, list, &out), 0);
        assert_contains(out, "-A VNT-TEST -i vntbr0 -j ACCEPT");
        assert_true(vn_ipt_restore(false, bad, &err) < 0);
        assert_contains(err.msg, "iptables-restore");
        info("iptables-restore error: %s", err.msg);
        assert_int_equal(vn_ipt_exec(false, flush, NULL), 0);
        assert_int_equal(vn_ipt_exec(false, del, NULL), 0);
        assert_true(vn_ipt_exec(false, list, &out2) > 0);
}

/* ------------------------------------------------------------- dnsmasq */

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* Does /proc/PID/fd hold a link to path? */
static bool proc_has_fd(pid_t pid, const char *path)
{
        _cleanup_free_ char *o = NULL;

        o = cmd("ls -l /proc/%ld/fd", (long)pid);
        return strstr(o, path) != NULL;
}

static void test_dnsmasq(void **state)
{
        char dir[300], conf[400], pidf[400], lease[400], badconf[400], marker[400];
        char text[2048];
        struct vn_error err = {0};
        _cleanup_close_ int leak = -1;
        uint64_t t0, t;
        struct vn_dnsmasq_id id = {0}, id2 = {0};
        pid_t pid = 0;
        char c;

        (void)state;
        snprintf(dir, sizeof(dir), "%s/dnsmasq.XXXXXX", tmpdir);
        assert_non_null(mkdtemp(dir));
        snprintf(conf, sizeof(conf), "%s/net.conf", dir);
        snprintf(pidf, sizeof(pidf), "%s/dnsmasq.pid", dir);
        snprintf(lease, sizeof(lease), "%s/leases", dir);
        snprintf(badconf, sizeof(badconf), "%s/bad.conf", dir);
        snprintf(marker, sizeof(marker), "%s/leak-marker", dir);
        snprintf(text, sizeof(text),
                 "strict-order\n"
                 "user=root\n"
                 "pid-file=%s\n"
                 "except-interface=lo\n"
                 "bind-dynamic\n"
                 "interface=" BR "\n"
                 "port=0\n"
                 "dhcp-range=10.77.0.10,10.77.0.20,255.255.255.0\n"
                 "dhcp-leasefile=%s\n"
                 "dhcp-no-override\n"
                 "dhcp-authoritative\n",
                 pidf, lease);
        write_text(conf, text);
        snprintf(dnsmasq_conf, sizeof(dnsmasq_conf), "%s", conf);

        /* an inheritable fd of ours must not reach dnsmasq */
        leak = open(marker, O_RDWR | O_CREAT, 0600);
        assert_true(leak >= 0);

        t0 = vn_now_ns();
        if (vn_dnsmasq_start(conf, pidf, &id, &err) < 0) {
                print_error("%s\n", err.msg);
                fail();
        }
        t = vn_now_ns() - t0;
        pid = id.pid;
        dnsmasq_id = id;
        info("dnsmasq start: %.3f ms (pid %ld)", ms(t), (long)pid);
        assert_true(pid > 0);
        assert_true(vn_dnsmasq_is_ours(pid, conf));
        assert_false(vn_dnsmasq_is_ours(pid, badconf));
        assert_false(vn_dnsmasq_is_ours(getpid(), conf));
        assert_int_equal(vn_dnsmasq_read_pid(pidf), pid);
        assert_true(vn_dnsmasq_alive(&id, conf));
        assert_int_equal(id.uid, 0); /* user=root in this configuration */
        /* the same pid with another start time or uid is another process */
        id2 = id;
        id2.start++;
        assert_false(vn_dnsmasq_alive(&id2, conf));
        id2 = id;
        id2.uid = 65534;
        assert_false(vn_dnsmasq_alive(&id2, conf));
        /* a process that is not the dnsmasq binary is never ours, whatever it claims */
        assert_true(vn_dnsmasq_identify(getpid(), conf, &id2) == false);
        /* remembered in a root-only file */
        {
                char idf[420];
                struct stat st;

                snprintf(idf, sizeof(idf), "%s/dnsmasq.id", dir);
                assert_int_equal(vn_dnsmasq_id_save(idf, &id), 0);
                assert_int_equal(stat(idf, &st), 0);
                assert_int_equal(st.st_mode & 0777, 0600);
                memset(&id2, 0, sizeof(id2));
                assert_int_equal(vn_dnsmasq_id_load(idf, &id2), 0);
                assert_int_equal(id2.pid, id.pid);
                assert_true(id2.start == id.start);
                write_text(idf, "12 x\n");
                assert_int_equal(vn_dnsmasq_id_load(idf, &id2), -EBADMSG);
                unlink(idf);
        }
        assert_false(proc_has_fd(pid, marker));
        /* its stdio is /dev/null, not our capture pipe */
        {
                char fd2[64], target[256];
                ssize_t n;

                snprintf(fd2, sizeof(fd2), "/proc/%ld/fd/2", (long)pid);
                n = readlink(fd2, target, sizeof(target) - 1);
                assert_true(n > 0);
                target[n] = '\0';
                assert_string_equal(target, "/dev/null");
        }

        /* a second start finds it running */
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_dnsmasq_start(conf, pidf, &id2, &err), -EEXIST);

        assert_int_equal(vn_dnsmasq_reload(&id, conf, NULL), 0);
        usleep(20000);
        assert_true(vn_dnsmasq_is_ours(pid, conf));

        t0 = vn_now_ns();
        assert_int_equal(vn_dnsmasq_stop(&id, conf, &err), 0);
        info("dnsmasq stop: %.3f ms", ms(vn_now_ns() - t0));
        assert_false(vn_dnsmasq_is_ours(pid, conf));
        {
                char st[64];

                snprintf(st, sizeof(st), "/proc/%ld/stat", (long)pid);
                c = access(st, F_OK) == 0 ? 'Z' : '-';
                info("dnsmasq after stop: %s", c == 'Z' ? "zombie (awaiting reaping)" : "gone");
        }
        memset(&dnsmasq_id, 0, sizeof(dnsmasq_id));
        assert_int_equal(vn_dnsmasq_stop(&id, conf, NULL), 0); /* idempotent */

        /* steadier numbers: a few more start/stop cycles */
        {
                uint64_t best = UINT64_MAX, worst = 0, sum = 0;
                struct vn_dnsmasq_id p2 = {0};

                for (int i = 0; i < 5; i++) {
                        t0 = vn_now_ns();
                        assert_int_equal(vn_dnsmasq_start(conf, pidf, &p2, &err), 0);
                        t = vn_now_ns() - t0;
                        dnsmasq_id = p2;
                        assert_int_equal(vn_dnsmasq_stop(&p2, conf, &err), 0);
                        memset(&dnsmasq_id, 0, sizeof(dnsmasq_id));
                        best = t < best ? t : best;
                        worst = t > worst ? t : worst;
                        sum += t;
                }
                info("dnsmasq start x5: min %.3f ms, mean %.3f ms, max %.3f ms", ms(best),
                     ms(sum) / 5, ms(worst));
        }
        memset(&id2, 0, sizeof(id2));
        assert_int_equal(vn_dnsmasq_stop(&id2, conf, NULL), 0);
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_dnsmasq_reload(&id, conf, &err), -ESRCH);

        /* what an unprivileged user can read: a 0700 directory hides what is in it */
        {
                char base[] = "/tmp/vnet-can-read.XXXXXX", priv[420], f[440];
                const char *paths[1];

                assert_non_null(mkdtemp(base));
                assert_int_equal(chmod(base, 0755), 0);
                snprintf(priv, sizeof(priv), "%s/private", base);
                assert_int_equal(mkdir(priv, 0700), 0);
                snprintf(f, sizeof(f), "%s/hosts", priv);
                write_text(f, "10.0.0.1 a\n");
                chmod(f, 0644);
                paths[0] = f;
                memset(&err, 0, sizeof(err));
                assert_int_equal(vn_dnsmasq_can_read(65534, 65534, paths, 1, &err), -EACCES);
                assert_contains(err.msg, f);
                chmod(priv, 0755);
                assert_int_equal(vn_dnsmasq_can_read(65534, 65534, paths, 1, NULL), 0);
                paths[0] = priv;
                chmod(priv, 0700);
                assert_int_equal(vn_dnsmasq_can_read(65534, 65534, paths, 1, NULL), -EACCES);
                unlink(f);
                rmdir(priv);
                rmdir(base);
        }

        /* a bad configuration explains itself */
        snprintf(text, sizeof(text), "pid-file=%s\nport=0\ndhcp-range=garbage\n", pidf);
        write_text(badconf, text);
        memset(&err, 0, sizeof(err));
        t0 = vn_now_ns();
        assert_int_equal(vn_dnsmasq_start(badconf, pidf, &id2, &err), -EINVAL);
        info("dnsmasq bad conf rejected in %.3f ms: %s", ms(vn_now_ns() - t0), err.msg);
        assert_contains(err.msg, "bad dhcp-range");
        assert_contains(err.msg, badconf);

        /* a missing binary */
        setenv("VNET_DNSMASQ", "/nonexistent/dnsmasq", 1);
        assert_string_equal(vn_dnsmasq_path(), "/nonexistent/dnsmasq");
        memset(&err, 0, sizeof(err));
        assert_int_equal(vn_dnsmasq_start(conf, pidf, &id2, &err), -ENOENT);
        unsetenv("VNET_DNSMASQ");
        assert_string_equal(vn_dnsmasq_path(), DNSMASQ_PATH);
        unlink(marker);
}

/* ------------------------------------------------------------- harness */

static int in_test_netns(void)
{
        const char *ns = getenv("VNT_NETNS");
        char path[300];
        struct stat a, b;

        if (!ns || !ns[0] || strchr(ns, '/'))
                return 0;
        snprintf(path, sizeof(path), "/run/netns/%s", ns);
        if (stat(path, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
                return 0;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int setup(void **state)
{
        struct vn_error err = {0};
        const char *t = getenv("VNT_TMPDIR");

        (void)state;
        if (vn_nl_open(&nl, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return -1;
        }
        if (t && t[0]) {
                snprintf(tmpdir, sizeof(tmpdir), "%s", t);
        } else {
                snprintf(tmpdir, sizeof(tmpdir), "/tmp/vnt-drv.XXXXXX");
                if (!mkdtemp(tmpdir))
                        return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        /* never leave a dnsmasq behind, even when a test failed half way */
        if (dnsmasq_id.pid > 0)
                vn_dnsmasq_stop(&dnsmasq_id, dnsmasq_conf, NULL);
        vn_link_delete(nl, BR, NULL);
        vn_nl_close(nl);
        nl = NULL;
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bridge), cmocka_unit_test(test_addr),
            cmocka_unit_test(test_route),  cmocka_unit_test(test_veth),
            cmocka_unit_test(test_tap),    cmocka_unit_test(test_macvtap),
            cmocka_unit_test(test_sysctl), cmocka_unit_test(test_nft),
            cmocka_unit_test(test_ipt),    cmocka_unit_test(test_dnsmasq),
        };

        if (geteuid() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        if (!in_test_netns()) {
                printf("SKIP: refusing to run outside the namespace named by $VNT_NETNS "
                       "(use drivers.sh)\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
