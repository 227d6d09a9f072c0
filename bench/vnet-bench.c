/*
 * vnet-bench: how long vnet takes, next to the kernel's own limit and, when given a virsh
 * command for a libvirtd (bench/run.sh starts one in a throwaway namespace), next to libvirt,
 * interleaved rep by rep so that machine noise hits both. See bench/README.md.
 *
 * Runs entirely inside a network namespace it creates for itself
 * (unshare(CLONE_NEWNET)) with a private --root, so it never touches the
 * host's network. Prints one machine-readable line per figure:
 *
 *   vnet nat start median_ms=12.1 min_ms=11.0 max_ms=15.2 n=20
 *   ratio nat start libvirt/vnet=9.80
 *
 * Options: --reps N (20), --scale 1,10,50,100 (network counts), --vnet PATH,
 * --modes nat,route,isolated,open,bridge, --ports LIST, --no-limit, --quick,
 * --virsh 'CMD...' (a virsh command line, split at blanks, e.g.
 * 'nsenter -t PID -m -n virsh -q -c qemu:///system'), --libvirt-scale 10,50.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnsmasq.h"
#include "fw.h"
#include "link.h"
#include "plan.h"
#include "port.h"
#include "vnet.h"

static const char *vnet_bin = NULL;
static const char *self_bin = NULL; /* this program, as QEMU's stand-in */
static char root[256];
static char *virsh_argv[32]; /* --virsh, split at blanks; [0] == NULL: no libvirt */
static size_t virsh_argc;

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

struct stats {
        double median, min, max, total;
        size_t n;
};

static struct stats stats_of(double *v, size_t n)
{
        struct stats s = {0};

        if (n == 0)
                return s;
        for (size_t i = 0; i < n; i++)
                s.total += v[i];
        qsort(v, n, sizeof(*v), cmp_double);
        s.min = v[0];
        s.max = v[n - 1];
        s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        s.n = n;
        return s;
}

static void print_stats(const char *what, struct stats s)
{
        printf("%s median_ms=%.2f min_ms=%.2f max_ms=%.2f n=%zu\n", what, s.median, s.min, s.max,
               s.n);
        fflush(stdout);
}

/* "ratio WHAT A/B=x" when both sides have figures */
static void print_ratio(const char *what, const char *ab, double a, double b)
{
        if (a > 0 && b > 0)
                printf("ratio %s %s=%.2f\n", what, ab, a / b);
        fflush(stdout);
}

static char last_err[256]; /* the first line the last failing command wrote to stderr */

/* Run argv quietly (stdout to /dev/null, stderr to a file, shown with BENCH_VERBOSE); returns
 * the elapsed ms, or -1 when it fails (then last_err says why). */
static double run_argv(char *const *argv)
{
        char errpath[300];
        uint64_t t0;
        int st, errfd;
        pid_t pid;

        snprintf(errpath, sizeof(errpath), "%s/.stderr", root);
        errfd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        t0 = vn_now_ns();
        pid = fork();
        if (pid < 0) {
                if (errfd >= 0)
                        close(errfd);
                return -1;
        }
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR);

                if (devnull >= 0) {
                        dup2(devnull, 0);
                        dup2(devnull, 1);
                        dup2(errfd >= 0 ? errfd : devnull, 2);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        t0 = vn_now_ns() - t0;
        last_err[0] = '\0';
        if (errfd >= 0) {
                ssize_t n = pread(errfd, last_err, sizeof(last_err) - 1, 0);

                last_err[n > 0 ? n : 0] = '\0';
                if (n > 0 && getenv("BENCH_VERBOSE"))
                        fputs(last_err, stderr);
                last_err[strcspn(last_err, "\n")] = '\0';
                for (char *c = last_err; *c; c++)
                        if (*c == '"')
                                *c = '\'';
                close(errfd);
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return -1;
        return (double)t0 / 1e6;
}

/* `vnet --root ROOT A1 A2` */
static double run_vnet(const char *a1, const char *a2)
{
        char *argv[] = {(char *)vnet_bin, (char *)"--root", root, (char *)a1, (char *)a2, NULL};

        return run_argv(argv);
}

/* `VIRSH... A1 A2` (the libvirtd of --virsh) */
static double run_virsh(const char *a1, const char *a2)
{
        char *argv[VN_ARRAY_SIZE(virsh_argv) + 3];
        size_t n = 0;

        if (!virsh_argc)
                return -1;
        for (size_t i = 0; i < virsh_argc; i++)
                argv[n++] = virsh_argv[i];
        argv[n++] = (char *)a1;
        argv[n++] = (char *)a2;
        argv[n] = NULL;
        return run_argv(argv);
}

static int write_net(const char *path, const char *name, const char *mode, const char *bridge,
                     unsigned a, unsigned b)
{
        FILE *f = fopen(path, "w");

        if (!f)
                return -errno;
        fprintf(f, "<network>\n  <name>%s</name>\n", name);
        if (strcmp(mode, "isolated") != 0)
                fprintf(f, "  <forward mode='%s'/>\n", strcmp(mode, "hostbridge") ? mode : "bridge");
        /* stp/delay are for bridges the network creates (libvirt refuses them otherwise) */
        fprintf(f, "  <bridge name='%s'%s/>\n", bridge,
                strcmp(mode, "hostbridge") ? " stp='off'" : "");
        if (strcmp(mode, "hostbridge") != 0)
                fprintf(f,
                        "  <ip address='10.%u.%u.1' prefix='24'>\n    <dhcp>\n      <range "
                        "start='10.%u.%u.2' end='10.%u.%u.254'/>\n    </dhcp>\n  </ip>\n",
                        a, b, a, b, a, b);
        fprintf(f, "</network>\n");
        return fclose(f) == 0 ? 0 : -errno;
}

/* Write NAME's XML and define it in vnet and, when libvirt is compared, in libvirt too (the
 * same file). Returns -1 when vnet's define fails; *lv says whether libvirt's worked. */
static int define(const char *name, const char *mode, const char *bridge, unsigned a, unsigned b,
                  bool *lv)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s.xml", root, name);
        if (write_net(path, name, mode, bridge, a, b) < 0)
                return -1;
        if (lv && *lv) {
                run_virsh("net-undefine", name); /* a leftover from an interrupted run */
                if (run_virsh("net-define", path) < 0) {
                        printf("libvirt %s error=define-failed\n", name);
                        *lv = false;
                }
        }
        return run_vnet("define", path) < 0 ? -1 : 0;
}

