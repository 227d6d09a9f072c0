/*
 * overlay.c: the effectful half of <vnet:overlay> — the vxlan link, the
 * static flood list, live peer changes and, for evpn, this host's FRR.
 *
 * Journal kinds written here (registered with the engine by vn_overlay_feature):
 *   vxlan  LINK VNI             the vxlan link (its FDB entries go with it)
 *   frr    DIR NAME MODE        this network's part of FRR's configuration
 *
 * FRR. By default vnet runs its own zebra + bgpd per --root, with every file
 * in ROOT/run/vnet/.frr (config, pid files, zserv socket, vty sockets): the
 * whole configuration there is vnet's. They start with the first evpn
 * network and stop with the last; in between each network's block (router
 * bgp ASN, its neighbors, l2vpn evpn, advertise-all-vni) is applied with
 * `vtysh -f`, and on destroy only the neighbors no other running evpn network
 * uses are removed. With VNET_FRR_VTY_DIR=DIR, vnet instead configures the
 * operator's running FRR whose vty sockets are in DIR (the Debian service:
 * /var/run/frr): it adds the same block to the running configuration, never
 * starts or stops daemons, never writes frr.conf, and on destroy removes only
 * the neighbors it added (router bgp and advertise-all-vni stay, they may be
 * the operator's).
 */
#include "config.h"

#include "overlay.h"

#include "fw.h"
#include "spawn.h"
#include "vnet.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FRR_TIMEOUT_MS 10000

static const char *frr_sbin(void)
{
        const char *d = getenv("VNET_FRR_SBIN"); /* tests, other layouts */

        return d && *d ? d : "/usr/lib/frr";
}

static const char *vtysh_path(void)
{
        const char *v = getenv("VNET_VTYSH");

        return v && *v ? v : "/usr/bin/vtysh";
}

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- FRR ------------------------------------------------------------------ */

struct frr {
        char *dir; /* vty sockets (and, when own, every other file) */
        bool own;  /* vnet's zebra + bgpd */
};

static void frr_clear(struct frr *f)
{
        free(f->dir);
}

static int frr_locate(struct vn_ctx *ctx, struct frr *f)
{
        const char *sys = getenv("VNET_FRR_VTY_DIR");

        f->own = !(sys && *sys);
        f->dir = f->own ? vn_asprintf("%s/.frr", ctx->run_dir) : strdup(sys);
        return f->dir ? 0 : -ENOMEM;
}

/* vtysh -f FILE against the daemons whose vty sockets are in dir. */
static int frr_vtysh_file(const char *dir, const char *file, const char *what, struct vn_error *err)
{
        _cleanup_free_ char *out = NULL;
        char *argv[] = {(char *)vtysh_path(), (char *)"--vty_socket", (char *)dir,
                        (char *)"-f",         (char *)file,           NULL};
        int r;

        if (access(argv[0], X_OK) < 0)
                return vn_err(err, -ENOENT,
                              "FRR is not installed: %s not found (apt-get install frr)", argv[0]);
        r = vn_run(&(struct vn_run_opts){.argv = argv, .in_fd = -1, .out_fd = -1, .netns_fd = -1,
                                         .timeout_ms = FRR_TIMEOUT_MS},
                   &out);
        if (r == -ETIMEDOUT)
                return vn_err(err, -ETIMEDOUT,
                              "FRR is not answering: vtysh --vty_socket %s timed out after %d ms "
                              "(%s)",
                              dir, FRR_TIMEOUT_MS, what);
        if (r < 0)
                return vn_err(err, r, "cannot run %s: %s", argv[0], strerror(-r));
        if (r != 0 || (out && (strstr(out, "% ") || strstr(out, "failed to connect")))) {
                char *nl;

                while (out && (nl = strchr(out, '\n')) && nl[1])
                        *nl = ' ';
                return vn_err(err, out && strstr(out, "failed to connect") ? -ECONNREFUSED : -EIO,
                              "FRR refused %s (vtysh --vty_socket %s, exit %d): %s", what, dir, r,
                              out ? out : "");
        }
        return 0;
}

static int frr_vtysh_text(const char *dir, const char *file, const char *text, const char *what,
                          struct vn_error *err)
{
        int r = vn_write_file_atomic(file, text, strlen(text), 0600);

        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", file, strerror(-r));
        return frr_vtysh_file(dir, file, what, err);
}

static pid_t pid_read(const char *dir, const char *daemon)
{
        _cleanup_free_ char *path = vn_asprintf("%s/%s.pid", dir, daemon);
        _cleanup_free_ char *s = NULL;
        long pid;

        if (!path || vn_read_file(path, 64, &s, NULL) < 0)
                return 0;
        pid = strtol(s, NULL, 10);
        return pid > 1 ? (pid_t)pid : 0;
}

