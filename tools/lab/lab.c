/*
 * lab.c: `vnet lab` — a network realized in a throwaway sandbox of network
 * namespaces, with namespace guests, checked cell by cell against what its
 * forward mode promises (see lab.h).
 *
 * Namespaces are made with `ip netns add` so that `--keep` leaves something
 * an operator can enter with `ip netns exec`; everything inside them is done
 * with vnet's own library (netlink, nft, dnsmasq) from this process, which
 * switches its network namespace with setns(2). Guests' DHCP client, pings
 * and DNS lookups are busybox applets run inside the guest namespaces.
 */
#include "config.h"

#include "lab.h"

#include "dnsmasq.h"
#include "fw.h"
#include "link.h"
#include "plan.h"
#include "qemu.h"
#include "vnet.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAB_PORT 7777 /* the uplink listener */
#define LAB_QEMU_TIMEOUT_S 240 /* boot + checks of the QEMU guest (TCG on a busy host) */

/* SIGINT/SIGTERM/SIGHUP while the lab runs: stop waiting and tear the sandbox down */
static volatile sig_atomic_t lab_interrupted;
static void lab_on_signal(int sig)
{
        (void)sig;
        lab_interrupted = 1;
}

const char *vn_lab_cell_name(enum vn_lab_cell c)
{
        switch (c) {
        case VN_LAB_OK:
                return "ok";
        case VN_LAB_BLOCKED:
                return "blocked";
        case VN_LAB_FAIL:
                return "FAIL";
        case VN_LAB_NA:
        default:
                return "-";
        }
}

void vn_lab_report_free(struct vn_lab_report *r)
{
        free(r->guests);
        r->guests = NULL;
}

struct lab {
        const struct vn_lab_opts *o;
        struct vn_lab_report *rep;
        struct vn_net *net;
        enum vn_fwd_mode mode;
        const struct vn_mode_info *mi;
        bool macvtap, hostbridge;
        int self_ns;           /* where we came from */
        int host_ns, up_ns;
        int *guest_ns;
        char ns_host[80], ns_up[80];
        char (*ns_guest)[80];
        unsigned n_ns_guest;
        struct vn_ctx *ctx;
        bool started;
        pid_t listener;
        struct vn_dnsmasq_id up_dnsmasq;
        char up_conf[300];
        struct vn_addr up_host, up_peer; /* host's and uplink's addresses on up0 */
        struct vn_addr lan_peer;         /* uplink's address on the LAN (bridge/macvtap) */
        const char *pool_dev;
        char script[300];
        /* --qemu: g1 */
        const char *qemu_bin;
        char kernel[PATH_MAX], initrd[PATH_MAX];
        pid_t qemu_pid;
        int qemu_in, qemu_out; /* its serial console: our write end, our read end */
        FILE *console;         /* a copy of the console in ROOT/g1-console.log */
        char conbuf[8192];
        size_t conlen;
        uint64_t qemu_t0;
};

static void progress(struct lab *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct lab *L, const char *fmt, ...)
{
        char buf[256];
        va_list ap;

        if (!L->o->progress)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        L->o->progress(L->o->userdata, buf);
}

static void close_fds_from(int lowfd)
{
        if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
                return;
        for (int fd = lowfd; fd < 1024; fd++)
                close(fd);
}

/* Run argv (PATH lookup) in namespace nsfd (-1: ours), capturing stdout into out; bounded by
 * timeout_ms. Returns the exit status, or negative errno. */
static int run(int nsfd, const char *const argv[], const char *envkv, char *out, size_t outlen,
               unsigned timeout_ms)
{
        int pfd[2], st = 0;
        size_t len = 0;
        uint64_t deadline = vn_now_ns() + (uint64_t)timeout_ms * 1000000ull;
        pid_t pid;

        if (out && outlen)
                out[0] = '\0';
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return -errno;
        }
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR);

                if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
                        _exit(126);
                dup2(devnull, 0);
                dup2(pfd[1], 1);
                dup2(devnull, 2);
                close_fds_from(3);
                if (envkv)
                        putenv((char *)envkv);
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        close(pfd[1]);
        for (;;) {
                struct pollfd p = {.fd = pfd[0], .events = POLLIN};
                int64_t left = (int64_t)(deadline - vn_now_ns()) / 1000000;
                ssize_t n;
                char sink[256];

                if (left <= 0) {
                        kill(pid, SIGKILL);
                        break;
                }
                if (poll(&p, 1, (int)left) <= 0)
                        continue;
                if (out && len + 1 < outlen)
                        n = read(pfd[0], out + len, outlen - len - 1);
                else
                        n = read(pfd[0], sink, sizeof(sink));
                if (n <= 0)
                        break;
                if (out && len + 1 < outlen) {
                        len += (size_t)n;
                        out[len] = '\0';
                }
        }
        close(pfd[0]);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int ns_add(const char *name, int *fd, struct vn_error *err)
{
        const char *argv[] = {"ip", "netns", "add", name, NULL};
        char path[128];
        int r = run(-1, argv, NULL, NULL, 0, 5000);

        if (r != 0)
                return vn_err(err, r < 0 ? r : -EIO, "cannot create network namespace '%s' (ip "
                                                     "netns add: exit %d)",
                              name, r);
        snprintf(path, sizeof(path), "/run/netns/%s", name);
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd < 0)
                return vn_err(err, -errno, "cannot open %s: %s", path, strerror(errno));
        return 0;
}

/* Kill what still runs in the namespace, then delete it. */
/* Kill what still runs in the namespace, then delete it. The processes are found by comparing
 * /proc/PID/ns/net with the namespace itself — no helper command whose time limit a loaded
 * host could exceed, leaving a dnsmasq alive in a namespace that no longer has a name. */
static void ns_kill_all(const char *name)
{
        char path[128], link[64], want[64];
        struct stat st;
        DIR *d;
        struct dirent *de;

        snprintf(path, sizeof(path), "/run/netns/%s", name);
        if (stat(path, &st) < 0)
                return;
        snprintf(want, sizeof(want), "net:[%lu]", (unsigned long)st.st_ino);
        for (int pass = 0; pass < 3; pass++) {
                bool any = false;

                d = opendir("/proc");
                if (!d)
                        return;
                while ((de = readdir(d))) {
                        pid_t pid = (pid_t)atoi(de->d_name);
                        ssize_t n;

                        if (pid <= 1 || pid == getpid())
                                continue;
                        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
                        n = readlink(path, link, sizeof(link) - 1);
                        if (n <= 0)
                                continue;
                        link[n] = '\0';
                        if (strcmp(link, want) == 0) {
                                kill(pid, SIGKILL);
                                any = true;
                        }
                }
                closedir(d);
                if (!any)
                        return;
                usleep(20000);
        }
}

static void ns_del(const char *name)
{
        const char *del[] = {"ip", "netns", "del", name, NULL};

        if (!name[0])
                return;
        ns_kill_all(name);
        run(-1, del, NULL, NULL, 0, 30000);
}