/* ---- the kernel limit ---------------------------------------------------------------------
 * The same kernel work as a NAT start (bridge with MAC, address, up, one nft transaction with
 * the network's rules, dnsmasq until it serves) with nothing of vnet's around it: no parse, no
 * plan at run time, no journal, no state files, no process exec. */
struct limit {
        struct vn_net *net;
        struct vn_plan *p;
};

static int limit_setup(struct limit *L)
{
        struct vn_plan_opts opts = {0};
        struct vn_error e = {0};
        char path[512], rundir[512];
        FILE *f;

        memset(L, 0, sizeof(*L));
        snprintf(path, sizeof(path), "%s/limit.xml", root);
        snprintf(rundir, sizeof(rundir), "%s/limit-run", root);
        mkdir(rundir, 0755);
        if (write_net(path, "limit", "nat", "vnb-limit", 77, 2) < 0 ||
            vn_net_parse_file(path, &L->net, &e) < 0) {
                printf("limit error=\"%s\"\n", e.msg);
                return -1;
        }
        opts.run_dir = rundir;
        opts.fw = VN_FW_NFT;
        if (vn_plan_build(L->net, &opts, &L->p, &e) < 0) {
                printf("limit error=\"%s\"\n", e.msg);
                vn_net_free(L->net);
                L->net = NULL;
                return -1;
        }
        f = fopen(L->p->dnsmasq_conf_path, "w");
        if (f) {
                fputs(L->p->dnsmasq_conf, f);
                fclose(f);
        }
        return 0;
}

static int limit_rep(struct limit *L, double *start_ms, double *destroy_ms)
{
        struct vn_plan *p = L->p;
        struct vn_nl *nl = NULL;
        struct vn_bridge_spec spec = {.name = p->bridge, .mac = p->mac};
        struct vn_error e = {0};
        struct vn_dnsmasq_id id = {0};
        uint64_t t0 = vn_now_ns();

        if (vn_nl_open(&nl, &e) < 0 || vn_bridge_create(nl, &spec, &e) < 0 ||
            vn_ifaddr_add(nl, p->bridge, &p->addrs[0].addr, p->addrs[0].prefix, false, &e) < 0 ||
            vn_link_set_up(nl, p->bridge, true, &e) < 0 || vn_nft_run(p->fw_apply, false, &e) < 0 ||
            vn_dnsmasq_start(p->dnsmasq_conf_path, p->dnsmasq_pid_path, &id, &e) < 0) {
                printf("limit error=\"%s\"\n", e.msg);
                if (nl)
                        vn_link_delete(nl, p->bridge, &e);
                vn_nl_close(nl);
                return -1;
        }
        *start_ms = (double)(vn_now_ns() - t0) / 1e6;
        t0 = vn_now_ns();
        vn_dnsmasq_stop(&id, p->dnsmasq_conf_path, &e);
        vn_nft_run(p->fw_remove, false, &e);
        vn_link_delete(nl, p->bridge, &e);
        *destroy_ms = (double)(vn_now_ns() - t0) / 1e6;
        vn_nl_close(nl);
        return 0;
}

static void limit_teardown(struct limit *L)
{
        struct vn_error e = {0};

        vn_nft_run("delete table inet vnet\n", false, &e);
        vn_plan_free(L->p);
        vn_net_free(L->net);
        memset(L, 0, sizeof(*L));
}

/* the limit alone (when nat is not among the modes) */
static void bench_limit(unsigned reps)
{
        double *st = calloc(reps, sizeof(double)), *de = calloc(reps, sizeof(double));
        struct limit L;
        size_t n = 0;

        if (st && de && limit_setup(&L) == 0) {
                for (unsigned i = 0; i < reps; i++)
                        if (limit_rep(&L, &st[n], &de[n]) == 0)
                                n++;
                limit_teardown(&L);
                print_stats("limit nat start", stats_of(st, n));
                print_stats("limit nat destroy", stats_of(de, n));
        }
        free(st);
        free(de);
}