/* Is pid the daemon we started with files in dir? (Its command line names dir.) */
static bool pid_is_ours(pid_t pid, const char *dir)
{
        _cleanup_free_ char *path = vn_asprintf("/proc/%ld/cmdline", (long)pid);
        _cleanup_free_ char *cmd = NULL;
        size_t len = 0;

        if (!path || vn_read_file(path, 1 << 16, &cmd, &len) < 0)
                return false;
        for (size_t i = 0; i + 1 < len; i++)
                if (cmd[i] == '\0')
                        cmd[i] = ' ';
        return strstr(cmd, dir) != NULL;
}

static bool daemon_running(const char *dir, const char *daemon)
{
        pid_t pid = pid_read(dir, daemon);

        return pid > 0 && pid_is_ours(pid, dir);
}

static int daemon_start(const char *dir, const char *daemon, struct vn_error *err)
{
        _cleanup_free_ char *bin = vn_asprintf("%s/%s", frr_sbin(), daemon);
        _cleanup_free_ char *conf = vn_asprintf("%s/%s.conf", dir, daemon);
        _cleanup_free_ char *pid = vn_asprintf("%s/%s.pid", dir, daemon);
        _cleanup_free_ char *zs = vn_asprintf("%s/zserv.api", dir);
        _cleanup_free_ char *log = vn_asprintf("%s/%s.log", dir, daemon);
        _cleanup_free_ char *vty = vn_asprintf("%s/%s.vty", dir, daemon);
        const char *hostname = strcmp(daemon, "zebra") == 0 ? "hostname vnet\n" : "";
        const struct passwd *pw = getpwnam("frr");
        char *argv[24];
        size_t n = 0;
        long deadline;
        int fd, r;

        if (!bin || !conf || !pid || !zs || !log || !vty)
                return vn_err(err, -ENOMEM, "out of memory");
        if (access(bin, X_OK) < 0)
                return vn_err(err, -ENOENT,
                              "FRR is not installed: %s not found (apt-get install frr; "
                              "VNET_FRR_SBIN names another directory)",
                              bin);
        r = vn_write_file_atomic(conf, hostname, strlen(hostname), 0600);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", conf, strerror(-r));
        /* the daemons drop to FRR's own user (and insist that it is in the vty group) */
        if (pw &&
            (chown(dir, pw->pw_uid, pw->pw_gid) < 0 || chown(conf, pw->pw_uid, pw->pw_gid) < 0))
                return vn_err(err, -errno, "cannot hand '%s' to user frr: %m", dir);
        argv[n++] = bin;
        argv[n++] = (char *)"-d";
        argv[n++] = (char *)"-F";
        argv[n++] = (char *)"traditional";
        argv[n++] = (char *)"-P";
        argv[n++] = (char *)"0";
        argv[n++] = (char *)"-f";
        argv[n++] = conf;
        argv[n++] = (char *)"-i";
        argv[n++] = pid;
        argv[n++] = (char *)"-z";
        argv[n++] = zs;
        argv[n++] = (char *)"--vty_socket";
        argv[n++] = (char *)dir;
        argv[n] = NULL;
        unlink(vty);
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return vn_err(err, -errno, "cannot open '%s': %m", log);
        /* -d: the parent exits once daemonised */
        r = vn_run(&(struct vn_run_opts){.argv = argv, .in_fd = -1, .out_fd = fd, .netns_fd = -1,
                                         .timeout_ms = FRR_TIMEOUT_MS},
                   NULL);
        close(fd);
        if (r != 0)
                return vn_err(err, r < 0 ? r : -EIO, "%s failed to start (%s; log %s)", bin,
                              r < 0 ? strerror(-r) : "non-zero exit", log);
        /* ready when its vty socket is there */
        deadline = now_ms() + FRR_TIMEOUT_MS;
        while (access(vty, F_OK) < 0) {
                if (now_ms() > deadline)
                        return vn_err(err, -ETIMEDOUT,
                                      "%s started but its vty socket %s did not appear (log %s)",
                                      daemon, vty, log);
                usleep(10000);
        }
        return 0;
}

static void daemon_stop(const char *dir, const char *daemon)
{
        pid_t pid = pid_read(dir, daemon);
        long deadline = now_ms() + 3000;

        if (pid <= 0 || !pid_is_ours(pid, dir))
                return;
        kill(pid, SIGTERM);
        while (kill(pid, 0) == 0 && pid_is_ours(pid, dir)) {
                if (now_ms() > deadline) {
                        kill(pid, SIGKILL);
                        break;
                }
                usleep(10000);
        }
}