static int enter(int nsfd, struct vn_error *err)
{
        if (setns(nsfd, CLONE_NEWNET) < 0)
                return vn_err(err, -errno, "setns: %s", strerror(errno));
        return 0;
}

/* lo up (and optionally more links) inside a namespace */
static int links_up(struct lab *L, int nsfd, const char *const *names, struct vn_error *err)
{
        struct vn_nl *nl = NULL;
        int r = enter(nsfd, err);

        if (r == 0)
                r = vn_nl_open(&nl, err);
        for (size_t i = 0; r == 0 && names[i]; i++)
                r = vn_link_set_up(nl, names[i], true, err);
        vn_nl_close(nl);
        enter(L->self_ns, err);
        return r;
}

static void pick_uplink(struct lab *L)
{
        static const char *cands[] = {"10.255.0.", "172.31.255.", "192.0.2."};

        for (size_t c = 0; c < VN_ARRAY_SIZE(cands); c++) {
                char a[32];
                bool clash = false;

                snprintf(a, sizeof(a), "%s1", cands[c]);
                vn_addr_parse(a, &L->up_host);
                for (size_t i = 0; i < L->net->n_ips; i++) {
                        const struct vn_ip *ip = &L->net->ips[i];

                        if (ip->address.family == AF_INET &&
                            vn_subnet_overlap(&ip->address, vn_ip_prefix(ip), &L->up_host, 24))
                                clash = true;
                }
                if (!clash)
                        break;
        }
        L->up_peer = L->up_host;
        L->up_peer.u.bytes[3] = 2;
}

/* A TCP listener in the uplink namespace: answers each connection with the address it saw. */
static int start_listener(struct lab *L, struct vn_error *err)
{
        pid_t parent = getpid();
        pid_t pid = fork();

        if (pid < 0)
                return vn_err(err, -errno, "fork: %s", strerror(errno));
        if (pid == 0) {
                struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(LAB_PORT)};
                int one = 1, s;

                int devnull = open("/dev/null", O_RDWR);

                /* without --keep it dies with the lab, however the lab ends (a lab killed by a
                 * timeout left it accepting forever in a namespace nobody deleted) */
                if (!L->o->keep &&
                    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
                        _exit(0);
                if (setns(L->up_ns, CLONE_NEWNET) < 0)
                        _exit(1);
                /* it may outlive us (--keep): hold none of our caller's pipes */
                dup2(devnull, 0);
                dup2(devnull, 1);
                dup2(devnull, 2);
                close_fds_from(3);
                setsid();
                s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 16) < 0)
                        _exit(1);
                for (;;) {
                        struct sockaddr_in peer;
                        socklen_t pl = sizeof(peer);
                        int c = accept(s, (struct sockaddr *)&peer, &pl);
                        char line[64];

                        if (c < 0)
                                continue;
                        snprintf(line, sizeof(line), "%s\n", inet_ntoa(peer.sin_addr));
                        if (write(c, line, strlen(line)) < 0) {
                                /* the client went away: nothing to do */
                        }
                        close(c);
                }
        }
        L->listener = pid;
        return 0;
}

static int write_text(const char *path, const char *text, unsigned mode)
{
        return vn_write_file_atomic(path, text, strlen(text), mode);
}

/* For host-bridge and macvtap networks the "outside" is a LAN: the uplink namespace serves
 * DHCP on it (10.254.0.0/24). */
static int start_lan_dhcp(struct lab *L, struct vn_error *err)
{
        char conf[1024], pidf[300];
        int r;

        snprintf(L->up_conf, sizeof(L->up_conf), "%s/uplink-dnsmasq.conf", L->rep->root);
        snprintf(pidf, sizeof(pidf), "%s/uplink-dnsmasq.pid", L->rep->root);
        snprintf(conf, sizeof(conf),
                 "interface=lan0\nbind-interfaces\nexcept-interface=lo\nport=0\n"
                 "dhcp-range=10.254.0.100,10.254.0.200,1h\ndhcp-authoritative\nno-ping\n"
                 "dhcp-option=3,10.254.0.1\npid-file=%s\ndhcp-leasefile=%s/uplink.leases\n",
                 pidf, L->rep->root);
        r = write_text(L->up_conf, conf, 0644);
        if (r < 0)
                return vn_err(err, r, "cannot write %s", L->up_conf);
        r = enter(L->up_ns, err);
        if (r == 0)
                r = vn_dnsmasq_start(L->up_conf, pidf, &L->up_dnsmasq, err);
        enter(L->self_ns, err);
        return r;
}

static int build_outside(struct lab *L, struct vn_error *err)
{
        struct vn_nl *nl = NULL;
        struct vn_addr any = {.family = AF_INET}, none = {0};
        int r;

        r = enter(L->host_ns, err);
        /* a real KVM host forwards (its other networks need it): so must the sandbox host,
         * or an isolated network would look isolated without any rule of vnet's */
        if (r == 0)
                r = vn_sysctl_write("net/ipv4/ip_forward", "1", err);
        if (r == 0)
                r = vn_nl_open(&nl, err);
        if (r == 0)
                r = vn_veth_create(nl, "up0", "up0", L->up_ns, NULL, err);
        if (r == 0)
                r = vn_ifaddr_add(nl, "up0", &L->up_host, 24, false, err);
        if (r == 0)
                r = vn_link_set_up(nl, "up0", true, err);
        if (r == 0)
                r = vn_route_add(nl, "up0", &any, 0, &L->up_peer, 0, err);
        if (r == 0 && (L->hostbridge || L->macvtap)) {
                const char *dev = L->hostbridge ? "lan0" : L->pool_dev;

                if (L->hostbridge) {
                        struct vn_bridge_spec spec = {.name = L->net->bridge.name};

                        r = vn_bridge_create(nl, &spec, err);
                        if (r == 0)
                                r = vn_link_set_up(nl, L->net->bridge.name, true, err);
                }
                if (r == 0)
                        r = vn_veth_create(nl, dev, "lan0", L->up_ns, NULL, err);
                if (r == 0 && L->hostbridge)
                        r = vn_link_set_master(nl, dev, L->net->bridge.name, err);
                if (r == 0)
                        r = vn_link_set_up(nl, dev, true, err);
                /* the rest of a macvtap pool exists too (start checks every device) */
                for (size_t k = 1; r == 0 && L->macvtap && k < L->net->forward.n_ifs; k++) {
                        char peer[16];

                        snprintf(peer, sizeof(peer), "lan%u", (unsigned)(k % 1000));
                        r = vn_veth_create(nl, L->net->forward.ifs[k].dev, peer, L->up_ns, NULL,
                                           err);
                }
        }
        vn_nl_close(nl);
        nl = NULL;
        if (r == 0)
                r = enter(L->up_ns, err);
        if (r == 0)
                r = vn_nl_open(&nl, err);
        if (r == 0)
                r = vn_ifaddr_add(nl, "up0", &L->up_peer, 24, false, err);
        if (r == 0)
                r = vn_link_set_up(nl, "up0", true, err);
        for (size_t i = 0; r == 0 && i < L->net->n_ips; i++) {
                const struct vn_ip *ip = &L->net->ips[i];
                struct vn_addr n;

                if (ip->address.family != AF_INET)
                        continue;
                /* the outside knows its way back to the network, so that NAT vs routed and
                 * isolation are what is tested, not a missing route */
                vn_addr_network(&ip->address, vn_ip_prefix(ip), &n);
                r = vn_route_add(nl, "up0", &n, vn_ip_prefix(ip), &L->up_host, 0, err);
        }
        if (r == 0 && (L->hostbridge || L->macvtap)) {
                vn_addr_parse("10.254.0.1", &L->lan_peer);
                r = vn_ifaddr_add(nl, "lan0", &L->lan_peer, 24, false, err);
                if (r == 0)
                        r = vn_link_set_up(nl, "lan0", true, err);
        }
        vn_nl_close(nl);
        enter(L->self_ns, err);
        (void)none;
        if (r < 0)
                return r;
        r = start_listener(L, err);
        if (r == 0 && (L->hostbridge || L->macvtap))
                r = start_lan_dhcp(L, err);
        return r;
}