/* ---- 1. start/destroy per mode through the CLI (what an operator runs) ----------------------
 * With --virsh, each repetition runs vnet's start+destroy and libvirt's net-start+net-destroy
 * of the same XML (alternating which goes first); for nat, the kernel limit's too. */
struct series {
        double *st, *de;
        size_t ns, nd;
};

static void series_print(const char *who, const char *m, struct series *s, struct stats *st,
                         struct stats *de)
{
        char what[128];

        *st = stats_of(s->st, s->ns);
        *de = stats_of(s->de, s->nd);
        snprintf(what, sizeof(what), "%s %s start", who, m);
        print_stats(what, *st);
        snprintf(what, sizeof(what), "%s %s destroy", who, m);
        print_stats(what, *de);
}

/* one start+destroy through a front end; false when it broke (and says so) */
static bool rep_front(const char *who, const char *m, unsigned i, struct series *s,
                      double (*run)(const char *, const char *))
{
        double t = run(strcmp(who, "vnet") ? "net-start" : "start", m);

        if (t < 0) {
                printf("%s %s error=start-failed rep=%u reason=\"%s\"\n", who, m, i, last_err);
                return false;
        }
        s->st[s->ns++] = t;
        t = run(strcmp(who, "vnet") ? "net-destroy" : "destroy", m);
        if (t < 0) {
                printf("%s %s error=destroy-failed rep=%u reason=\"%s\"\n", who, m, i, last_err);
                return false;
        }
        s->de[s->nd++] = t;
        return true;
}

static void bench_modes(const char *modes, unsigned reps, bool limit)
{
        char *copy = strdup(modes), *save = NULL;

        for (char *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                const char *mode = strcmp(m, "bridge") == 0 ? "hostbridge" : m;
                struct series v = {0}, l = {0}, k = {0};
                struct stats vs, vd, ls = {0}, ld = {0}, ks = {0}, kd = {0};
                bool lv = virsh_argc > 0, ok = true, with_limit = limit && !strcmp(m, "nat");
                struct limit L;

                if (strcmp(mode, "hostbridge") == 0) {
                        struct vn_nl *nl = NULL;
                        struct vn_error e = {0};
                        struct vn_bridge_spec spec = {.name = "br0"};

                        if (vn_nl_open(&nl, &e) == 0) {
                                vn_bridge_create(nl, &spec, &e);
                                vn_nl_close(nl);
                        }
                }
                if (define(m, mode, strcmp(mode, "hostbridge") ? "vnb-mode" : "br0", 77, 1, &lv) <
                    0) {
                        printf("vnet %s error=define-failed\n", m);
                        continue;
                }
                if (with_limit && limit_setup(&L) < 0)
                        with_limit = false;
                v.st = calloc(reps, sizeof(double));
                v.de = calloc(reps, sizeof(double));
                l.st = calloc(reps, sizeof(double));
                l.de = calloc(reps, sizeof(double));
                k.st = calloc(reps, sizeof(double));
                k.de = calloc(reps, sizeof(double));
                for (unsigned i = 0; i < reps && ok && v.st && v.de && l.st && l.de && k.st && k.de;
                     i++) {
                        /* alternate who goes first, so neither always runs on a warm cache */
                        if (lv && i % 2 == 1 && !rep_front("libvirt", m, i, &l, run_virsh))
                                lv = false;
                        ok = rep_front("vnet", m, i, &v, run_vnet);
                        if (lv && i % 2 == 0 && !rep_front("libvirt", m, i, &l, run_virsh))
                                lv = false;
                        if (with_limit && limit_rep(&L, &k.st[k.ns], &k.de[k.nd]) == 0) {
                                k.ns++;
                                k.nd++;
                        }
                }
                series_print("vnet", m, &v, &vs, &vd);
                if (virsh_argc) {
                        series_print("libvirt", m, &l, &ls, &ld);
                        run_virsh("net-destroy", m); /* after a failure */
                        run_virsh("net-undefine", m);
                }
                if (with_limit) {
                        series_print("limit", m, &k, &ks, &kd);
                        limit_teardown(&L);
                }
                if (virsh_argc) {
                        char what[64];

                        snprintf(what, sizeof(what), "%s start", m);
                        print_ratio(what, "libvirt/vnet", ls.median, vs.median);
                        snprintf(what, sizeof(what), "%s destroy", m);
                        print_ratio(what, "libvirt/vnet", ld.median, vd.median);
                }
                if (with_limit) {
                        print_ratio("nat start", "vnet/limit", vs.median, ks.median);
                        print_ratio("nat destroy", "vnet/limit", vd.median, kd.median);
                }
                run_vnet("undefine", m);
                free(v.st);
                free(v.de);
                free(l.st);
                free(l.de);
                free(k.st);
                free(k.de);
        }
        free(copy);
}