static int frr_own_up(const char *dir, struct vn_error *err)
{
        int r;

        r = vn_mkdir_p(dir, 0700);
        if (r < 0)
                return vn_err(err, r, "cannot create '%s': %s", dir, strerror(-r));
        if (!daemon_running(dir, "zebra")) {
                daemon_stop(dir, "bgpd"); /* a bgpd without its zebra is of no use */
                if ((r = daemon_start(dir, "zebra", err)) < 0)
                        return r;
        }
        if (!daemon_running(dir, "bgpd") && (r = daemon_start(dir, "bgpd", err)) < 0)
                return r;
        return 0;
}

static void frr_own_down(const char *dir)
{
        static const char *const files[] = {"zebra.conf", "bgpd.conf", "zebra.log",
                                            "bgpd.log",   "zebra.pid", "bgpd.pid",
                                            "zebra.vty",  "bgpd.vty",  "zserv.api"};

        daemon_stop(dir, "bgpd");
        daemon_stop(dir, "zebra");
        for (size_t i = 0; i < VN_ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *p = vn_asprintf("%s/%s", dir, files[i]);

                if (p)
                        unlink(p);
        }
        rmdir(dir); /* fails while another network's block file is there: fine */
}

/* The bgp peers of every other running evpn network of this root (from their live
 * definitions), and whether there is any. */
static int others_bgp_peers(struct vn_ctx *ctx, const char *self, struct vn_addr **peers, size_t *n,
                            bool *any)
{
        char **names = NULL;
        size_t cnt = 0;
        int r;

        *peers = NULL;
        *n = 0;
        *any = false;
        r = vn_running_names(ctx, &names, &cnt);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cnt; i++) {
                _cleanup_free_ char *live = NULL;
                _cleanup_net_ struct vn_net *net = NULL;
                struct vn_error ignore = {0};
                const struct vn_overlay *o;

                if (strcmp(names[i], self) == 0)
                        continue;
                live = vn_path_run_file(ctx, names[i], "net.xml");
                if (!live || vn_net_parse_file(live, &net, &ignore) < 0)
                        continue;
                o = &net->ext.overlay;
                if (o->type != VN_OVERLAY_EVPN)
                        continue;
                *any = true;
                for (size_t k = 0; k < o->n_bgp_peers; k++) {
                        struct vn_addr *np = realloc(*peers, (*n + 1) * sizeof(*np));

                        if (!np) {
                                vn_strv_free(names, cnt);
                                return -ENOMEM;
                        }
                        np[*n] = o->bgp_peers[k];
                        *peers = np;
                        (*n)++;
                }
        }
        vn_strv_free(names, cnt);
        return 0;
}

/* The block fed to vtysh: in vnet's FRR directory, or, with the system's FRR, in the
 * network's own state directory (root's) — never in a directory others can write to. */
static char *frr_block_path(struct vn_ctx *ctx, bool own, const char *dir, const char *name)
{
        if (own)
                return vn_asprintf("%s/vnet-%s.conf", dir, name);
        return vn_path_run_file(ctx, name, "frr-block.conf");
}

static int frr_add(struct vn_ctx *ctx, struct vn_journal *j, const struct vn_plan *p,
                   struct vn_error *err)
{
        _cleanup_free_ char *block = vn_plan_overlay_frr(p->overlay);
        _cleanup_free_ char *file = NULL;
        struct frr f = {0};
        int lock, r;

        if (!block || frr_locate(ctx, &f) < 0) {
                frr_clear(&f);
                return vn_err(err, -ENOMEM, "out of memory");
        }
        lock = vn_lock(ctx, ".frr", err);
        if (lock < 0) {
                frr_clear(&f);
                return lock;
        }
        r = vn_journal_add(j, "frr", f.dir, p->name, f.own ? "vnet" : "system", NULL);
        if (r < 0) {
                vn_err(err, r, "journal: %s", strerror(-r));
                goto out;
        }
        if (f.own) {
                vn_ctx_log(ctx, "frr: zebra + bgpd in %s", f.dir);
                if ((r = frr_own_up(f.dir, err)) < 0)
                        goto out;
        }
        if (!(file = frr_block_path(ctx, f.own, f.dir, p->name))) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        r = frr_vtysh_text(f.dir, file, block, "the network's BGP EVPN configuration", err);
        if (!f.own)
                unlink(file);
out:
        vn_unlock(lock);
        if (r < 0)
                vn_err_prefix(err, "network '%s': FRR", p->name);
        frr_clear(&f);
        return r;
}