static bool net_has_dhcp(const struct vn_net *net)
{
        for (size_t i = 0; i < net->n_ips; i++)
                if (net->ips[i].address.family == AF_INET && net->ips[i].n_ranges)
                        return true;
        return false;
}

static const struct vn_ip *first_v4(const struct vn_net *net)
{
        for (size_t i = 0; i < net->n_ips; i++)
                if (net->ips[i].address.family == AF_INET)
                        return &net->ips[i];
        return NULL;
}

static int plug_guest(struct lab *L, unsigned i, struct vn_error *err)
{
        struct vn_nl *nl = NULL;
        char port[16];
        int r;

        snprintf(port, sizeof(port), "vnlg%u", i);
        r = enter(L->host_ns, err);
        if (r == 0)
                r = vn_nl_open(&nl, err);
        if (r == 0 && L->macvtap) {
                enum vn_macvtap_mode m = L->mode == VN_FWD_VEPA      ? VN_MACVTAP_VEPA
                                         : L->mode == VN_FWD_PRIVATE ? VN_MACVTAP_PRIVATE
                                         : L->mode == VN_FWD_PASSTHROUGH ? VN_MACVTAP_PASSTHRU
                                                                         : VN_MACVTAP_BRIDGE;

                r = vn_macvlan_create(nl, "eth0", L->pool_dev, m, L->guest_ns[i], err);
        } else if (r == 0) {
                r = vn_veth_create(nl, port, "eth0", L->guest_ns[i], NULL, err);
                if (r == 0)
                        r = vn_link_set_master(nl, port, L->rep->bridge, err);
                if (r == 0)
                        r = vn_link_set_up(nl, port, true, err);
        }
        vn_nl_close(nl);
        enter(L->self_ns, err);
        if (r == 0) {
                const char *up[] = {"lo", "eth0", NULL};

                r = links_up(L, L->guest_ns[i], up, err);
        }
        return r;
}

static void guest_address(struct lab *L, unsigned i, struct vn_lab_guest *g)
{
        char out[128], env[400];
        bool dhcp = L->macvtap || L->hostbridge || net_has_dhcp(L->net);

        if (dhcp) {
                const char *argv[] = {"busybox", "udhcpc", "-i",     "eth0", "-n", "-q", "-f",
                                      "-t",      "6",      "-T",     "1",    "-A", "1",  "-s",
                                      L->script, NULL};
                char outf[320];
                _cleanup_free_ char *got = NULL;

                snprintf(outf, sizeof(outf), "%s/lease-%u", L->rep->root, i);
                snprintf(env, sizeof(env), "LAB_OUT=%s", outf);
                run(L->guest_ns[i], argv, env, out, sizeof(out), 15000);
                if (vn_read_file(outf, 4096, &got, NULL) == 0) {
                        got[strcspn(got, "\n")] = '\0';
                        snprintf(g->addr, sizeof(g->addr), "%s", got);
                        g->leased = true;
                }
                return;
        }
        /* no DHCP on this network: give the guest an address of its own */
        {
                const struct vn_ip *ip = first_v4(L->net);
                struct vn_addr a;
                char cidr[64], gw[VN_ADDR_STRLEN];

                if (!ip)
                        return;
                vn_addr_network(&ip->address, vn_ip_prefix(ip), &a);
                a.u.bytes[3] = (uint8_t)(200 + i);
                vn_addr_format(&a, g->addr);
                snprintf(cidr, sizeof(cidr), "%s/%u", g->addr, vn_ip_prefix(ip));
                vn_addr_format(&ip->address, gw);
                {
                        const char *add[] = {"busybox", "ip", "addr", "add", cidr, "dev", "eth0",
                                             NULL};
                        const char *rt[] = {"busybox", "ip",  "route", "add", "default",
                                            "via",     gw,    NULL};

                        run(L->guest_ns[i], add, NULL, NULL, 0, 3000);
                        run(L->guest_ns[i], rt, NULL, NULL, 0, 3000);
                }
        }
}

static enum vn_lab_cell ping(int nsfd, const char *addr, double *ms)
{
        const char *argv[] = {"busybox", "ping", "-c", "1", "-W", "1", addr, NULL};
        char out[512], *t;
        int r = run(nsfd, argv, NULL, out, sizeof(out), 3000);

        if (r != 0)
                return VN_LAB_BLOCKED;
        if (ms && (t = strstr(out, "time=")))
                *ms = atof(t + 5);
        return VN_LAB_OK;
}

static void check_guest(struct lab *L, unsigned i, struct vn_lab_guest *g)
{
        const struct vn_ip *ip = first_v4(L->net);
        char gw[VN_ADDR_STRLEN] = "", up[VN_ADDR_STRLEN], out[256], port[8];
        bool l3 = L->mi->l3;

        if (l3 && ip)
                vn_addr_format(&ip->address, gw);
        else
                vn_addr_format(&L->lan_peer, gw);
        g->gw = ping(L->guest_ns[i], gw, &g->gw_ms);

        /* the outside: what does it see? */
        vn_addr_format(l3 ? &L->up_peer : &L->lan_peer, up);
        snprintf(port, sizeof(port), "%d", LAB_PORT);
        {
                const char *argv[] = {"busybox", "nc", "-w", "2", up, port, NULL};

                run(L->guest_ns[i], argv, NULL, out, sizeof(out), 4000);
                out[strcspn(out, "\r\n")] = '\0';
                if (out[0]) {
                        g->uplink = VN_LAB_OK;
                        out[sizeof(g->seen_as) - 1] = '\0';
                        memcpy(g->seen_as, out, strlen(out) + 1);
                        g->seen_kind = strcmp(out, g->addr) == 0 ? (l3 ? "routed" : "bridged")
                                                                  : "NAT";
                } else {
                        g->uplink = VN_LAB_BLOCKED;
                }
        }

        /* DNS from the network's dnsmasq */
        if (l3 && ip && !(L->net->dns.present && L->net->dns.enable == VN_NO)) {
                const char *name = "localhost";

                for (size_t k = 0; k < ip->n_hosts; k++)
                        if (ip->hosts[k].name) {
                                name = ip->hosts[k].name;
                                break;
                        }
                const char *argv[] = {"busybox", "nslookup", "-type=a", name, gw, NULL};

                /* busybox nslookup exits 1 when the AAAA half is refused: judge the answer */
                run(L->guest_ns[i], argv, NULL, out, sizeof(out), 4000);
                g->dns = strstr(out, "Name:") ? VN_LAB_OK : VN_LAB_FAIL;
        }
}