/* ---- 2. scale -------------------------------------------------------------------------------- */
static unsigned rules_on_path(const char *bridge)
{
        char cmd[128], chain[64];
        char *out = NULL;
        struct vn_error e = {0};
        unsigned n = 0;

        /* a packet from the guest to the outside: the base forward chain's rules, then the
         * network's "out" chain (jumped to from a verdict map) */
        if (vn_nft_query("list chain inet vnet forward", &out, &e) == 0 && out) {
                for (char *p = out; (p = strstr(p, "vmap")); p++)
                        n++;
                free(out);
                out = NULL;
        }
        vn_nft_ident(bridge, "out", chain, sizeof(chain));
        snprintf(cmd, sizeof(cmd), "list chain inet vnet %s", chain);
        if (vn_nft_query(cmd, &out, &e) == 0 && out) {
                for (char *p = out; (p = strstr(p, "accept")); p++) {
                        n++;
                        break; /* the first rule accepts the guest's traffic */
                }
                free(out);
        }
        return n;
}

static void print_scale(const char *who, unsigned n, double *st, size_t ns, double *de, size_t nd)
{
        char what[128];
        double first = ns ? st[0] : 0, last = ns ? st[ns - 1] : 0;
        struct stats s = stats_of(st, ns), d = stats_of(de, nd);

        snprintf(what, sizeof(what), "%s scale n=%u start_each", who, n);
        print_stats(what, s);
        printf("%s scale n=%u start_total_ms=%.1f first_ms=%.2f last_ms=%.2f\n", who, n, s.total,
               first, last);
        snprintf(what, sizeof(what), "%s scale n=%u destroy_each", who, n);
        print_stats(what, d);
        printf("%s scale n=%u destroy_total_ms=%.1f\n", who, n, d.total);
}

/* define+start N NAT networks, then destroy them all one by one (with libvirt, network by
 * network interleaved); then start the N again and destroy them with one `destroy --all` */
static void bench_scale(unsigned n, bool with_libvirt)
{
        double *st = calloc(n, sizeof(double)), *de = calloc(n, sizeof(double));
        double *lst = calloc(n, sizeof(double)), *lde = calloc(n, sizeof(double));
        char name[32], bridge[16], what[64];
        size_t ns = 0, nd = 0, lns = 0, lnd = 0;
        bool lv = with_libvirt && virsh_argc > 0;

        for (unsigned i = 0; i < n && st && de && lst && lde; i++) {
                snprintf(name, sizeof(name), "s%u", i);
                snprintf(bridge, sizeof(bridge), "vns%u", i);
                if (define(name, "nat", bridge, 100 + i / 250, i % 250, &lv) < 0) {
                        printf("vnet scale n=%u error=define-failed i=%u reason=\"%s\"\n", n, i, last_err);
                        break;
                }
                st[ns] = run_vnet("start", name);
                if (st[ns] < 0) {
                        printf("vnet scale n=%u error=start-failed i=%u reason=\"%s\"\n", n, i, last_err);
                        run_vnet("undefine", name);
                        break;
                }
                ns++;
                if (lv) {
                        lst[lns] = run_virsh("net-start", name);
                        if (lst[lns] < 0) {
                                printf("libvirt scale n=%u error=start-failed i=%u reason=\"%s\"\n", n, i, last_err);
                                lv = false;
                        } else {
                                lns++;
                        }
                }
        }
        snprintf(bridge, sizeof(bridge), "vns%zu", ns ? ns - 1 : 0);
        printf("vnet scale n=%u rules_on_forward_path_last=%u\n", n, rules_on_path(bridge));
        fflush(stdout);
        for (unsigned i = 0; i < ns; i++) {
                snprintf(name, sizeof(name), "s%u", i);
                de[nd] = run_vnet("destroy", name);
                if (de[nd] >= 0)
                        nd++;
                if (i < lns) {
                        lde[lnd] = run_virsh("net-destroy", name);
                        if (lde[lnd] >= 0)
                                lnd++;
                }
                if (with_libvirt && virsh_argc)
                        run_virsh("net-undefine", name);
        }
        /* the same N again, then all of them with one `vnet destroy --all` (one batch) */
        {
                unsigned up = 0;
                double all;

                for (unsigned i = 0; i < ns; i++) {
                        snprintf(name, sizeof(name), "s%u", i);
                        if (run_vnet("start", name) >= 0)
                                up++;
                }
                all = run_vnet("destroy", "--all");
                if (all < 0)
                        printf("vnet scale n=%u error=destroy-all-failed reason=\"%s\"\n", n,
                               last_err);
                else
                        printf("vnet scale n=%u destroy_all_ms=%.1f per_network_ms=%.2f "
                               "networks=%u\n",
                               n, all, up ? all / up : 0, up);
                for (unsigned i = 0; i < ns; i++) {
                        snprintf(name, sizeof(name), "s%u", i);
                        run_vnet("undefine", name);
                }
        }
        /* stats_of sorts: the per-network order is kept for first/last by print_scale */
        print_scale("vnet", n, st, ns, de, nd);
        if (with_libvirt && virsh_argc) {
                double vt = 0, vd = 0, lt = 0, ld = 0;

                print_scale("libvirt", n, lst, lns, lde, lnd);
                for (size_t i = 0; i < ns; i++)
                        vt += st[i];
                for (size_t i = 0; i < nd; i++)
                        vd += de[i];
                for (size_t i = 0; i < lns; i++)
                        lt += lst[i];
                for (size_t i = 0; i < lnd; i++)
                        ld += lde[i];
                snprintf(what, sizeof(what), "scale n=%u start_total", n);
                if (lns == ns)
                        print_ratio(what, "libvirt/vnet", lt, vt);
                snprintf(what, sizeof(what), "scale n=%u destroy_total", n);
                if (lnd == nd)
                        print_ratio(what, "libvirt/vnet", ld, vd);
        }
        free(st);
        free(de);
        free(lst);
        free(lde);
}

