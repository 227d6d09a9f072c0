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
#include "helper-port.h"
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
        /* include paths must be absolute (a relative one resolved against QEMU's cwd) */
        {
                char cwd[512];

                free(write_acl("rel-inc.conf", "allow br7\n", 0644));
                free(ww);
                ww = write_acl("rel.conf", "include rel-inc.conf\n", 0644);
                assert_non_null(getcwd(cwd, sizeof(cwd)));
                assert_int_equal(chdir(dir), 0); /* where the relative include would resolve */
                assert_false(acl(ww, "br7", 0, &r));
                assert_int_equal(r, -EINVAL);
                assert_int_equal(chdir(cwd), 0);
                free(ww);
                ww = NULL;
                assert_false(acl("rel-inc.conf", "br7", 0, &r)); /* and the file itself */
                assert_int_equal(r, -EINVAL);
        }
        /* a NUL byte refuses the whole file (it hid the lines after it) */
        {
                _cleanup_free_ char *path = vn_asprintf("%s/nul.conf", dir);
                static const char text[] = "allow br0\n\0deny br0\n";

                assert_int_equal(vn_write_file_atomic(path, text, sizeof(text) - 1, 0644), 0);
                assert_false(acl(path, "br0", 0, &r));
                assert_int_equal(r, -EINVAL);
        }
        {
                char cmd[128];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                assert_int_equal(system(cmd), 0);
        }
}

static int args(struct vn_helper_args *a, ...)
{
        char *argv[8] = {"vnet-bridge-helper"};
        int argc = 1;
        struct vn_error err = {0};
        va_list ap;

        va_start(ap, a);
        for (char *s; argc < 7 && (s = va_arg(ap, char *));)
                argv[argc++] = s;
        va_end(ap);
        return vn_helper_args_parse(argc, argv, a, &err);
}

static void test_helper_args(void **state)
{
        struct vn_helper_args a;

        (void)state;
        assert_int_equal(args(&a, "--use-vnet", "--fd=3", "--br=virbr0", NULL), 0);
        assert_int_equal(a.fd, 3);
        assert_string_equal(a.br, "virbr0");
        assert_true(a.vnet_hdr);
        assert_int_equal(args(&a, "--fd", "12", "--br", "br0", NULL), 0);
        assert_int_equal(a.fd, 12);
        assert_false(a.vnet_hdr);
        /* --fd: digits alone */
        assert_int_equal(args(&a, "--fd=", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd= 3", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=3 ", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd", " 3", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=+3", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=-1", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=65536", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=0x3", "--br=br0", NULL), -EINVAL);
        /* required, once */
        assert_int_equal(args(&a, "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=3", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=3", "--fd=4", "--br=br0", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=3", "--br=br0", "--br=br1", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd=3", "--br=br0", "--bogus", NULL), -EINVAL);
        assert_int_equal(args(&a, "--fd", NULL), -EINVAL);
        assert_int_equal(args(&a, "--acl-path", NULL), 0);
        assert_true(a.acl_path);
        assert_int_equal(args(&a, "--check", NULL), 0);
        assert_true(a.check);
}

static void test_helper_alias(void **state)
{
        char net[VN_HELPER_NAME_MAX + 1], br[16];
        uid_t uid;
        pid_t pid;

        (void)state;
        assert_int_equal(vn_helper_alias_parse("vnet-helper-port net=default br=virbr0 uid=65534 "
                                               "pid=42",
                                               net, br, &uid, &pid),
                         0);
        assert_string_equal(net, "default");
        assert_string_equal(br, "virbr0");
        assert_int_equal(uid, 65534);
        assert_int_equal(pid, 42);
        /* anything else is not a helper port */
        assert_int_equal(vn_helper_alias_parse("vnet-helper-port net=a br=b uid=1 pid=2 x", net,
                                               br, &uid, &pid),
                         -EINVAL);
        assert_int_equal(vn_helper_alias_parse("vnet-helper-port net=../x br=b uid=1 pid=2", net,
                                               br, &uid, &pid),
                         -EINVAL);
        assert_int_equal(vn_helper_alias_parse("vnet-helper-port net=a br=0123456789abcdef uid=1 "
                                               "pid=2",
                                               net, br, &uid, &pid),
                         -EINVAL);
        assert_int_equal(vn_helper_alias_parse("my tap", net, br, &uid, &pid), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_host_mac),
            cmocka_unit_test(test_nic_parse),
            cmocka_unit_test(test_nic_args),
            cmocka_unit_test(test_acl),
            cmocka_unit_test(test_helper_args),
            cmocka_unit_test(test_helper_alias),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