static void check_others(struct lab *L)
{
        for (unsigned i = 0; i < L->rep->n_guests; i++) {
                struct vn_lab_guest *g = &L->rep->guests[i];
                bool all = true;

                if (L->rep->n_guests < 2) {
                        g->others = VN_LAB_NA;
                        continue;
                }
                if (g->qemu) /* it pinged the others itself */
                        continue;
                for (unsigned k = 0; k < L->rep->n_guests; k++) {
                        if (k == i)
                                continue;
                        if (!L->rep->guests[k].addr[0] ||
                            ping(L->guest_ns[i], L->rep->guests[k].addr, NULL) != VN_LAB_OK)
                                all = false;
                }
                g->others = all ? VN_LAB_OK : VN_LAB_BLOCKED;
        }
}

/* ---- --qemu: g1 is a real QEMU guest -------------------------------------------------- */

const char *vn_lab_qemu_binary(void)
{
        static char found[PATH_MAX];
        const char *env = getenv("VNET_QEMU"), *path = getenv("PATH");

        if (env && env[0])
                return access(env, X_OK) == 0 ? env : NULL;
        for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
                size_t n = strcspn(p, ":");

                snprintf(found, sizeof(found), "%.*s/qemu-system-x86_64", (int)n, p);
                if (n && access(found, X_OK) == 0)
                        return found;
                p += n + (p[n] == ':');
        }
        return NULL;
}

/* The guest builder: $VNET_GUEST_BUILD; the source tree's when this vnet runs from its build
 * tree (tools/vnet next to a Makefile); else the installed one. */
static void guest_builder(char *buf, size_t len)
{
        const char *env = getenv("VNET_GUEST_BUILD");
        char exe[PATH_MAX], mk[PATH_MAX + 16];
        ssize_t n;

        if (env && env[0]) {
                snprintf(buf, len, "%s", env);
                return;
        }
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                char *slash;

                exe[n] = '\0';
                slash = strrchr(exe, '/');
                if (slash) {
                        *slash = '\0';
                        snprintf(mk, sizeof(mk), "%s/../Makefile", exe);
                        snprintf(buf, len, "%s/tools/vnet-guest-build.sh", VNET_ABS_SRCDIR);
                        if (access(mk, R_OK) == 0 && access(buf, R_OK) == 0)
                                return;
                }
        }
        snprintf(buf, len, "%s/vnet/vnet-guest-build", VNET_LIBEXECDIR);
}

static void cache_dir(char *buf, size_t len)
{
        const char *env = getenv("VNET_LAB_CACHE"), *xdg = getenv("XDG_CACHE_HOME");

        if (env && env[0])
                snprintf(buf, len, "%s", env);
        else if (xdg && xdg[0])
                snprintf(buf, len, "%s/vnet-lab", xdg);
        else
                snprintf(buf, len, "/var/cache/vnet-lab");
}

/* Kernel and initramfs: the caller's, or the tiny guest, built once and cached. */
static int guest_image(struct lab *L, struct vn_error *err)
{
        char builder[PATH_MAX], cache[PATH_MAX], errf[320], out[2 * PATH_MAX + 4];
        _cleanup_free_ char *msg = NULL;
        char *nl;
        int r;

        if (L->o->kernel || L->o->initrd) {
                if (!L->o->kernel || !L->o->initrd)
                        return vn_err(err, -EINVAL, "lab: --kernel and --initrd go together");
                if (access(L->o->kernel, R_OK) < 0 || access(L->o->initrd, R_OK) < 0)
                        return vn_err(err, -errno, "lab: cannot read %s: %s",
                                      access(L->o->kernel, R_OK) < 0 ? L->o->kernel
                                                                     : L->o->initrd,
                                      strerror(errno));
                snprintf(L->kernel, sizeof(L->kernel), "%s", L->o->kernel);
                snprintf(L->initrd, sizeof(L->initrd), "%s", L->o->initrd);
                return 0;
        }
        guest_builder(builder, sizeof(builder));
        cache_dir(cache, sizeof(cache));
        if (access(builder, R_OK) < 0)
                return vn_err(err, -ENOENT,
                              "lab: the guest builder %s is missing (reinstall vnet, or give "
                              "--kernel and --initrd)",
                              builder);
        snprintf(errf, sizeof(errf), "%s/guest-build.err", L->rep->root);
        progress(L, "guest g1: kernel and initramfs (built once, cached in %s)", cache);
        {
                const char *argv[] = {"sh", "-c", "exec bash \"$0\" --quiet \"$1\" 2>\"$2\"",
                                      builder, cache, errf, NULL};

                r = run(-1, argv, NULL, out, sizeof(out), 300000);
        }
        if (r != 0) {
                vn_read_file(errf, 4096, &msg, NULL);
                if (msg && (nl = strrchr(msg, '\n')) && !nl[1])
                        *nl = '\0';
                return vn_err(err, -EIO, "lab: cannot build the guest: %s",
                              msg && msg[0] ? msg : "vnet-guest-build failed");
        }
        nl = strchr(out, '\n');
        if (!nl)
                return vn_err(err, -EIO, "lab: vnet-guest-build said '%s'", out);
        *nl++ = '\0';
        nl[strcspn(nl, "\n")] = '\0';
        if (strlen(out) >= sizeof(L->kernel) || strlen(nl) >= sizeof(L->initrd))
                return vn_err(err, -ENAMETOOLONG, "lab: the guest's paths are too long");
        snprintf(L->kernel, sizeof(L->kernel), "%.*s", (int)sizeof(L->kernel) - 1, out);
        snprintf(L->initrd, sizeof(L->initrd), "%.*s", (int)sizeof(L->initrd) - 1, nl);
        return 0;
}

/* Boot g1: its NIC is a port of the network handed to QEMU as an fd by the library's QEMU
 * code (vn_qemu_run) in a child forked inside the sandbox host namespace, so QEMU runs there.
 * Its serial console is a pair of pipes: we read the guest's report and write the line that
 * lets it power off. */