/* What the kernel lets you batch when destroying many networks, measured on the kernel
 * objects alone (no vnet): N bridges (address, up) deleted one RTM_DELLINK each versus one
 * RTM_DELLINK for a link group (one unregister batch, one RCU wait), and N networks' nft
 * removals as N transactions versus one. */
static int rtnl_talk(int fd, struct nlmsghdr *h)
{
        char buf[4096];
        struct nlmsghdr *r = (struct nlmsghdr *)buf;
        ssize_t n;

        if (send(fd, h, h->nlmsg_len, 0) < 0)
                return -errno;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < (ssize_t)sizeof(*r))
                return n < 0 ? -errno : -EIO;
        if (r->nlmsg_type == NLMSG_ERROR)
                return ((struct nlmsgerr *)NLMSG_DATA(r))->error;
        return 0;
}

/* RTM_NEWLINK (ifindex, group) or RTM_DELLINK (ifindex 0, group): IFLA_GROUP = group */
static int rtnl_group(int fd, int type, int ifindex, uint32_t group)
{
        struct {
                struct nlmsghdr h;
                struct ifinfomsg i;
                struct rtattr a;
                uint32_t g;
        } req;

        memset(&req, 0, sizeof(req));
        req.h.nlmsg_len = sizeof(req);
        req.h.nlmsg_type = (uint16_t)type;
        req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        req.i.ifi_family = AF_UNSPEC;
        req.i.ifi_index = ifindex;
        req.a.rta_type = IFLA_GROUP;
        req.a.rta_len = RTA_LENGTH(sizeof(uint32_t));
        req.g = group;
        return rtnl_talk(fd, &req.h);
}

static void bench_limit_batch(unsigned n)
{
        struct vn_plan **plans = calloc(n, sizeof(*plans));
        struct vn_net **nets = calloc(n, sizeof(*nets));
        struct vn_nl *nl = NULL;
        struct vn_error e = {0};
        struct vn_buf all_rm = {0};
        char path[1024], rundir[512], name[32], bridge[16];
        double each_links = 0, each_nft = 0, group_links = -1, one_nft = -1;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        unsigned made = 0;

        snprintf(rundir, sizeof(rundir), "%s/limit-batch", root);
        mkdir(rundir, 0755);
        if (!plans || !nets || fd < 0 || vn_nl_open(&nl, &e) < 0)
                goto out;
        for (; made < n; made++) {
                struct vn_plan_opts opts = {.run_dir = rundir, .fw = VN_FW_NFT};

                snprintf(name, sizeof(name), "lb%u", made);
                snprintf(bridge, sizeof(bridge), "vnlb%u", made);
                snprintf(path, sizeof(path), "%s/%s.xml", rundir, name);
                if (write_net(path, name, "nat", bridge, 150 + made / 250, made % 250) < 0 ||
                    vn_net_parse_file(path, &nets[made], &e) < 0 ||
                    vn_plan_build(nets[made], &opts, &plans[made], &e) < 0)
                        goto out;
                vn_buf_add(&all_rm, plans[made]->fw_remove);
        }
        for (int round = 0; round < 2; round++) {
                uint64_t t0;

                for (unsigned i = 0; i < n; i++) {
                        struct vn_plan *p = plans[i];
                        struct vn_bridge_spec spec = {.name = p->bridge, .mac = p->mac};

                        if (vn_bridge_create(nl, &spec, &e) < 0 ||
                            vn_ifaddr_add(nl, p->bridge, &p->addrs[0].addr, p->addrs[0].prefix,
                                          false, &e) < 0 ||
                            vn_link_set_up(nl, p->bridge, true, &e) < 0 ||
                            vn_nft_run(p->fw_apply, false, &e) < 0)
                                goto out;
                        /* round 1: in a group of their own (free if given at creation) */
                        if (round == 1 && rtnl_group(fd, RTM_NEWLINK, vn_link_index(nl, p->bridge),
                                                     4242) < 0)
                                goto out;
                }
                if (round == 0) {
                        t0 = vn_now_ns();
                        for (unsigned i = 0; i < n; i++)
                                vn_link_delete(nl, plans[i]->bridge, &e);
                        each_links = (double)(vn_now_ns() - t0) / 1e6;
                        t0 = vn_now_ns();
                        for (unsigned i = 0; i < n; i++)
                                vn_nft_run(plans[i]->fw_remove, false, &e);
                        each_nft = (double)(vn_now_ns() - t0) / 1e6;
                } else {
                        t0 = vn_now_ns();
                        if (rtnl_group(fd, RTM_DELLINK, 0, 4242) == 0)
                                group_links = (double)(vn_now_ns() - t0) / 1e6;
                        t0 = vn_now_ns();
                        if (all_rm.s && vn_nft_run(all_rm.s, false, &e) == 0)
                                one_nft = (double)(vn_now_ns() - t0) / 1e6;
                }
        }
        printf("limit batch n=%u links_delete_each_total_ms=%.1f links_delete_group_ms=%.1f "
               "nft_remove_each_total_ms=%.1f nft_remove_one_transaction_ms=%.1f\n",
               n, each_links, group_links, each_nft, one_nft);
out:
        if (made < n || group_links < 0 || one_nft < 0)
                printf("limit batch n=%u error=\"%s\"\n", n, e.msg[0] ? e.msg : "failed");
        fflush(stdout);
        if (nl) {
                for (unsigned i = 0; i < made; i++)
                        vn_link_delete(nl, plans[i]->bridge, &e);
                vn_nl_close(nl);
        }
        vn_nft_run("delete table inet vnet\n", false, &e);
        for (unsigned i = 0; i < made; i++) {
                vn_plan_free(plans[i]);
                vn_net_free(nets[i]);
        }
        if (fd >= 0)
                close(fd);
        vn_buf_free(&all_rm);
        free(plans);
        free(nets);
}
/* ---- guest ports (the ports work; kept apart from the network figures) ----------------------
 * Per-port create and delete through the library (vn_port_add / vn_port_del, each taking the
 * network's lock and writing its record, as the CLI does) with `counts` ports alive at once:
 * taps on a NAT network's bridge, veths into a namespace, macvtaps on a veth "uplink". */