/* Undo "frr DIR NAME MODE": remove what only this network needed. */
static int frr_undo(struct vn_ctx *ctx, const struct vn_journal_entry *e, struct vn_error *err)
{
        const char *dir = e->args[0], *name = e->args[1];
        bool own = e->n_args < 3 || strcmp(e->args[2], "vnet") == 0;
        _cleanup_free_ struct vn_addr *others = NULL;
        _cleanup_free_ char *live = NULL, *file = NULL;
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_buf_ struct vn_buf b = {0};
        struct vn_error ignore = {0};
        size_t n_others = 0;
        bool any = false;
        int lock, r;

        lock = vn_lock(ctx, ".frr", err);
        if (lock < 0)
                return lock;
        r = others_bgp_peers(ctx, name, &others, &n_others, &any);
        if (r < 0)
                goto out;
        file = frr_block_path(ctx, own, dir, name);
        if (!file) {
                r = -ENOMEM;
                goto out;
        }
        if (own) {
                unlink(file);
                if (!any) {
                        frr_own_down(dir); /* the last evpn network: vnet's FRR goes */
                        goto out;
                }
                if (!daemon_running(dir, "bgpd"))
                        goto out; /* nothing to unconfigure */
        }
        /* which neighbors were ours: the live definition says */
        live = vn_path_run_file(ctx, name, "net.xml");
        if (!live || vn_net_parse_file(live, &net, &ignore) < 0)
                goto out; /* never got that far */
        for (size_t i = 0; i < net->ext.overlay.n_bgp_peers; i++) {
                const struct vn_addr *a = &net->ext.overlay.bgp_peers[i];
                char s[VN_ADDR_STRLEN];
                bool shared = false;

                for (size_t k = 0; k < n_others; k++)
                        if (vn_addr_equal(&others[k], a))
                                shared = true;
                if (shared)
                        continue;
                if (!vn_buf_str(&b))
                        vn_buf_addf(&b, "router bgp %u\n", net->ext.overlay.asn);
                vn_buf_addf(&b, " no neighbor %s\n", vn_addr_format(a, s));
        }
        if (vn_buf_str(&b)) {
                r = frr_vtysh_text(dir, file, vn_buf_str(&b), "removing the network's neighbors",
                                   err);
                unlink(file);
                if (r == -ECONNREFUSED && own)
                        r = 0; /* daemons gone: nothing left to remove */
        }
out:
        vn_unlock(lock);
        return r;
}

/* ---- apply, undo ----------------------------------------------------------- */

static int overlay_apply(struct vn_ctx *ctx, struct vn_nl *nl, struct vn_journal *j,
                         const struct vn_plan *p, struct vn_error *err)
{
        const struct vn_plan_overlay *o = p->overlay;
        struct vn_vxlan_spec spec = {0};
        char vni[16], a[VN_ADDR_STRLEN], dev[16];
        struct vn_error e2 = {0};
        int r;

        if (!o)
                return 0;
        vn_ctx_log(ctx, "step overlay");
        if (!vn_addr_is_set(&o->local))
                return vn_err(err, -EADDRNOTAVAIL,
                              "network '%s': overlay local-dev '%s' has no IPv4 address (or does "
                              "not exist)",
                              p->name, o->local_dev);
        if (vn_ifaddr_owner(nl, &o->local, dev, &e2) < 0)
                return vn_err(err, -EADDRNOTAVAIL,
                              "network '%s': overlay local address %s is not configured on this "
                              "host (each host's definition needs its own local=, or use "
                              "local-dev=)",
                              p->name, vn_addr_format(&o->local, a));
        spec.name = o->link;
        spec.vni = o->vni;
        spec.local = o->local;
        spec.port = o->port;
        spec.learning = o->learning;
        spec.mtu = o->mtu;
        snprintf(vni, sizeof(vni), "%u", o->vni);
        r = vn_journal_add(j, "vxlan", o->link, vni, NULL);
        if (r < 0)
                return vn_err(err, r, "journal: %s", strerror(-r));
        r = vn_vxlan_create(nl, &spec, err);
        if (r < 0) {
                vn_journal_drop_last(j); /* not ours */
                return r;
        }
        if ((r = vn_link_set_master(nl, o->link, p->bridge, err)) < 0)
                return r;
        /* under evpn the bridge must not learn remote MACs from the tunnel: zebra would take
         * them for local ones; BGP installs them */
        if (!o->learning && (r = vn_bridge_port_set_learning(nl, o->link, false, true, err)) < 0)
                return r;
        for (size_t i = 0; i < o->n_fdb; i++)
                if ((r = vn_vxlan_fdb_add(nl, o->link, &o->fdb[i], err)) < 0 && r != -EEXIST)
                        return r;
        if ((r = vn_link_set_up(nl, o->link, true, err)) < 0)
                return r;
        if (o->type == VN_OVERLAY_EVPN)
                return frr_add(ctx, j, p, err);
        return 0;
}