static int qemu_start(struct lab *L, struct vn_lab_guest *g, struct vn_error *err)
{
        const struct vn_ip *ip = first_v4(L->net);
        const char *accel = getenv("VNET_LAB_ACCEL");
        char append[1536], gw[VN_ADDR_STRLEN], up[VN_ADDR_STRLEN], mac[VN_MAC_STRLEN];
        char errf[320], logf[320];
        bool l3 = L->mi->l3;
        int in[2], out[2], r;
        size_t len;
        pid_t pid;

        if (!accel || !accel[0])
                accel = "tcg";
        if (l3 && ip)
                vn_addr_format(&ip->address, gw);
        else
                vn_addr_format(&L->lan_peer, gw);
        vn_addr_format(l3 ? &L->up_peer : &L->lan_peer, up);
        len = (size_t)snprintf(append, sizeof(append),
                               "console=ttyS0 panic=-1 quiet loglevel=1 rdinit=/init vnet.lab=1 "
                               "vnet.wait=60 vnet.hold=300 vnet.gw=%s vnet.up=%s:%d",
                               gw, up, LAB_PORT);
        if (!(L->macvtap || L->hostbridge || net_has_dhcp(L->net)) && ip) {
                struct vn_addr a;

                vn_addr_network(&ip->address, vn_ip_prefix(ip), &a);
                a.u.bytes[3] = 200;
                vn_addr_format(&a, g->addr);
                len += (size_t)snprintf(append + len, sizeof(append) - len, " vnet.ip=%s/%u",
                                        g->addr, vn_ip_prefix(ip));
        }
        if (l3 && ip && !(L->net->dns.present && L->net->dns.enable == VN_NO)) {
                const char *name = "localhost";

                for (size_t k = 0; k < ip->n_hosts; k++)
                        if (ip->hosts[k].name) {
                                name = ip->hosts[k].name;
                                break;
                        }
                len += (size_t)snprintf(append + len, sizeof(append) - len, " vnet.dns=%s", name);
        }
        for (size_t k = 1, first = 1; k < L->rep->n_guests + 0 && len < sizeof(append) - 64; k++)
                if (L->rep->guests[k].addr[0]) {
                        len += (size_t)snprintf(append + len, sizeof(append) - len, "%s%s",
                                                first ? " vnet.others=" : ",",
                                                L->rep->guests[k].addr);
                        first = 0;
                }
        snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", 0x1a, (unsigned)(getpid() >> 8) & 0xff,
                 (unsigned)getpid() & 0xff);
        snprintf(errf, sizeof(errf), "%s/g1-qemu.err", L->rep->root);
        snprintf(logf, sizeof(logf), "%s/g1-console.log", L->rep->root);
        L->console = fopen(logf, "we");
        if (pipe2(in, O_CLOEXEC) < 0)
                return vn_err(err, -errno, "pipe: %s", strerror(errno));
        if (pipe2(out, O_CLOEXEC) < 0) {
                r = -errno;
                close(in[0]);
                close(in[1]);
                return vn_err(err, r, "pipe: %s", strerror(-r));
        }
        r = enter(L->host_ns, err);
        if (r < 0)
                return r;
        progress(L, "guest g1: booting QEMU (%s, %s) with its NIC from vnet's fd handoff", accel,
                 L->kernel);
        L->qemu_t0 = vn_now_ns();
        pid = fork();
        if (pid == 0) {
                const char *argv[] = {L->qemu_bin, "-accel", accel, "-M", "pc", "-m", "256",
                                      "-smp", "1", "-nodefaults", "-no-user-config",
                                      "-display", "none", "-no-reboot", "-serial", "stdio",
                                      "-monitor", "none", "-global", "virtio-net-pci.romfile=",
                                      "-kernel", L->kernel, "-initrd", L->initrd, "-append",
                                      append, NULL};
                struct vn_qemu_nic nic = {.net = L->net->name, .mac = mac,
                                          .model = (char *)VN_QEMU_DEFAULT_MODEL, .queues = 1};
                struct vn_error e = {0};
                int ef = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                /* QEMU dies with the lab, however the lab ends */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGHUP, SIG_DFL);
                if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || (ef >= 0 && dup2(ef, 2) < 0))
                        _exit(126);
                vn_qemu_run(L->ctx, &nic, 1, (char *const *)argv, VN_ARRAY_SIZE(argv) - 1, &e);
                dprintf(2, "%s\n", e.msg[0] ? e.msg : "cannot run QEMU");
                _exit(127);
        }
        r = pid < 0 ? -errno : 0;
        enter(L->self_ns, err);
        close(in[0]);
        close(out[1]);
        if (r < 0) {
                close(in[1]);
                close(out[0]);
                return vn_err(err, r, "fork: %s", strerror(-r));
        }
        L->qemu_pid = pid;
        L->qemu_in = in[1];
        L->qemu_out = out[0];
        g->qemu = true;
        return 0;
}

/* One console line of g1: fill its cells, say how the boot goes. */
static bool qemu_line(struct lab *L, struct vn_lab_guest *g, char *line)
{
        double t = (double)(vn_now_ns() - L->qemu_t0) / 1e9;
        char a[64] = "", b[64] = "";

        line[strcspn(line, "\r")] = '\0';
        if (strncmp(line, "VNET-E2E: waiting for eth0", 26) == 0) {
                progress(L, "guest g1: kernel up, /init running (%.1f s)", t);
        } else if (sscanf(line, "VNET-E2E: nic %63s", a) == 1) {
                progress(L, "guest g1: NIC %s (%.1f s)", a, t);
        } else if (sscanf(line, "VNET-E2E: lease %63s router %63s", a, b) >= 1) {
                if (strcmp(a, "none") != 0) {
                        char *slash = strchr(a, '/');

                        if (slash)
                                *slash = '\0';
                        snprintf(g->addr, sizeof(g->addr), "%s", a);
                        g->leased = !g->addr[0] || net_has_dhcp(L->net) || L->macvtap ||
                                    L->hostbridge;
                        g->lease_s = t;
                }
                progress(L, "guest g1: %s %s (%.1f s after QEMU started)",
                         g->leased ? "leased" : "address", g->addr[0] ? g->addr : "none", t);
        } else if (sscanf(line, "VNET-LAB: gateway ok %63s", a) == 1) {
                g->gw = VN_LAB_OK;
                g->gw_ms = atof(a);
        } else if (strncmp(line, "VNET-LAB: gateway blocked", 25) == 0) {
                g->gw = VN_LAB_BLOCKED;
        } else if (sscanf(line, "VNET-LAB: uplink %63s", a) == 1) {
                if (strcmp(a, "blocked") == 0) {
                        g->uplink = VN_LAB_BLOCKED;
                } else {
                        g->uplink = VN_LAB_OK;
                        snprintf(g->seen_as, sizeof(g->seen_as), "%s", a);
                        g->seen_kind = strcmp(a, g->addr) == 0 ? (L->mi->l3 ? "routed" : "bridged")
                                                               : "NAT";
                }
        } else if (sscanf(line, "VNET-LAB: dns %63s", a) == 1) {
                g->dns = strcmp(a, "ok") == 0 ? VN_LAB_OK : VN_LAB_FAIL;
        } else if (sscanf(line, "VNET-LAB: others %63s", a) == 1) {
                g->others = strcmp(a, "ok") == 0 ? VN_LAB_OK : VN_LAB_BLOCKED;
        } else if (strncmp(line, "VNET-LAB: checked", 17) == 0) {
                progress(L, "guest g1: checked its cells (%.1f s after QEMU started)", t);
                return true;
        } else if (strstr(line, "Kernel panic")) {
                snprintf(g->note, sizeof(g->note), "QEMU guest: %.120s", line);
        }
        return false;
}

