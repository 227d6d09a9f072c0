/*
 * bridge-helper.c: vnet-bridge-helper, a drop-in for qemu-bridge-helper.
 *
 * QEMU runs it for `-netdev bridge,br=BR,helper=PATH` as
 *   PATH [--use-vnet] --fd=N --br=BR
 * and expects a tap attached to BR back over the unix socket N (SCM_RIGHTS),
 * then exit status 0; whatever the helper prints on stderr, QEMU shows.
 *
 * Installed setuid root or with the cap_net_admin file capability, it runs for
 * any user. So, before it reads anything that user controls, it sets
 * no_new_privs and keeps CAP_NET_ADMIN alone (or exits saying why). It never
 * plans a network (planning probes libnftables, which is not even linked) and
 * never takes vnet's locks (its caller may SIGSTOP it): it finds the network of
 * the bridge from the record `start` wrote and records its tap in the kernel
 * (helper-port.h). Environment variables are read with secure_getenv only.
 */
#include "config.h"

#include "acl.h"
#include "fdpass.h"
#include "helper-port.h"
#include "link.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/securebits.h>

#define PROG        "vnet-bridge-helper"
#define DEFAULT_ACL VNET_SYSCONFDIR "/vnet/bridge.conf"
#define NET_ADMIN   (1u << CAP_NET_ADMIN) /* CAP_NET_ADMIN (12) is in the first word */

static int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int status, const char *fmt, ...)
{
        va_list ap;

        fputs(PROG ": error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return status;
}

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: " PROG " [--use-vnet] --br=BRIDGE --fd=N\n"
                "       " PROG " --check | --acl-path | --help\n"
                "\n"
                "Creates a tap, attaches it to BRIDGE (a Linux bridge) and sends its fd over the\n"
                "unix socket N, as QEMU's -netdev bridge,helper=... expects. On the bridge of a\n"
                "running vnet network the tap is that network's port (vnet port-list). Access is\n"
                "governed by the ACL file %s\n"
                "(allow/deny BRIDGE|all, include /ABSOLUTE/FILE; deny wins, default deny).\n"
                "\n"
                "  --use-vnet   open the tap with IFF_VNET_HDR\n"
                "  --br=BRIDGE  the bridge to attach to\n"
                "  --fd=N       the unix socket to send the tap's fd on\n"
                "  --check      drop privileges as for a real call, report what is kept, exit\n"
                "  --acl-path   print the ACL file this helper reads, and exit\n"
                "See vnet-bridge-helper(8).\n",
                DEFAULT_ACL);
}

static int last_cap(void)
{
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int last = 63;

        if (f) {
                if (fscanf(f, "%d", &last) != 1 || last < CAP_NET_ADMIN || last > 63)
                        last = 63;
                fclose(f);
        }
        return last;
}

/* Keep CAP_NET_ADMIN alone, for good, or fail saying why. no_new_privs first, whatever the
 * caps: nothing this process starts can gain privileges. */
static int keep_only_net_admin(const char **why)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct data[2];
        bool setpcap;
        int last = last_cap();

        *why = "";
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                *why = "cannot set no_new_privs";
                return -errno;
        }
        memset(data, 0, sizeof(data));
        if (syscall(SYS_capget, &hdr, data) < 0) {
                *why = "capget";
                return -errno;
        }
        if (!(data[0].permitted & NET_ADMIN)) {
                *why = "CAP_NET_ADMIN is not obtainable (not in the permitted set: the helper "
                       "must be installed setuid root or with `setcap cap_net_admin+ep`, and "
                       "cap_net_admin must be in the caller's bounding set)";
                return -EPERM;
        }
        setpcap = data[0].permitted & (1u << CAP_SETPCAP);
        if (setpcap) {
                /* root gets nothing back by being root (exec, setuid) */
                prctl(PR_SET_SECUREBITS,
                      SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                          SECBIT_NO_SETUID_FIXUP_LOCKED,
                      0, 0, 0);
                for (int c = 0; c <= last; c++)
                        if (c != CAP_NET_ADMIN && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
                            errno != EINVAL) {
                                *why = "cannot drop the bounding set";
                                return -errno;
                        }
        }
        /* without CAP_SETPCAP (a file-capability install) the bounding set cannot shrink, but
         * with no_new_privs and an empty inheritable set nothing in it can be regained */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
                *why = "cannot clear the ambient set";
                return -errno;
        }
        memset(data, 0, sizeof(data));
        data[0].effective = data[0].permitted = NET_ADMIN;
        if (syscall(SYS_capset, &hdr, data) < 0) {
                *why = "capset";
                return -errno;
        }
        /* verify: fail closed */
        memset(data, 0, sizeof(data));
        if (syscall(SYS_capget, &hdr, data) < 0 || data[0].permitted != NET_ADMIN ||
            data[0].effective != NET_ADMIN || data[0].inheritable || data[1].permitted ||
            data[1].effective || data[1].inheritable ||
            prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
                *why = "capabilities other than CAP_NET_ADMIN remain";
                return -EPERM;
        }
        if (setpcap)
                for (int c = 0; c <= last; c++)
                        if (c != CAP_NET_ADMIN && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) {
                                *why = "the bounding set did not shrink";
                                return -EPERM;
                        }
        return 0;
}