/* Undo "frr DIR NAME MODE". */
static int undo_frr(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                    struct vn_error *err)
{
        (void)nl;
        return frr_undo(ctx, e, err);
}

/* Undo "vxlan LINK VNI": delete the link when it is still a vxlan. nl may be NULL. */
static int undo_vxlan(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                      struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *own = NULL;
        struct vn_link_info li;
        int r;

        (void)ctx;
        if (!nl) {
                if ((r = vn_nl_open(&own, err)) < 0)
                        return r;
                nl = own;
        }
        r = vn_link_get(nl, e->args[0], &li, err);
        if (r == -ENODEV)
                return 0;
        if (r < 0)
                return r;
        if (strcmp(li.kind, "vxlan") != 0)
                return vn_err(err, -EEXIST, "link '%s' is not the vxlan vnet created (kind %s)",
                              e->args[0], li.kind);
        r = vn_link_delete(nl, e->args[0], err);
        return r == -ENODEV ? 0 : r;
}

static const struct vn_undo_kind overlay_undo[] = {
    {"vxlan", 1, undo_vxlan},
    {"frr", 2, undo_frr},
};

const struct vn_feature vn_overlay_feature = {
    .name = "overlay",
    .apply = overlay_apply,
    .undo = overlay_undo,
    .n_undo = VN_ARRAY_SIZE(overlay_undo),
};

/* ---- live peers ------------------------------------------------------------- */

int vn_overlay_peer(struct vn_ctx *ctx, const char *name, const char *addr, bool add,
                    struct vn_error *err)
{
        _cleanup_free_ char *live = NULL, *nft = NULL;
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_nl_ struct vn_nl *nl = NULL;
        struct vn_addr a;
        int lock, r;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        if (vn_addr_parse_family(addr, AF_INET, &a) < 0)
                return vn_err(err, -EINVAL, "'%s' is not an IPv4 address", addr);
        lock = vn_lock(ctx, name, err);
        if (lock < 0)
                return lock;
        if (vn_state_get(ctx, name) != VN_STATE_ACTIVE) {
                r = vn_err(err, -ENOENT, "network '%s' is not active", name);
                goto out;
        }
        live = vn_path_run_file(ctx, name, "net.xml");
        if (!live) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        if ((r = vn_net_parse_file(live, &net, err)) < 0 ||
            (r = vn_plan_for(ctx, net, &p, err)) < 0)
                goto out;
        if (!p->overlay) {
                r = vn_err(err, -EINVAL, "network '%s' has no <vnet:overlay>", name);
                goto out;
        }
        if (vn_addr_equal(&a, &p->overlay->local)) {
                r = vn_err(err, -EINVAL, "%s is this host's own VTEP address", addr);
                goto out;
        }
        if ((r = vn_nl_open(&nl, err)) < 0)
                goto out;
        /* firewall first on add (traffic from the peer is accepted before we send to it),
         * last on delete */
        nft = vn_plan_overlay_nft_vtep(p->overlay, &a, add);
        if (!nft) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto out;
        }
        if (add && p->fw == VN_FW_NFT && (r = vn_fw_submit(ctx, nft, err)) < 0) {
                if (err && strstr(err->msg, "exists"))
                        r = vn_err_replace(err, -EEXIST, "%s is already a peer of '%s'", addr,
                                           name);
                goto out;
        }
        if (p->overlay->type == VN_OVERLAY_VXLAN) {
                r = add ? vn_vxlan_fdb_add(nl, p->overlay->link, &a, err)
                        : vn_vxlan_fdb_del(nl, p->overlay->link, &a, err);
                if (r == -EEXIST && add)
                        r = vn_err_replace(err, -EEXIST, "%s is already a peer of '%s'", addr,
                                           name);
                else if (r == -ENOENT && !add)
                        r = vn_err_replace(err, -ENOENT, "%s is not a peer of '%s'", addr, name);
                if (r < 0)
                        goto out;
        }
        if (!add && p->fw == VN_FW_NFT && (r = vn_fw_submit(ctx, nft, err)) < 0)
                goto out;
        r = 0;
out:
        vn_unlock(lock);
        return r;
}