static void bench_ports_kind(struct vn_ctx *ctx, const char *net, const char *kind,
                             const char *netns, unsigned n)
{
        double *ad = calloc(n, sizeof(double)), *dd = calloc(n, sizeof(double));
        char(*names)[16] = calloc(n, sizeof(*names)), what[128], peer[16];
        size_t na = 0, nd = 0;

        for (unsigned i = 0; i < n && ad && dd && names; i++) {
                struct vn_port_opts o = {.persist = !netns, .vnet_hdr = true, .netns = netns};
                struct vn_port p;
                struct vn_error e = {0};
                uint64_t t0 = vn_now_ns();

                snprintf(peer, sizeof(peer), "g%u", i);
                o.ifname = netns ? peer : NULL;
                if (vn_port_add(ctx, net, &o, &p, &e) < 0) {
                        printf("vnet ports %s n=%u error=\"%s\" i=%u\n", kind, n, e.msg, i);
                        break;
                }
                ad[na] = (double)(vn_now_ns() - t0) / 1e6;
                memcpy(names[na++], p.ifname, 16);
        }
        for (size_t i = 0; i < na; i++) {
                struct vn_error e = {0};
                uint64_t t0 = vn_now_ns();

                if (vn_port_del(ctx, net, names[i], &e) == 0)
                        dd[nd++] = (double)(vn_now_ns() - t0) / 1e6;
        }
        snprintf(what, sizeof(what), "vnet ports %s n=%u add_each", kind, n);
        print_stats(what, stats_of(ad, na));
        snprintf(what, sizeof(what), "vnet ports %s n=%u del_each", kind, n);
        print_stats(what, stats_of(dd, nd));
        free(ad);
        free(dd);
        free(names);
}

/* `vnet qemu` overhead: from the fork of `vnet qemu --nic NET -- STANDIN` until STANDIN (this
 * program with --standin: checks that it holds the tap fds named on its command line, prints
 * its clock and exits) runs, against exec'ing STANDIN directly. */
static double standin_run(char *const *argv)
{
        char buf[64] = "";
        int pfd[2], st;
        ssize_t n;
        uint64_t t0;
        pid_t pid;

        if (pipe(pfd) < 0)
                return -1;
        t0 = vn_now_ns();
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR);

                dup2(pfd[1], 1);
                if (devnull >= 0) {
                        dup2(devnull, 0);
                        if (!getenv("BENCH_VERBOSE"))
                                dup2(devnull, 2);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        close(pfd[1]);
        n = read(pfd[0], buf, sizeof(buf) - 1);
        close(pfd[0]);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return -1;
        buf[n] = '\0';
        return (double)(strtoull(buf, NULL, 10) - t0) / 1e6;
}

static int standin_main(int argc, char **argv)
{
        uint64_t now = vn_now_ns();
        unsigned want = (unsigned)atoi(argv[2]), have = 0;

        for (int i = 3; i + 1 < argc; i++) {
                const char *fd = strcmp(argv[i], "-netdev") == 0 ? strstr(argv[i + 1], "fd=") : NULL;
                char proc[64], target[64] = "";

                if (!fd)
                        continue;
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", atoi(fd + 3));
                if (readlink(proc, target, sizeof(target) - 1) > 0 &&
                    strcmp(target, "/dev/net/tun") == 0)
                        have++;
        }
        printf("%llu\n", (unsigned long long)now);
        return have == want ? 0 : 1;
}