/* Read g1's console until `until` is seen (true) or QEMU exits, time runs out, or the lab is
 * interrupted (false). until == NULL: until QEMU closes its console. */
static bool qemu_read(struct lab *L, struct vn_lab_guest *g, bool until_checked,
                      unsigned timeout_s)
{
        uint64_t deadline = vn_now_ns() + (uint64_t)timeout_s * 1000000000ull;

        while (!lab_interrupted && L->qemu_out >= 0) {
                struct pollfd p = {.fd = L->qemu_out, .events = POLLIN};
                int64_t left = (int64_t)(deadline - vn_now_ns()) / 1000000;
                ssize_t n;
                char *nl;

                if (left <= 0)
                        return false;
                if (poll(&p, 1, left > 500 ? 500 : (int)left) <= 0)
                        continue;
                n = read(L->qemu_out, L->conbuf + L->conlen, sizeof(L->conbuf) - L->conlen - 1);
                if (n <= 0) {
                        close(L->qemu_out);
                        L->qemu_out = -1;
                        return false;
                }
                if (L->console)
                        fwrite(L->conbuf + L->conlen, 1, (size_t)n, L->console);
                L->conlen += (size_t)n;
                L->conbuf[L->conlen] = '\0';
                while ((nl = strchr(L->conbuf, '\n'))) {
                        bool done;

                        *nl = '\0';
                        done = qemu_line(L, g, L->conbuf);
                        L->conlen -= (size_t)(nl + 1 - L->conbuf);
                        memmove(L->conbuf, nl + 1, L->conlen + 1);
                        if (done && until_checked)
                                return true;
                }
                if (L->conlen + 1 >= sizeof(L->conbuf)) /* a line too long: drop it */
                        L->conlen = 0;
        }
        return false;
}

/* Let g1 power off (a line on its console), bounded; then make sure QEMU is gone. */
static void qemu_stop(struct lab *L, struct vn_lab_guest *g)
{
        uint64_t deadline = vn_now_ns() + 30ull * 1000000000ull;

        if (L->qemu_pid <= 0)
                return;
        if (L->qemu_in >= 0) {
                if (write(L->qemu_in, "\n", 1) < 0) {
                        /* QEMU is gone already */
                }
        }
        while (g && L->qemu_out >= 0 && vn_now_ns() < deadline && !lab_interrupted)
                qemu_read(L, g, false, 1);
        if (waitpid(L->qemu_pid, NULL, WNOHANG) == 0) {
                kill(L->qemu_pid, SIGKILL);
                waitpid(L->qemu_pid, NULL, 0);
        }
        L->qemu_pid = 0;
        if (L->qemu_in >= 0)
                close(L->qemu_in);
        if (L->qemu_out >= 0)
                close(L->qemu_out);
        L->qemu_in = L->qemu_out = -1;
        if (L->console)
                fclose(L->console);
        L->console = NULL;
}

/* Why g1 did not report: QEMU's own words, or the console's last line. */
static void qemu_explain(struct lab *L, struct vn_lab_guest *g)
{
        char errf[320];
        _cleanup_free_ char *msg = NULL;

        if (g->note[0])
                return;
        snprintf(errf, sizeof(errf), "%s/g1-qemu.err", L->rep->root);
        if (vn_read_file(errf, 4096, &msg, NULL) == 0 && msg[0]) {
                char *line = msg, *nl;

                /* the last non-empty line says the most */
                while ((nl = strchr(line, '\n')) && nl[1])
                        line = nl + 1;
                line[strcspn(line, "\n")] = '\0';
                snprintf(g->note, sizeof(g->note), "QEMU: %.140s", line);
        } else if (lab_interrupted) {
                snprintf(g->note, sizeof(g->note), "interrupted");
        } else {
                snprintf(g->note, sizeof(g->note),
                         "QEMU guest did not report within %d s (no report on its console)",
                         LAB_QEMU_TIMEOUT_S);
        }
}

/* What the mode promises, cell by cell. An unexpected success is a failure too. */
static void judge(struct lab *L, struct vn_lab_guest *g)
{
        bool ok = g->addr[0] != '\0';
        bool l3 = L->mi->l3;
        char host_up[VN_ADDR_STRLEN];

        vn_addr_format(&L->up_host, host_up);
        if (g->gw != VN_LAB_OK)
                ok = false;
        switch (L->mode) {
        case VN_FWD_NAT:
                ok = ok && g->uplink == VN_LAB_OK && strcmp(g->seen_as, host_up) == 0;
                break;
        case VN_FWD_ROUTE:
        case VN_FWD_OPEN:
                ok = ok && g->uplink == VN_LAB_OK && strcmp(g->seen_as, g->addr) == 0;
                break;
        case VN_FWD_NONE:
                if (g->uplink != VN_LAB_BLOCKED) {
                        ok = false;
                        snprintf(g->note, sizeof(g->note), "reached the uplink from an isolated "
                                                           "network");
                }
                break;
        default: /* bridged to a LAN: the outside sees the guest itself */
                ok = ok && g->uplink == VN_LAB_OK && strcmp(g->seen_as, g->addr) == 0;
                break;
        }
        if (l3 && g->dns == VN_LAB_FAIL)
                ok = false;
        if (g->others != VN_LAB_NA) {
                bool expect = !(L->mode == VN_FWD_VEPA || L->mode == VN_FWD_PRIVATE);

                if ((g->others == VN_LAB_OK) != expect)
                        ok = false;
        }
        g->expected_ok = ok;
}