static const char *user_name(uid_t uid, char *buf, size_t n)
{
        struct passwd *pw = getpwuid(uid);

        if (pw)
                snprintf(buf, n, "%s", pw->pw_name);
        else
                snprintf(buf, n, "uid %ld", (long)uid);
        return buf;
}

/* --check: what this process kept, from the kernel's own account */
static int report(bool privileged, const char *acl, const char *run_dir)
{
        static const char *const keys[] = {
            "Uid:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:"};
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];

        printf("privileged: %s\n",
               privileged ? "yes (AT_SECURE: setuid or file capabilities)" : "no");
        if (f) {
                while (fgets(line, sizeof(line), f))
                        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                                if (strncmp(line, keys[i], strlen(keys[i])) == 0)
                                        fputs(line, stdout);
                fclose(f);
        }
        printf("acl: %s\nstate: %s\n", acl, run_dir);
        return 0;
}

int main(int argc, char **argv)
{
        struct vn_helper_port_opts po = {0};
        struct vn_helper_args a;
        struct vn_error err = {0};
        _cleanup_nl_ struct vn_nl *nl = NULL;
        _cleanup_free_ char *run_dir = NULL;
        const char *acl = DEFAULT_ACL, *root = "/", *env, *why;
        char net[VN_HELPER_NAME_MAX + 1], who[64], ifname[16];
        bool privileged, allowed = false;
        int tap = -1, r;

        /* setuid or file capabilities: the kernel marks the exec secure */
        privileged = getauxval(AT_SECURE) != 0;
        /* parsing argv is pure (no file, no variable, no privilege): --help works for anyone */
        r = vn_helper_args_parse(argc, argv, &a, &err);
        if (r == 0 && a.help) {
                usage(stdout);
                return 0;
        }
        if (r == 0 && a.acl_path) {
                printf("%s\n", DEFAULT_ACL);
                return 0;
        }
        if (r < 0) {
                usage(stderr);
                return fail(2, "%s", err.msg);
        }
        r = keep_only_net_admin(&why);
        if (r < 0)
                return fail(1, "%s%s%s", why, r != -EPERM ? ": " : "",
                            r != -EPERM ? strerror(-r) : "");
        /* secure_getenv: nothing for a setuid or file-capability run (tests run it unprivileged) */
        if ((env = secure_getenv("VNET_BRIDGE_ACL")) && *env)
                acl = env;
        if ((env = secure_getenv("VNET_ROOT")) && *env)
                root = env;
        if (root[0] != '/')
                return fail(1, "VNET_ROOT '%s': must be an absolute path", root);
        run_dir = vn_asprintf("%s%srun/vnet", root, root[strlen(root) - 1] == '/' ? "" : "/");
        if (!run_dir)
                return fail(1, "out of memory");
        if (a.check)
                return report(privileged, acl, run_dir);

        if (!vn_ifname_valid(a.br))
                return fail(1, "'%s' is not a valid bridge name", a.br);
        r = vn_acl_check(acl, a.br, privileged ? VN_ACL_STRICT : 0, &allowed, &err);
        if (r < 0)
                return fail(1, "%s (access denied)", err.msg);
        if (!allowed)
                return fail(1, "access denied by ACL file %s: %s may not attach to bridge '%s'",
                            acl, user_name(getuid(), who, sizeof(who)), a.br);

        po.bridge = a.br;
        po.vnet_hdr = a.vnet_hdr;
        po.uid = getuid();
        po.owner_pid = vn_fd_peer_pid(a.fd);
        if (vn_helper_net_of_bridge(run_dir, a.br, privileged, net) == 0)
                po.net = net;
        r = vn_nl_open(&nl, &err);
        if (r == 0)
                r = vn_helper_port_open(nl, &po, &tap, ifname, &err);
        if (r < 0)
                return fail(1, "bridge '%s': %s", a.br, err.msg);
        r = vn_fd_send(a.fd, "", 1, &tap, 1);
        close(tap); /* QEMU holds the only fd now; on failure the tap goes with ours */
        if (r < 0)
                return fail(1, "cannot send the tap's fd on fd %d: %s", a.fd, strerror(-r));
        return 0;
}