static void bench_qemu_handoff(const char *net, unsigned reps)
{
        double *h = calloc(reps, sizeof(double)), *b = calloc(reps, sizeof(double));
        char *via[] = {(char *)vnet_bin, (char *)"--root", root,     (char *)"qemu",
                       (char *)"--nic",  (char *)net,      (char *)"--", (char *)self_bin,
                       (char *)"--standin", (char *)"1",   NULL};
        char *direct[] = {(char *)self_bin, (char *)"--standin", (char *)"0", NULL};
        size_t nh = 0, nb = 0;
        struct stats sh, sb;

        for (unsigned i = 0; i < reps && h && b; i++) {
                double t = standin_run(via);

                if (t < 0) {
                        printf("vnet qemu error=handoff-failed rep=%u\n", i);
                        break;
                }
                h[nh++] = t;
                t = standin_run(direct);
                if (t >= 0)
                        b[nb++] = t;
        }
        sh = stats_of(h, nh);
        sb = stats_of(b, nb);
        print_stats("vnet qemu handoff", sh);
        print_stats("vnet qemu exec_baseline", sb);
        if (nh && nb)
                printf("vnet qemu overhead_ms=%.2f\n", sh.median - sb.median);
        fflush(stdout);
        free(h);
        free(b);
}

static void bench_ports(const char *counts, unsigned qemu_reps)
{
        struct vn_ctx *ctx = NULL;
        struct vn_error e = {0};
        char path[512], nspath[64];
        pid_t guest;
        int pfd[2];
        FILE *f;

        if (!*counts && !qemu_reps)
                return;
        if (define("pb", "nat", "vnpb", 99, 1, NULL) < 0 || run_vnet("start", "pb") < 0 ||
            vn_ctx_new(root, &ctx, &e) < 0) {
                printf("vnet ports error=setup-failed\n");
                return;
        }
        /* the namespace guests' side: a child holding a fresh network namespace */
        if (pipe(pfd) < 0)
                return;
        guest = fork();
        if (guest == 0) {
                char c;

                close(pfd[1]);
                if (unshare(CLONE_NEWNET) == 0)
                        (void)!read(pfd[0], &c, 1); /* until the parent closes the pipe */
                _exit(0);
        }
        close(pfd[0]);
        usleep(100000);
        snprintf(nspath, sizeof(nspath), "/proc/%ld/ns/net", (long)guest);
        system("ip link add pbup0 type veth peer name pbup0p && ip link set pbup0 up && "
               "ip link set pbup0p up");
        snprintf(path, sizeof(path), "%s/pbmv.xml", root);
        f = fopen(path, "w");
        if (f) {
                fputs("<network><name>pbmv</name><forward mode='bridge'><interface dev='pbup0'/>"
                      "</forward></network>\n",
                      f);
                fclose(f);
        }
        run_vnet("define", path);
        run_vnet("start", "pbmv");
        {
                char *copy = strdup(counts), *save = NULL;

                for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                        unsigned n = (unsigned)atoi(c);

                        if (n == 0)
                                continue;
                        bench_ports_kind(ctx, "pb", "tap", NULL, n);
                        bench_ports_kind(ctx, "pb", "netns-veth", nspath, n);
                        if (n <= 100) /* macvtaps: one /dev/tapN each; 100 says enough */
                                bench_ports_kind(ctx, "pbmv", "macvtap", NULL, n);
                }
                free(copy);
        }
        if (qemu_reps)
                bench_qemu_handoff("pb", qemu_reps);
        close(pfd[1]);
        waitpid(guest, NULL, 0);
        run_vnet("destroy", "pb");
        run_vnet("destroy", "pbmv");
        run_vnet("undefine", "pb");
        run_vnet("undefine", "pbmv");
        system("ip link del pbup0 2>/dev/null");
        vn_ctx_free(ctx);
}

/* Kill whatever still runs in this network namespace but this process (dnsmasqs of a network
 * whose destroy failed, a port guest): at the end, and on SIGINT/SIGTERM/SIGHUP, so that an
 * interrupted run leaves nothing behind; returns how many. Scans until a scan finds nothing
 * alive: a process caught in the middle of spawning (dnsmasq daemonizing) shows up later. */
static unsigned kill_netns_once(void)
{
        struct stat self, other;
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        if (stat("/proc/self/ns/net", &self) < 0 || !(d = opendir("/proc")))
                return 0;
        while ((de = readdir(d))) {
                char path[300], st[512];
                long pid = atol(de->d_name);
                const char *state;
                ssize_t len;
                int fd;

                if (pid <= 0 || pid == (long)getpid())
                        continue;
                snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
                if (stat(path, &other) < 0 || other.st_ino != self.st_ino ||
                    other.st_dev != self.st_dev)
                        continue;
                /* a zombie (our own unreaped child) is gone already */
                snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                len = fd >= 0 ? read(fd, st, sizeof(st) - 1) : -1;
                if (fd >= 0)
                        close(fd);
                st[len > 0 ? len : 0] = '\0';
                state = strrchr(st, ')');
                if (state && (state[2] == 'Z' || state[2] == 'X'))
                        continue;
                if (kill((pid_t)pid, SIGKILL) == 0)
                        n++;
        }
        closedir(d);
        return n;
}

static unsigned kill_netns_procs(void)
{
        unsigned total = 0, quiet = 0;

        for (int i = 0; i < 100 && quiet < 3; i++) {
                unsigned n = kill_netns_once();

                total += n;
                quiet = n ? 0 : quiet + 1;
                usleep(10000);
        }
        return total;
}