static unsigned count_left(struct lab *L, unsigned *rules, unsigned *procs)
{
        struct vn_nl *nl = NULL;
        struct vn_error e = {0};
        char **names = NULL;
        size_t n = 0;
        unsigned links = 0;
        char *out = NULL;
        struct stat hs;

        *rules = *procs = 0;
        if (enter(L->host_ns, &e) < 0)
                return 0;
        if (vn_nl_open(&nl, &e) == 0 && vn_link_list_names(nl, &names, &n, &e) == 0) {
                for (size_t i = 0; i < n; i++) {
                        struct vn_link_info li;

                        if (vn_link_get(nl, names[i], &li, &e) == 0 &&
                            (strcmp(li.kind, "bridge") == 0 || strcmp(li.kind, "tun") == 0) &&
                            !(L->hostbridge && strcmp(names[i], L->net->bridge.name) == 0))
                                links++;
                }
                vn_strv_free(names, n);
        }
        vn_nl_close(nl);
        if (vn_nft_query("list ruleset", &out, &e) == 0 && out) {
                for (char *p = out; (p = strstr(p, "table inet vnet")); p++)
                        (*rules)++;
                free(out);
        }
        enter(L->self_ns, &e);
        /* processes still in the host namespace */
        if (fstat(L->host_ns, &hs) == 0) {
                const char *argv[] = {"ip", "netns", "pids", L->ns_host, NULL};
                char pids[2048];

                if (run(-1, argv, NULL, pids, sizeof(pids), 3000) == 0) {
                        char *save = NULL;

                        for (char *t = strtok_r(pids, " \n", &save); t;
                             t = strtok_r(NULL, " \n", &save))
                                if (atoi(t) != L->listener)
                                        (*procs)++;
                }
        }
        return links;
}

static void teardown(struct lab *L)
{
        qemu_stop(L, NULL);
        if (L->listener > 0) {
                kill(L->listener, SIGKILL);
                waitpid(L->listener, NULL, 0);
                L->listener = 0;
        }
        if (L->up_dnsmasq.pid > 0) {
                struct vn_error e = {0};

                vn_dnsmasq_stop(&L->up_dnsmasq, L->up_conf, &e);
                memset(&L->up_dnsmasq, 0, sizeof(L->up_dnsmasq));
        }
        for (unsigned i = 0; i < L->n_ns_guest; i++) {
                if (L->guest_ns[i] >= 0)
                        close(L->guest_ns[i]);
                ns_del(L->ns_guest[i]);
        }
        if (L->up_ns >= 0)
                close(L->up_ns);
        if (L->host_ns >= 0)
                close(L->host_ns);
        ns_del(L->ns_up);
        ns_del(L->ns_host);
        if (L->rep->root[0]) {
                const char *argv[] = {"rm", "-rf", L->rep->root, NULL};

                run(-1, argv, NULL, NULL, 0, 10000);
        }
}

