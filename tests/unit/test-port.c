/*
 * test-port.c: the pure parts of guest ports — host-side MACs, the --nic
 * syntax, QEMU's -netdev/-device arguments — and the bridge helper's ACL.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "acl.h"
#include "port.h"
#include "qemu.h"

static void test_host_mac(void **state)
{
        uint8_t g[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, h[6];

        (void)state;
        vn_port_host_mac(g, h);
        assert_int_equal(h[0], 0xfe);
        assert_memory_equal(h + 1, g + 1, 5);
        g[0] = 0xfe;
        vn_port_host_mac(g, h);
        assert_int_equal(h[0], 0xfa);
}

static void test_nic_parse(void **state)
{
        struct vn_qemu_nic n;
        struct vn_error err = {0};

        (void)state;
        assert_int_equal(vn_qemu_nic_parse("default", &n, &err), 0);
        assert_string_equal(n.net, "default");
        assert_null(n.mac);
        assert_int_equal(n.queues, 1);
        assert_string_equal(n.model, "virtio-net-pci");
        free(n.buf);

        assert_int_equal(vn_qemu_nic_parse("lan,mac=52:54:00:aa:bb:cc,queues=4,model=e1000,"
                                           "ifname=tap7",
                                           &n, &err),
                         0);
        assert_string_equal(n.net, "lan");
        assert_string_equal(n.mac, "52:54:00:aa:bb:cc");
        assert_int_equal(n.queues, 4);
        assert_string_equal(n.model, "e1000");
        assert_string_equal(n.ifname, "tap7");
        free(n.buf);

        assert_int_equal(vn_qemu_nic_parse("lan,queues=0", &n, &(struct vn_error){0}), -EINVAL);
        assert_int_equal(vn_qemu_nic_parse("lan,queues=99", &n, &(struct vn_error){0}), -EINVAL);
        assert_int_equal(vn_qemu_nic_parse("lan,color=red", &n, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "unknown key 'color'"));
        assert_int_equal(vn_qemu_nic_parse("", &n, &(struct vn_error){0}), -EINVAL);
        assert_int_equal(vn_qemu_nic_parse("mac=52:54:00:00:00:01", &n, &(struct vn_error){0}),
                         -EINVAL);
        assert_int_equal(vn_qemu_nic_parse("lan,mac", &n, &(struct vn_error){0}), -EINVAL);
}

static void test_nic_args(void **state)
{
        struct vn_port p = {.mac = "52:54:00:aa:bb:cc", .fds = {5}, .n_fds = 1};
        char *nd = NULL, *dv = NULL;

        (void)state;
        assert_int_equal(vn_qemu_nic_args(&p, "vnet0", NULL, false, &nd, &dv), 0);
        assert_string_equal(nd, "tap,id=vnet0,fd=5,vhost=off");
        assert_string_equal(dv, "virtio-net-pci,netdev=vnet0,mac=52:54:00:aa:bb:cc");
        free(nd);
        free(dv);

        p.fds[1] = 6;
        p.fds[2] = 9;
        p.n_fds = 3;
        assert_int_equal(vn_qemu_nic_args(&p, "vnet1", "virtio-net-pci", true, &nd, &dv), 0);
        assert_string_equal(nd, "tap,id=vnet1,fds=5:6:9,vhost=on");
        assert_string_equal(dv,
                            "virtio-net-pci,netdev=vnet1,mac=52:54:00:aa:bb:cc,mq=on,vectors=8");
        free(nd);
        free(dv);

        p.n_fds = 0;
        assert_int_equal(vn_qemu_nic_args(&p, "x", NULL, false, &nd, &dv), -EINVAL);
}

static char dir[64];

static char *write_acl(const char *name, const char *text, unsigned mode)
{
        char *path = vn_asprintf("%s/%s", dir, name);

        assert_non_null(path);
        assert_int_equal(vn_write_file_atomic(path, text, strlen(text), mode), 0);
        chmod(path, mode);
        return path;
}

static bool acl(const char *path, const char *br, unsigned flags, int *r)
{
        bool ok = false;
        struct vn_error err = {0};

        *r = vn_acl_check(path, br, flags, &ok, &err);
        return ok;
}

static void test_acl(void **state)
{
        _cleanup_free_ char *main_acl = NULL, *inc = NULL, *inc_text = NULL, *loop = NULL,
                            *bad = NULL, *ww = NULL, *lnk = NULL, *via_link = NULL;
        int r;

        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/vnet-acl.XXXXXX");
        assert_non_null(mkdtemp(dir));
        inc = write_acl("inc.conf", "# included\nallow br2\ndeny br3\n", 0644);
        inc_text = vn_asprintf("allow br0\nallow br3   # comment\n  \ninclude %s\n", inc);
        main_acl = write_acl("bridge.conf", inc_text, 0644);

        assert_true(acl(main_acl, "br0", 0, &r));
        assert_int_equal(r, 0);
        assert_true(acl(main_acl, "br2", 0, &r));     /* from the include */
        assert_false(acl(main_acl, "br3", 0, &r));    /* deny wins over allow */
        assert_false(acl(main_acl, "virbr9", 0, &r)); /* default deny */
        assert_int_equal(r, 0);

        ww = write_acl("all.conf", "allow all\ndeny br1\n", 0644);
        assert_true(acl(ww, "anything", 0, &r));
        assert_false(acl(ww, "br1", 0, &r));
        free(ww);
        ww = write_acl("denyall.conf", "allow br0\ndeny all\n", 0644);
        assert_false(acl(ww, "br0", 0, &r));
        free(ww);

        bad = write_acl("bad.conf", "permit br0\n", 0644);
        assert_false(acl(bad, "br0", 0, &r));
        assert_int_equal(r, -EINVAL);

        loop = vn_asprintf("%s/loop.conf", dir);
        free(write_acl("loop.conf", "include /dev/null\n", 0644));
        {
                _cleanup_free_ char *t = vn_asprintf("include %s\n", loop);
                free(write_acl("loop.conf", t, 0644));
        }
        assert_false(acl(loop, "br0", 0, &r));
        assert_int_equal(r, -ELOOP);

        assert_false(acl("/nonexistent/vnet/bridge.conf", "br0", 0, &r));
        assert_int_equal(r, -ENOENT);

        /* strict (setuid) mode: group/world-writable and symlinked includes are refused */
        if (geteuid() == 0) {
                ww = write_acl("ww.conf", "allow br0\n", 0666);
                assert_false(acl(ww, "br0", VN_ACL_STRICT, &r));
                assert_int_equal(r, -EPERM);
                assert_true(acl(ww, "br0", 0, &r));
                assert_true(acl(main_acl, "br2", VN_ACL_STRICT, &r));
                lnk = vn_asprintf("%s/link.conf", dir);
                assert_int_equal(symlink(inc, lnk), 0);
                via_link = write_acl("via.conf", "", 0644);
                {
                        _cleanup_free_ char *t = vn_asprintf("include %s\n", lnk);
                        free(write_acl("via.conf", t, 0644));
                }
                assert_false(acl(via_link, "br2", VN_ACL_STRICT, &r));
                assert_int_equal(r, -ELOOP);
                assert_true(acl(via_link, "br2", 0, &r));
                unlink(lnk);
        }
        {
                char cmd[128];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                assert_int_equal(system(cmd), 0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_host_mac),
            cmocka_unit_test(test_nic_parse),
            cmocka_unit_test(test_nic_args),
            cmocka_unit_test(test_acl),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