static void remove_root(void)
{
        char *argv[] = {(char *)"rm", (char *)"-rf", root, NULL};

        if (root[0])
                run_argv(argv);
}

static void on_signal(int sig)
{
        kill_netns_procs();
        remove_root();
        signal(sig, SIG_DFL);
        raise(sig);
}

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: vnet-bench [--vnet PATH] [--reps N] [--modes LIST] [--scale LIST]\n"
                "                  [--ports LIST] [--batch LIST] [--no-limit] [--quick]\n"
                "                  [--virsh 'VIRSH COMMAND' [--libvirt-scale LIST]]\n"
                "Runs in a network namespace of its own; prints one line per figure.\n"
                "--virsh: compare with the libvirtd that command reaches (bench/run.sh starts\n"
                "one in a throwaway namespace), interleaved rep by rep, with ratio lines.\n");
}

int main(int argc, char **argv)
{
        const char *modes = "nat,route,isolated,open,bridge", *scale = "1,10,50,100";
        const char *ports = "1,100,1000"; /* --ports LIST: guest ports per network */
        const char *lv_scale = "10,50";    /* --libvirt-scale LIST: sizes libvirt runs too */
        const char *batch = NULL;          /* --batch LIST: limit batch sizes (default: scale) */
        char *virsh = NULL;
        unsigned reps = 20;
        bool limit = true;

        if (argc >= 3 && strcmp(argv[1], "--standin") == 0)
                return standin_main(argc, argv);
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--vnet") == 0 && i + 1 < argc)
                        vnet_bin = argv[++i];
                else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
                        reps = (unsigned)atoi(argv[++i]);
                else if (strcmp(argv[i], "--modes") == 0 && i + 1 < argc)
                        modes = argv[++i];
                else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
                        scale = argv[++i];
                else if (strcmp(argv[i], "--ports") == 0 && i + 1 < argc)
                        ports = argv[++i];
                else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
                        batch = argv[++i];
                else if (strcmp(argv[i], "--virsh") == 0 && i + 1 < argc)
                        virsh = argv[++i];
                else if (strcmp(argv[i], "--libvirt-scale") == 0 && i + 1 < argc)
                        lv_scale = argv[++i];
                else if (strcmp(argv[i], "--no-limit") == 0)
                        limit = false;
                else if (strcmp(argv[i], "--quick") == 0) {
                        reps = 3;
                        scale = "1,10";
                        lv_scale = "1";
                        modes = "nat,isolated";
                        ports = "1,10";
                } else if (strcmp(argv[i], "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if (!batch)
                batch = scale;
        if (virsh && *virsh) {
                char *save = NULL;

                for (char *w = strtok_r(virsh, " \t", &save);
                     w && virsh_argc + 1 < VN_ARRAY_SIZE(virsh_argv); w = strtok_r(NULL, " \t", &save))
                        virsh_argv[virsh_argc++] = w;
        }
        if (!vnet_bin)
                vnet_bin = getenv("VNET") ? getenv("VNET") : "tools/vnet";
        if (access(vnet_bin, X_OK) < 0) {
                fprintf(stderr, "vnet-bench: %s is not executable (use --vnet PATH)\n", vnet_bin);
                return 2;
        }
        self_bin = realpath("/proc/self/exe", NULL);
        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "vnet-bench: needs root to create its own network namespace\n");
                return 77;
        }
        system("ip link set lo up");
        snprintf(root, sizeof(root), "/tmp/vnet-bench.XXXXXX");
        if (!mkdtemp(root))
                return 1;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);
        chmod(root, 0755);
        printf("# vnet-bench: %u repetitions, in a private network namespace%s\n", reps,
               virsh_argc ? ", interleaved with libvirt" : "");
        if (virsh_argc) {
                if (run_virsh("version", NULL) < 0) {
                        printf("skip libvirt reason=virsh-cannot-reach-libvirtd\n");
                        virsh_argc = 0;
                }
        }
        fflush(stdout);
        if (*modes)
                bench_modes(modes, reps, limit);
        if (limit && !strstr(modes, "nat"))
                bench_limit(reps);
        {
                char *copy = strdup(scale), *save = NULL;

                for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
                        char key[16];
                        bool with_lv = false;

                        if (atoi(s) <= 0)
                                continue;
                        /* is this size among --libvirt-scale? */
                        snprintf(key, sizeof(key), ",%d,", atoi(s));
                        {
                                char list[256];

                                snprintf(list, sizeof(list), ",%s,", lv_scale);
                                with_lv = strstr(list, key) != NULL;
                        }
                        bench_scale((unsigned)atoi(s), with_lv);
                }
                free(copy);
                copy = strdup(batch);
                for (char *s = strtok_r(copy, ",", &save); limit && s;
                     s = strtok_r(NULL, ",", &save))
                        if (atoi(s) > 0)
                                bench_limit_batch((unsigned)atoi(s));
                free(copy);
        }
        bench_ports(ports, self_bin ? reps : 0);
        {
                unsigned left = kill_netns_procs();

                if (left)
                        printf("# cleanup: %u leftover process(es) killed\n", left);
        }
        remove_root();
        free((char *)self_bin);
        return 0;
}