static int lab_main(struct lab *L, struct vn_error *err)
{
        const struct vn_lab_opts *o = L->o;
        struct vn_lab_report *rep = L->rep;
        unsigned ng = o->guests ? o->guests : 2;
        uint64_t t0;
        int r;

        r = vn_net_parse_file(o->file, &L->net, err);
        if (r == 0)
                r = vn_net_check(L->net, err);
        if (r < 0)
                return r;
        L->mode = L->net->forward.present ? L->net->forward.mode : VN_FWD_NONE;
        L->mi = vn_mode_info(L->mode);
        L->hostbridge = L->mode == VN_FWD_BRIDGE && L->net->bridge.name;
        L->macvtap = L->mi->uses_macvtap || (L->mode == VN_FWD_BRIDGE && !L->net->bridge.name);
        if (L->mode == VN_FWD_HOSTDEV)
                return vn_err(err, -EOPNOTSUPP, "lab: hostdev networks need SR-IOV hardware");
        if (L->net->ext.overlay.type != VN_OVERLAY_NONE)
                return vn_err(err, -EOPNOTSUPP,
                              "lab: network '%s' spans several hosts (<vnet:overlay>); the lab "
                              "sandbox is one host — see tests/integration/overlay*.sh for a "
                              "multi-host run",
                              L->net->name);
        if (L->macvtap) {
                L->pool_dev = L->net->forward.n_ifs ? L->net->forward.ifs[0].dev
                              : L->net->forward.n_pfs ? L->net->forward.pfs[0]
                                                      : L->net->forward.dev;
                if (!L->pool_dev)
                        return vn_err(err, -EINVAL, "lab: macvtap network without a device");
                if (L->mode == VN_FWD_PASSTHROUGH)
                        ng = 1; /* one guest per device */
        }
        snprintf(rep->network, sizeof(rep->network), "%s", L->net->name);
        snprintf(rep->mode, sizeof(rep->mode), "%s", vn_fwd_mode_name(L->mode));
        if (first_v4(L->net)) {
                struct vn_addr n;
                char a[VN_ADDR_STRLEN];

                vn_addr_network(&first_v4(L->net)->address, vn_ip_prefix(first_v4(L->net)), &n);
                snprintf(rep->subnet, sizeof(rep->subnet), "%s/%u", vn_addr_format(&n, a),
                         vn_ip_prefix(first_v4(L->net)));
        }

        /* sandbox */
        snprintf(rep->sandbox, sizeof(rep->sandbox), "vnl-%ld", (long)getpid());
        snprintf(L->ns_host, sizeof(L->ns_host), "%s-host", rep->sandbox);
        snprintf(L->ns_up, sizeof(L->ns_up), "%s-uplink", rep->sandbox);
        snprintf(rep->root, sizeof(rep->root), "/tmp/vnet-lab.XXXXXX");
        if (!mkdtemp(rep->root)) {
                rep->root[0] = '\0';
                return vn_err(err, -errno, "mkdtemp: %s", strerror(errno));
        }
        chmod(rep->root, 0755); /* dnsmasq runs as nobody and reads its files here */
        snprintf(L->script, sizeof(L->script), "%s/udhcpc.sh", rep->root);
        {
                /* An isolated network offers no router; the guest routes through the gateway
                 * anyway, so that "uplink blocked" is the firewall's doing, not the route's. */
                char gw[VN_ADDR_STRLEN] = "", *text;

                if (first_v4(L->net))
                        vn_addr_format(&first_v4(L->net)->address, gw);
                text = vn_asprintf(
                        "#!/bin/sh\ncase \"$1\" in\nbound|renew)\n"
                        "  busybox ip addr add \"$ip/${mask:-24}\" dev \"$interface\"\n"
                        "  [ -n \"$router\" ] || router='%s'\n"
                        "  [ -n \"$router\" ] && busybox ip route replace default via "
                        "\"${router%%%% *}\"\n"
                        "  echo \"$ip\" > \"$LAB_OUT\" ;;\nesac\nexit 0\n",
                        gw);
                if (!text)
                        return vn_err(err, -ENOMEM, "out of memory");
                r = write_text(L->script, text, 0755);
                free(text);
        }
        if (r < 0)
                return vn_err(err, r, "cannot write %s", L->script);
        if (o->qemu && (r = guest_image(L, err)) < 0)
                return r;
        progress(L, "sandbox %s: creating namespaces", rep->sandbox);
        if ((r = ns_add(L->ns_host, &L->host_ns, err)) < 0 ||
            (r = ns_add(L->ns_up, &L->up_ns, err)) < 0)
                return r;
        L->guest_ns = calloc(ng, sizeof(int));
        L->ns_guest = calloc(ng, sizeof(*L->ns_guest));
        rep->guests = calloc(ng, sizeof(*rep->guests));
        if (!L->guest_ns || !L->ns_guest || !rep->guests)
                return vn_err(err, -ENOMEM, "out of memory");
        for (unsigned i = 0; i < ng; i++) {
                L->guest_ns[i] = -1;
                L->n_ns_guest++;
                if (o->qemu && i == 0)
                        continue; /* g1 is QEMU: no namespace of its own */
                snprintf(L->ns_guest[i], sizeof(L->ns_guest[i]), "%s-g%u", rep->sandbox, i + 1);
                if ((r = ns_add(L->ns_guest[i], &L->guest_ns[i], err)) < 0)
                        return r;
        }
        {
                const char *lo[] = {"lo", NULL};

                if ((r = links_up(L, L->host_ns, lo, err)) < 0 ||
                    (r = links_up(L, L->up_ns, lo, err)) < 0)
                        return r;
        }
        pick_uplink(L);
        vn_addr_format(&L->up_peer, L->rep->uplink_addr);
        progress(L, "building the outside world (uplink %s)", L->rep->uplink_addr);
        if ((r = build_outside(L, err)) < 0)
                return r;

        /* the network, by vnet, inside the host namespace */
        r = vn_ctx_new(rep->root, &L->ctx, err);
        if (r < 0)
                return r;
        L->ctx->fw_backend = o->fw_backend;
        r = enter(L->host_ns, err);
        if (r < 0)
                return r;
        r = vn_fill_defaults(L->ctx, L->net, NULL, 0, err);
        t0 = vn_now_ns();
        if (r == 0)
                r = vn_start_net(L->ctx, L->net, 0, NULL, err);
        rep->up_ms = (double)(vn_now_ns() - t0) / 1e6;
        enter(L->self_ns, err);
        if (r < 0) {
                vn_err_prefix(err, "lab: starting the network");
                return r;
        }
        L->started = true;
        snprintf(rep->bridge, sizeof(rep->bridge), "%s",
                 L->net->bridge.name ? L->net->bridge.name : "");
        progress(L, "network %s up in %.1f ms; plugging %u guest%s", rep->network, rep->up_ms, ng,
                 ng == 1 ? "" : "s");

        for (unsigned i = 0; i < ng; i++) {
                struct vn_lab_guest *g = &rep->guests[i];

                snprintf(g->name, sizeof(g->name), "g%u", i + 1);
                rep->n_guests++;
                if (o->qemu && i == 0)
                        continue; /* booted below, once it knows the others' addresses */
                r = plug_guest(L, i, err);
                if (r < 0)
                        return r;
                guest_address(L, i, g);
                progress(L, "guest %s: %s", g->name, g->addr[0] ? g->addr : "no address");
        }
        if (o->qemu) {
                /* g1 checks its own cells from inside and reports them on its console; it
                 * stays up until the namespace guests have checked theirs (they ping it) */
                struct vn_lab_guest *g = &rep->guests[0];

                r = qemu_start(L, g, err);
                if (r < 0)
                        return r;
                if (!qemu_read(L, g, true, LAB_QEMU_TIMEOUT_S))
                        qemu_explain(L, g);
        }
        if (lab_interrupted)
                return vn_err(err, -EINTR, "lab: interrupted");
        for (unsigned i = 0; i < ng; i++)
                if (!rep->guests[i].qemu)
                        check_guest(L, i, &rep->guests[i]);
        check_others(L);
        if (o->qemu) {
                progress(L, "guest g1: powering off");
                qemu_stop(L, &rep->guests[0]);
        }
        rep->ok = true;
        for (unsigned i = 0; i < ng; i++) {
                judge(L, &rep->guests[i]);
                rep->ok = rep->ok && rep->guests[i].expected_ok;
        }
        if (o->keep)
                return 0;

        /* teardown: the guests' own links, then the network; then count what is left */
        progress(L, "tearing down");
        for (unsigned i = 0; i < ng; i++) {
                if (L->guest_ns[i] >= 0)
                        close(L->guest_ns[i]);
                L->guest_ns[i] = -1;
                ns_del(L->ns_guest[i]); /* takes the guest's end (and so the veth) with it */
                L->ns_guest[i][0] = '\0';
        }
        r = enter(L->host_ns, err);
        if (r < 0)
                return r;
        t0 = vn_now_ns();
        r = vn_destroy(L->ctx, rep->network, err);
        rep->teardown_ms = (double)(vn_now_ns() - t0) / 1e6;
        enter(L->self_ns, err);
        L->started = false;
        if (r < 0)
                return r;
        rep->left_links = count_left(L, &rep->left_rules, &rep->left_procs);
        rep->teardown_clean = !rep->left_links && !rep->left_rules && !rep->left_procs;
        rep->ok = rep->ok && rep->teardown_clean;
        return 0;
}

int vn_lab_run(const struct vn_lab_opts *opts, struct vn_lab_report *report, struct vn_error *err)
{
        struct lab L = {.o = opts, .rep = report, .host_ns = -1, .up_ns = -1, .qemu_in = -1,
                        .qemu_out = -1};
        struct sigaction sa = {.sa_handler = lab_on_signal}, old_int, old_term, old_hup;
        int r;

        memset(report, 0, sizeof(*report));
        if (opts->qemu) {
                L.qemu_bin = vn_lab_qemu_binary();
                if (!L.qemu_bin)
                        return vn_err(err, -ENOENT,
                                      "lab --qemu: %s is not installed (apt-get install "
                                      "qemu-system-x86), or set VNET_QEMU",
                                      getenv("VNET_QEMU") && getenv("VNET_QEMU")[0]
                                          ? getenv("VNET_QEMU")
                                          : "qemu-system-x86_64");
        }
        if (geteuid() != 0)
                return vn_err(err, -EPERM, "vnet lab needs root (it creates network namespaces)");
        /* an interrupt ends the waits; the sandbox is torn down all the same */
        L.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (L.self_ns < 0)
                return vn_err(err, -errno, "cannot open /proc/self/ns/net: %s", strerror(errno));
        lab_interrupted = 0;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGHUP, &sa, &old_hup);
        r = lab_main(&L, err);
        qemu_stop(&L, NULL); /* before destroy: its tap goes with it */
        if (L.started) {
                struct vn_error e2 = {0};

                if (!(opts->keep && r == 0) && enter(L.host_ns, &e2) == 0) {
                        vn_destroy(L.ctx, report->network, &e2);
                        enter(L.self_ns, &e2);
                }
        }
        if (!(opts->keep && r == 0))
                teardown(&L);
        else if (L.listener > 0)
                L.listener = 0; /* --keep: the listener stays with the sandbox */
        if (setns(L.self_ns, CLONE_NEWNET) < 0) {
                /* cannot happen: we opened it ourselves */
        }
        close(L.self_ns);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        vn_ctx_free(L.ctx);
        vn_net_free(L.net);
        free(L.guest_ns);
        free(L.ns_guest);
        return r;
}
