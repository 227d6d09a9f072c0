/*
 * port.c: guest ports on running networks — creating taps, macvtaps and
 * namespace veths, recording them under ROOT/run/vnet/NAME/ports/, listing
 * them (after dropping what the kernel or a dead owner already ended), and
 * removing them one by one or all at destroy.
 *
 * Each port type is a row of a small table (create, remove); the record and
 * MAC-index handling around them is shared.
 *
 * An add journals before it creates: the record is written (pending=1) with
 * the link's exact name and the MAC vnet gives it before the link exists, and
 * rewritten without the flag once the port is complete. So a crash anywhere
 * leaves either nothing (a tap is persistent only once recorded) or a pending
 * record that identifies what was made; port-list (under the network's lock,
 * so no add is running) and destroy remove it. Each step is a fault point.
 */
#include "config.h"

#include "bandwidth.h"
#include "fault.h"
#include "port.h"
#include "helper-port.h"
#include "vnet.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <net/if.h>
#include <linux/if_tun.h>

const char *vn_port_type_name(enum vn_port_type t)
{
        static const char *const names[] = {
            [VN_PORT_AUTO] = "auto",
            [VN_PORT_TAP] = "tap",
            [VN_PORT_MACVTAP] = "macvtap",
            [VN_PORT_NETNS] = "netns",
        };

        return (unsigned)t < VN_ARRAY_SIZE(names) ? names[t] : "?";
}

static int port_type_from_name(const char *s)
{
        for (int t = VN_PORT_TAP; t <= VN_PORT_NETNS; t++)
                if (strcmp(s, vn_port_type_name(t)) == 0)
                        return t;
        return -EINVAL;
}

void vn_port_host_mac(const uint8_t guest[6], uint8_t host[6])
{
        memcpy(host, guest, 6);
        host[0] = guest[0] == 0xfe ? 0xfa : 0xfe;
}

void vn_port_close_fds(struct vn_port *p)
{
        for (unsigned i = 0; i < p->n_fds; i++) {
                if (p->fds[i] >= 0)
                        close(p->fds[i]);
                p->fds[i] = -1;
        }
        p->n_fds = 0;
}

static void copy_str(char *dst, size_t n, const char *src)
{
        size_t len = src ? strnlen(src, n - 1) : 0;

        if (len)
                memcpy(dst, src, len);
        dst[len] = '\0';
}

/* ---- owners: a pid plus its start time, so a reused pid is not mistaken for the owner --- */

static unsigned long long proc_starttime(pid_t pid)
{
        char path[64], buf[1024];
        unsigned long long st = 0;
        const char *p;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        p = strrchr(buf, ')'); /* comm may contain spaces and parentheses */
        if (!p)
                return 0;
        /* fields after comm: state(3) ... starttime(22) */
        for (int field = 2; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        if (p)
                st = strtoull(p + 1, NULL, 10);
        return st;
}

static bool owner_alive(const struct vn_port *p)
{
        if (p->owner_pid <= 0)
                return true; /* nobody in particular: the link itself is the truth */
        if (kill(p->owner_pid, 0) < 0 && errno == ESRCH)
                return false;
        return !p->owner_start || proc_starttime(p->owner_pid) == p->owner_start;
}

/* ---- records ---------------------------------------------------------------------------- */

static char *port_format(const struct vn_port *p)
{
        struct vn_buf b = {0};

        vn_buf_addf(&b, "type=%s\nifname=%s\nmac=%s\nhost_mac=%s\nlink=%s\nqueues=%u\npersist=%d\n",
                    vn_port_type_name(p->type), p->ifname, p->mac, p->host_mac, p->link, p->queues,
                    p->persist ? 1 : 0);
        if (p->mode[0])
                vn_buf_addf(&b, "mode=%s\n", p->mode);
        if (p->owner_pid > 0)
                vn_buf_addf(&b, "owner_pid=%ld\nowner_start=%llu\n", (long)p->owner_pid,
                            p->owner_start);
        /* free text from the caller (owner, a namespace path): escaped, so that a line break
         * in it cannot add a record line of its own (say "ifname=eth0") */
        if (p->owner[0]) {
                vn_buf_add(&b, "owner=");
                vn_buf_add_escaped_line(&b, p->owner);
                vn_buf_add(&b, "\n");
        }
        if (p->netns[0]) {
                vn_buf_add(&b, "netns=");
                vn_buf_add_escaped_line(&b, p->netns);
                vn_buf_addf(&b, "\npeer=%s\n", p->peer);
        }
        if (p->saved_mac[0])
                vn_buf_addf(&b, "saved_mac=%s\n", p->saved_mac);
        if (p->portgroup[0])
                vn_buf_addf(&b, "portgroup=%s\n", p->portgroup);
        if (p->isolated)
                vn_buf_add(&b, "isolated=1\n");
        if (p->ifb[0])
                vn_buf_addf(&b, "ifb=%s\n", p->ifb);
        if (p->pending)
                vn_buf_addf(&b, "pending=1\n");
        return vn_buf_steal(&b);
}

static int port_parse(char *text, struct vn_port *p)
{
        char *save = NULL;

        memset(p, 0, sizeof(*p));
        for (unsigned i = 0; i < VN_PORT_MAX_QUEUES; i++)
                p->fds[i] = -1;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *v = strchr(l, '=');

                if (!v)
                        continue;
                *v++ = '\0';
                if (strcmp(l, "type") == 0) {
                        int t = port_type_from_name(v);

                        if (t < 0)
                                return -EBADMSG;
                        p->type = (enum vn_port_type)t;
                } else if (strcmp(l, "ifname") == 0) {
                        copy_str(p->ifname, sizeof(p->ifname), v);
                } else if (strcmp(l, "mac") == 0) {
                        copy_str(p->mac, sizeof(p->mac), v);
                } else if (strcmp(l, "host_mac") == 0) {
                        copy_str(p->host_mac, sizeof(p->host_mac), v);
                } else if (strcmp(l, "link") == 0) {
                        copy_str(p->link, sizeof(p->link), v);
                } else if (strcmp(l, "mode") == 0) {
                        copy_str(p->mode, sizeof(p->mode), v);
                } else if (strcmp(l, "queues") == 0) {
                        p->queues = (unsigned)strtoul(v, NULL, 10);
                } else if (strcmp(l, "persist") == 0) {
                        p->persist = strcmp(v, "1") == 0;
                } else if (strcmp(l, "owner_pid") == 0) {
                        p->owner_pid = (pid_t)strtol(v, NULL, 10);
                } else if (strcmp(l, "owner_start") == 0) {
                        p->owner_start = strtoull(v, NULL, 10);
                } else if (strcmp(l, "owner") == 0) {
                        vn_unescape_line(v);
                        copy_str(p->owner, sizeof(p->owner), v);
                } else if (strcmp(l, "netns") == 0) {
                        vn_unescape_line(v);
                        copy_str(p->netns, sizeof(p->netns), v);
                } else if (strcmp(l, "peer") == 0) {
                        copy_str(p->peer, sizeof(p->peer), v);
                } else if (strcmp(l, "saved_mac") == 0) {
                        copy_str(p->saved_mac, sizeof(p->saved_mac), v);
                } else if (strcmp(l, "portgroup") == 0) {
                        copy_str(p->portgroup, sizeof(p->portgroup), v);
                } else if (strcmp(l, "ifb") == 0) {
                        copy_str(p->ifb, sizeof(p->ifb), v);
                } else if (strcmp(l, "isolated") == 0) {
                        p->isolated = strcmp(v, "1") == 0;
                } else if (strcmp(l, "pending") == 0) {
                        p->pending = strcmp(v, "1") == 0;
                }
        }
        /* names read back from state obey the rule names given on the command line do: a
         * damaged or planted record never names what vnet then deletes or configures */
        if (!vn_ifname_valid(p->ifname) || p->type == VN_PORT_AUTO ||
            (p->link[0] && !vn_ifname_valid(p->link)) || (p->peer[0] && !vn_ifname_valid(p->peer)))
                return -EBADMSG;
        return 0;
}

/* Runtime state: written with a rename so a reader never sees half a record, but without
 * fsync — it lives in /run and describes links that do not survive a reboot either. */
static int write_record(const char *dir, const struct vn_port *p)
{
        _cleanup_free_ char *text = port_format(p);
        _cleanup_free_ char *path = vn_asprintf("%s/%s", dir, p->ifname);
        _cleanup_free_ char *tmp = vn_asprintf("%s/.%s.tmp.XXXXXX", dir, p->ifname);
        size_t len, off = 0;
        int fd, r = 0;

        if (!text || !path || !tmp)
                return -ENOMEM;
        len = strlen(text);
        /* a new file (O_EXCL, unpredictable name), its mode set on the fd */
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        while (off < len && r == 0) {
                ssize_t w = write(fd, text + off, len - off);

                if (w < 0 && errno != EINTR)
                        r = -errno;
                else if (w > 0)
                        off += (size_t)w;
        }
        close(fd);
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

static int read_record(const char *dir, const char *ifname, struct vn_port *p)
{
        _cleanup_free_ char *path = vn_asprintf("%s/%s", dir, ifname);
        _cleanup_free_ char *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = vn_read_file(path, 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        return port_parse(text, p);
}

static void mac_index_path(const char *dir, const char *mac, char *out, size_t n)
{
        snprintf(out, n, "%s/mac:%s", dir, mac);
}

/* Is `mac` free on this network? -EEXIST (naming the holder in holder) when a live port has
 * it; a stale index entry (its record is gone) is removed. Called under the network's lock,
 * so checking and then linking is atomic. */
static int mac_check(const char *dir, const char *mac, char holder[16])
{
        char path[512], target[64], rec[512];
        ssize_t n;

        mac_index_path(dir, mac, path, sizeof(path));
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return errno == ENOENT ? 0 : -errno;
        target[n] = '\0';
        snprintf(rec, sizeof(rec), "%s/%s", dir, target);
        if (access(rec, F_OK) == 0) {
                copy_str(holder, 16, target);
                return -EEXIST;
        }
        unlink(path);
        return 0;
}

static void mac_release(const char *dir, const char *mac, const char *ifname)
{
        char path[512], target[64];
        ssize_t n;

        mac_index_path(dir, mac, path, sizeof(path));
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return;
        target[n] = '\0';
        if (strcmp(target, ifname) == 0)
                unlink(path);
}

static void drop_record(const char *dir, const struct vn_port *p)
{
        _cleanup_free_ char *path = vn_asprintf("%s/%s", dir, p->ifname);

        if (p->mac[0])
                mac_release(dir, p->mac, p->ifname);
        if (path)
                unlink(path);
}

/* Names of the records in dir (ifnames; index links and temp files skipped), sorted. */
static int list_records(const char *dir, char ***out, size_t *n)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        char **v = NULL;
        size_t cnt = 0;

        *out = NULL;
        *n = 0;
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                char **nv;

                if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
                        continue;
                nv = realloc(v, (cnt + 1) * sizeof(*v));
                if (!nv || !(nv[cnt] = strdup(de->d_name))) {
                        closedir(d);
                        vn_strv_free(nv ? nv : v, cnt);
                        return -ENOMEM;
                }
                v = nv;
                cnt++;
        }
        closedir(d);
        for (size_t i = 1; i < cnt; i++) /* few entries: insertion sort */
                for (size_t k = i; k > 0 && strcmp(v[k - 1], v[k]) > 0; k--) {
                        char *t = v[k];
                        v[k] = v[k - 1];
                        v[k - 1] = t;
                }
        *out = v;
        *n = cnt;
        return 0;
}

/* ---- port types ---------------------------------------------------------------------------- */

/* What creating one port needs to know about its network. */
struct port_build {
        struct vn_ctx *ctx;
        struct vn_nl *nl;
        const struct vn_port_opts *o;
        const char *dir;    /* ports dir, NULL when unrecorded */
        const char *bridge; /* TAP/NETNS */
        char **pool;        /* MACVTAP: lower devices */
        size_t n_pool;
        enum vn_fwd_mode mode; /* MACVTAP */
        uint8_t mac[6];        /* guest MAC */
        struct vn_port *p;     /* being filled */
        bool recorded;         /* the record is written: remove on failure */
        bool created;          /* the link exists: remove on failure */
        bool lower_mac_set;    /* passthrough: the lower device has the guest's MAC */
        const struct vn_bandwidth *bw; /* the portgroup's, NULL: none */
};

struct port_ops {
        int (*create)(struct port_build *b, struct vn_error *err);
        /* Remove the port's link. -ENODEV when already gone. */
        int (*remove)(struct vn_nl *nl, const struct vn_port *p, struct vn_error *err);
        /* Is the link the record names still this port? */
        bool (*present)(struct vn_nl *nl, const struct vn_port *p);
};

/* One step of port-add: `step NAME` in `vnet -v`, and a fault point for the tests. */
static int port_step(struct vn_ctx *ctx, const char *name, struct vn_error *err)
{
        int f = vn_fault_point(name);

        vn_ctx_log(ctx, "step %s", name);
        if (f < 0)
                return vn_err(err, f, "port-add step %s: injected fault: %s", name, strerror(-f));
        return 0;
}

/* Journal the port (pending) under its current name, before the link it names exists. */
static int record_now(struct port_build *b, struct vn_error *err)
{
        int r;

        if (!b->dir)
                return 0;
        r = port_step(b->ctx, "port-record", err);
        if (r < 0)
                return r;
        b->p->pending = true;
        r = write_record(b->dir, b->p);
        if (r < 0)
                return vn_err(err, r, "port '%s': cannot write its record in '%s': %s",
                              b->p->ifname, b->dir, strerror(-r));
        b->recorded = true;
        return 0;
}

/* Drop the pending record of a name that turned out to be taken. */
static void unrecord(struct port_build *b)
{
        _cleanup_free_ char *path = NULL;

        if (!b->recorded)
                return;
        path = vn_asprintf("%s/%s", b->dir, b->p->ifname);
        if (path)
                unlink(path);
        b->recorded = false;
}

/* Before the ifb exists, the record names it, so that removing the port (also after a crash)
 * removes it too. The qdiscs on the port's own link go with the link. */
static int port_shape_record(void *data, const char *kind, const char *dev)
{
        struct port_build *b = data;

        if (strcmp(kind, "ifb") != 0)
                return 0;
        copy_str(b->p->ifb, sizeof(b->p->ifb), dev);
        return b->dir ? write_record(b->dir, b->p) : 0;
}

/* The portgroup's <bandwidth> on this port (plan-tc.c: inbound on the port's egress, outbound
 * on an ifb fed from its ingress). */
static int port_shape(struct port_build *b, struct vn_error *err)
{
        struct vn_plan_shape sh[2];
        size_t n = 0;
        int r = vn_plan_shapes(b->bw, b->p->ifname, false, sh, &n, err);

        for (size_t k = 0; r == 0 && k < n; k++)
                r = vn_shape_apply(b->ctx, b->nl, &sh[k], port_shape_record, b, err);
        if (r < 0)
                vn_err_prefix(err, "port '%s': <bandwidth>", b->p->ifname);
        return r;
}

/* MTU, master, up: the common tail of a tap and a veth's host end (its MAC is already set). */
static int attach_to_bridge(struct port_build *b, struct vn_error *err)
{
        struct vn_port *p = b->p;
        struct vn_link_info br;
        int r;

        r = vn_link_get(b->nl, b->bridge, &br, err);
        if (r < 0)
                return r;
        if (br.mtu) { /* before enslaving, so the bridge's MTU does not drop to the port's */
                r = port_step(b->ctx, "port-mtu", err);
                if (r == 0)
                        r = vn_link_set_mtu(b->nl, p->ifname, br.mtu, err);
                if (r < 0)
                        return r;
        }
        r = port_step(b->ctx, "port-master", err);
        if (r == 0)
                r = vn_link_set_master(b->nl, p->ifname, b->bridge, err);
        if (r == 0 && p->isolated) { /* before it is up: no frame passes unisolated */
                r = port_step(b->ctx, "port-isolated", err);
                if (r == 0)
                        r = vn_bridge_port_set_isolated(b->nl, p->ifname, true, err);
        }
        if (r == 0 && b->bw && b->bw->present)
                r = port_shape(b, err);
        if (r == 0)
                r = port_step(b->ctx, "port-up", err);
        if (r < 0)
                return r;
        return vn_link_set_up(b->nl, p->ifname, true, err);
}

static void host_mac_of(struct port_build *b, uint8_t host[6])
{
        vn_port_host_mac(b->mac, host);
        vn_mac_format(host, b->p->host_mac);
}

static int tap_create(struct port_build *b, struct vn_error *err)
{
        const struct vn_port_opts *o = b->o;
        struct vn_port *p = b->p;
        unsigned flags = 0;
        uint8_t host[6];
        int r;

        if (!o->persist && !o->keep_fds)
                return vn_err(err, -EINVAL,
                              "a tap whose fds nobody keeps must be persistent (it would vanish)");
        if (o->ifname && vn_link_index(b->nl, o->ifname) > 0)
                return vn_err(err, -EEXIST, "interface '%s' already exists", o->ifname);
        if (o->vnet_hdr)
                flags |= VN_TAP_VNET_HDR;
        if (o->cloexec || !o->keep_fds)
                flags |= VN_TAP_CLOEXEC;
        /* not persistent yet: until it is recorded, our fds are all that keep it */
        r = port_step(b->ctx, "port-tap", err);
        if (r == 0)
                r = vn_tap_open(o->ifname ? o->ifname : "vnet%d", p->queues, flags, p->fds,
                                p->ifname, err);
        if (r < 0)
                return r;
        b->created = true;
        p->n_fds = p->queues;
        p->persist = o->persist;
        copy_str(p->link, sizeof(p->link), b->bridge);
        host_mac_of(b, host); /* before the record, which identifies the link by it */
        r = port_step(b->ctx, "port-mac", err);
        if (r == 0)
                r = vn_link_set_mac(b->nl, p->ifname, host, err);
        if (r == 0)
                r = record_now(b, err);
        if (r == 0 && o->persist) {
                r = port_step(b->ctx, "port-persist", err);
                if (r == 0 && ioctl(p->fds[0], TUNSETPERSIST, 1) < 0)
                        r = vn_err(err, -errno, "tap '%s': persist: %s", p->ifname,
                                   strerror(errno));
        }
        if (r == 0)
                r = attach_to_bridge(b, err);
        return r;
}

static int link_remove(struct vn_nl *nl, const struct vn_port *p, struct vn_error *err)
{
        int r;

        if (p->ifb[0]) /* first: it is fed from the port; a leftover is never vnet's again */
                vn_ifb_remove(nl, p->ifb, &(struct vn_error){0});
        r = vn_link_delete(nl, p->ifname, err);

        if (r == -EOPNOTSUPP && p->type == VN_PORT_TAP)
                r = vn_tap_delete(p->ifname, err);
        return r;
}

/* The link exists and still carries the MAC vnet gave it (not a namesake made later). */
static bool link_present(struct vn_nl *nl, const struct vn_port *p)
{
        struct vn_link_info li;
        struct vn_error ignore = {0};
        char m[VN_MAC_STRLEN];

        if (vn_link_get(nl, p->ifname, &li, &ignore) < 0)
                return false;
        return !p->host_mac[0] || strcmp(vn_mac_format(li.mac, m), p->host_mac) == 0;
}

static const enum vn_macvtap_mode macvtap_modes[VN_FWD__MAX] = {
    [VN_FWD_BRIDGE] = VN_MACVTAP_BRIDGE,
    [VN_FWD_VEPA] = VN_MACVTAP_VEPA,
    [VN_FWD_PRIVATE] = VN_MACVTAP_PRIVATE,
    [VN_FWD_PASSTHROUGH] = VN_MACVTAP_PASSTHRU,
};

/* Least used pool device; passthrough: an unused one. */
static int pick_lower(struct port_build *b, const char **out, struct vn_error *err)
{
        _cleanup_free_ unsigned *use = calloc(b->n_pool ? b->n_pool : 1, sizeof(unsigned));
        char **names = NULL;
        size_t n = 0, best = 0;
        int r;

        if (!use)
                return -ENOMEM;
        if (b->n_pool == 0)
                return vn_err(err, -EINVAL, "the network has no <interface dev> pool");
        r = list_records(b->dir, &names, &n);
        if (r < 0)
                return vn_err(err, r, "cannot list ports in '%s': %s", b->dir, strerror(-r));
        for (size_t i = 0; i < n; i++) {
                struct vn_port q;

                if (read_record(b->dir, names[i], &q) < 0 || q.type != VN_PORT_MACVTAP)
                        continue;
                for (size_t k = 0; k < b->n_pool; k++)
                        if (strcmp(b->pool[k], q.link) == 0)
                                use[k]++;
        }
        vn_strv_free(names, n);
        for (size_t k = 1; k < b->n_pool; k++)
                if (use[k] < use[best])
                        best = k;
        if (b->mode == VN_FWD_PASSTHROUGH && use[best] > 0)
                return vn_err(err, -EBUSY,
                              "no free device in the pool (passthrough: one guest per device, "
                              "%zu in use)",
                              b->n_pool);
        *out = b->pool[best];
        return 0;
}

/* Put back the lower device's own MAC (passthrough), when vnet changed it. */
static void lower_mac_restore(struct port_build *b)
{
        uint8_t m[6];

        if (b->lower_mac_set && vn_mac_parse(b->p->saved_mac, m) == 0 &&
            vn_link_set_mac(b->nl, b->p->link, m, &(struct vn_error){0}) == 0)
                b->lower_mac_set = false;
}

static int macvtap_create(struct port_build *b, struct vn_error *err)
{
        const struct vn_port_opts *o = b->o;
        struct vn_port *p = b->p;
        const char *lower = NULL;
        bool passthru = b->mode == VN_FWD_PASSTHROUGH;
        unsigned flags = 0;
        int r = -EEXIST;

        if (b->mode != VN_FWD_BRIDGE && b->mode != VN_FWD_VEPA && b->mode != VN_FWD_PRIVATE &&
            !passthru)
                return vn_err(err, -EINVAL, "forward mode '%s' has no macvtap ports",
                              vn_fwd_mode_name(b->mode));
        if (o->ifname && vn_link_index(b->nl, o->ifname) > 0)
                return vn_err(err, -EEXIST, "interface '%s' already exists", o->ifname);
        r = pick_lower(b, &lower, err);
        if (r < 0)
                return r;
        copy_str(p->link, sizeof(p->link), lower);
        copy_str(p->mode, sizeof(p->mode), vn_fwd_mode_name(b->mode));
        /* the guest's own MAC (passthrough: the macvtap inherits the device's, which becomes
         * the guest's) */
        copy_str(p->host_mac, sizeof(p->host_mac), p->mac);
        if (passthru) {
                struct vn_link_info li;

                r = vn_link_get(b->nl, lower, &li, err);
                if (r < 0)
                        return r;
                vn_mac_format(li.mac, p->saved_mac); /* recorded before it is changed */
        }
        /* name chosen here rather than by the kernel, so that it is recorded first */
        r = -EEXIST;
        for (int attempt = 0; attempt < 16 && r == -EEXIST; attempt++) {
                struct vn_error e2 = {0};

                unrecord(b);
                if (o->ifname)
                        copy_str(p->ifname, sizeof(p->ifname), o->ifname);
                else if ((r = vn_link_free_name(b->nl, "macvtap%u", p->ifname, err)) < 0)
                        return r;
                r = record_now(b, err);
                if (r < 0)
                        return r;
                if (passthru && !b->lower_mac_set) {
                        r = port_step(b->ctx, "port-lower-mac", err);
                        if (r == 0)
                                r = vn_link_set_mac(b->nl, lower, b->mac, err);
                        if (r < 0)
                                return r;
                        b->lower_mac_set = true;
                }
                r = port_step(b->ctx, "port-macvtap", err);
                if (r < 0)
                        break;
                r = vn_macvtap_create(b->nl, p->ifname, lower, macvtap_modes[b->mode],
                                      passthru ? NULL : b->mac, p->ifname, &e2);
                if (r < 0 && (r != -EEXIST || o->ifname)) {
                        r = vn_err(err, r, "%s", e2.msg);
                        break;
                }
        }
        if (r == -EEXIST && !o->ifname)
                r = vn_err(err, r, "no free macvtapN name");
        if (r < 0) {
                lower_mac_restore(b);
                return r;
        }
        b->created = true;
        r = port_step(b->ctx, "port-up", err);
        if (r == 0)
                r = vn_link_set_up(b->nl, p->ifname, true, err);
        if (r < 0)
                return r;
        if (!o->keep_fds)
                return 0; /* the link is the port; QEMU opens /dev/tapN itself */
        if (o->vnet_hdr)
                flags |= VN_TAP_VNET_HDR;
        if (o->cloexec)
                flags |= VN_TAP_CLOEXEC;
        r = port_step(b->ctx, "port-open", err);
        if (r == 0)
                r = vn_macvtap_open(b->nl, p->ifname, p->queues, flags, p->fds, err);
        if (r == 0)
                p->n_fds = p->queues;
        return r;
}

static int macvtap_remove(struct vn_nl *nl, const struct vn_port *p, struct vn_error *err)
{
        int r = vn_link_delete(nl, p->ifname, err);

        if (p->saved_mac[0] && p->link[0]) {
                uint8_t m[6];
                struct vn_error e2 = {0};

                if (vn_mac_parse(p->saved_mac, m) == 0 &&
                    vn_link_set_mac(nl, p->link, m, &e2) < 0 && r >= 0)
                        r = vn_err(err, e2.code, "%s", e2.msg);
        }
        return r;
}

static int open_netns(const char *ns, struct vn_error *err)
{
        _cleanup_free_ char *path =
            strchr(ns, '/') ? vn_strdup(ns) : vn_asprintf("/run/netns/%s", ns);
        int fd;

        if (!path)
                return -ENOMEM;
        if (!strchr(ns, '/') && (!vn_net_name_valid(ns) || strcmp(ns, "..") == 0))
                return vn_err(err, -EINVAL, "namespace '%s': invalid name", ns);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return vn_err(err, -errno, "namespace '%s': %s: %s", ns, path, strerror(errno));
        return fd;
}

/* Bring `ifname` up inside the namespace open as nsfd: a child joins it for one ioctl. */
static int netns_link_up(int nsfd, const char *ifname)
{
        pid_t pid = fork();
        int st;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct ifreq ifr;
                int s;

                if (setns(nsfd, CLONE_NEWNET) < 0)
                        _exit(1);
                s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                memset(&ifr, 0, sizeof(ifr));
                copy_str(ifr.ifr_name, sizeof(ifr.ifr_name), ifname);
                if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                        _exit(2);
                ifr.ifr_flags |= IFF_UP;
                _exit(ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? 3 : 0);
        }
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int netns_create(struct port_build *b, struct vn_error *err)
{
        const struct vn_port_opts *o = b->o;
        struct vn_port *p = b->p;
        const char *peer = o->ifname ? o->ifname : "eth0";
        _cleanup_close_ int nsfd = -1;
        uint8_t host[6];
        int r = -EEXIST;

        if (!vn_ifname_valid(peer))
                return vn_err(err, -EINVAL,
                              "'%.64s' is not a valid interface name (" VN_IFNAME_RULE ")", peer);
        nsfd = open_netns(o->netns, err);
        if (nsfd < 0)
                return nsfd;
        copy_str(p->link, sizeof(p->link), b->bridge);
        copy_str(p->netns, sizeof(p->netns), o->netns);
        copy_str(p->peer, sizeof(p->peer), peer);
        host_mac_of(b, host); /* set at creation: the record identifies the link by it */
        /* the host end takes the first free vnetN, shared with taps; recorded before it exists */
        for (int attempt = 0; attempt < 16 && r == -EEXIST; attempt++) {
                struct vn_error e2 = {0};

                unrecord(b);
                r = vn_link_free_name(b->nl, "vnet%u", p->ifname, err);
                if (r == 0)
                        r = record_now(b, err);
                if (r == 0)
                        r = port_step(b->ctx, "port-veth", err);
                if (r < 0)
                        return r;
                r = vn_veth_create_mac(b->nl, p->ifname, host, peer, nsfd, b->mac, &e2);
                if (r < 0 && r != -EEXIST)
                        return vn_err(err, r, "%s", e2.msg);
                if (r == -EEXIST && vn_link_index(b->nl, p->ifname) < 0)
                        /* the peer's name is taken inside the namespace */
                        return vn_err(err, r, "namespace '%s' already has an interface '%s'",
                                      o->netns, peer);
        }
        if (r < 0)
                return vn_err(err, r, "no free vnetN name");
        b->created = true;
        r = attach_to_bridge(b, err);
        if (r == 0)
                r = port_step(b->ctx, "port-peer-up", err);
        if (r == 0 && netns_link_up(nsfd, peer) < 0)
                r = vn_err(err, -EIO, "namespace '%s': cannot bring '%s' up", o->netns, peer);
        return r;
}

static const struct port_ops port_ops[] = {
    [VN_PORT_TAP] = {tap_create, link_remove, link_present},
    [VN_PORT_MACVTAP] = {macvtap_create, macvtap_remove, link_present},
    [VN_PORT_NETNS] = {netns_create, link_remove, link_present},
};

/* ---- the network a port goes on ---------------------------------------------------------- */

struct port_net {
        struct vn_net *net;
        struct vn_plan *plan;
        char *dir;
};

static void port_net_free(struct port_net *pn)
{
        if (pn->net)
                vn_net_free(pn->net);
        if (pn->plan)
                vn_plan_free(pn->plan);
        free(pn->dir);
}

static int port_net_load(struct vn_ctx *ctx, const char *name, struct port_net *pn,
                         struct vn_error *err)
{
        _cleanup_free_ char *live = NULL;
        int r;

        memset(pn, 0, sizeof(*pn));
        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        if (vn_state_get(ctx, name) != VN_STATE_ACTIVE)
                return vn_err(err, -ENOENT, "network '%s' is not active", name);
        live = vn_path_run_file(ctx, name, "net.xml");
        pn->dir = vn_path_run_file(ctx, name, "ports");
        if (!live || !pn->dir)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_net_parse_file(live, &pn->net, err);
        if (r == 0)
                r = vn_plan_for(ctx, pn->net, &pn->plan, err);
        return r;
}

/* The name goes into the port's record (one "key=value" line). */
static bool portgroup_name_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n >= sizeof(((struct vn_port *)0)->portgroup))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr("_-.:", *s))
                        return false;
        return true;
}

static int random_mac(uint8_t mac[6])
{
        mac[0] = 0x52;
        mac[1] = 0x54;
        mac[2] = 0x00;
        if (getrandom(mac + 3, 3, 0) != 3)
                return -errno;
        return 0;
}

static int add_locked(struct vn_ctx *ctx, struct vn_nl *nl, const char *name,
                      const struct vn_port_opts *o, struct vn_port *out, struct vn_error *err)
{
        struct port_net pn;
        struct port_build b = {.ctx = ctx, .nl = nl, .o = o};
        struct vn_port p;
        enum vn_port_type type = o->type;
        const struct vn_plan *pl;
        char holder[16] = "";
        bool made_dir = false;
        int r;

        memset(&p, 0, sizeof(p));
        for (unsigned i = 0; i < VN_PORT_MAX_QUEUES; i++)
                p.fds[i] = -1;
        p.queues = o->queues ? o->queues : 1;
        if (p.queues > VN_PORT_MAX_QUEUES)
                return vn_err(err, -EINVAL, "at most %d queues", VN_PORT_MAX_QUEUES);
        if (o->ifname && !vn_ifname_valid(o->ifname))
                return vn_err(err, -EINVAL,
                              "'%.64s' is not a valid interface name (" VN_IFNAME_RULE ")",
                              o->ifname);
        if (o->mac) {
                if (vn_mac_parse(o->mac, b.mac) < 0)
                        return vn_err(err, -EINVAL, "'%s' is not a valid MAC address", o->mac);
                if (b.mac[0] & 1)
                        return vn_err(err, -EINVAL, "MAC %s is a multicast address", o->mac);
        } else if ((r = random_mac(b.mac)) < 0) {
                return vn_err(err, r, "getrandom: %s", strerror(-r));
        }
        vn_mac_format(b.mac, p.mac);
        p.owner_pid = o->owner_pid;
        if (o->owner_pid > 0)
                p.owner_start = proc_starttime(o->owner_pid);
        copy_str(p.owner, sizeof(p.owner), o->owner);
        b.p = &p;

        if (!name) { /* a bare tap on a bridge no network of ours owns (bridge helper) */
                if (!o->bridge || (type != VN_PORT_AUTO && type != VN_PORT_TAP))
                        return vn_err(err, -EINVAL, "a port without a network needs a bridge");
                b.bridge = o->bridge;
                p.type = VN_PORT_TAP;
                r = tap_create(&b, err);
                if (r < 0) {
                        vn_port_close_fds(&p); /* first: a tap is not deletable while attached */
                        if (b.created)
                                link_remove(nl, &p, &(struct vn_error){0});
                        return r;
                }
                if (!o->keep_fds)
                        vn_port_close_fds(&p);
                *out = p;
                return 0;
        }

        r = port_net_load(ctx, name, &pn, err);
        if (r < 0) {
                port_net_free(&pn);
                return r;
        }
        pl = pn.plan;
        if (type == VN_PORT_AUTO)
                type = o->netns ? VN_PORT_NETNS : pl->macvtap ? VN_PORT_MACVTAP : VN_PORT_TAP;
        if ((type == VN_PORT_MACVTAP) != pl->macvtap || (type == VN_PORT_NETNS && !o->netns)) {
                r = vn_err(err, -EINVAL, "network '%s' (%s) cannot have %s ports%s", name,
                           vn_fwd_mode_name(pl->mode), vn_port_type_name(type),
                           pl->macvtap ? ": its guests get macvtaps on its device pool" : "");
                goto out;
        }
        if (!pl->macvtap && !pl->bridge[0]) {
                r = vn_err(err, -EINVAL, "network '%s' (%s) has no bridge for guest ports", name,
                           vn_fwd_mode_name(pl->mode));
                goto out;
        }
        if (!pl->macvtap) {
                const struct vn_plan_portclass *pc;

                r = vn_plan_port_class(pl, o->portgroup, &pc, err);
                if (r < 0)
                        goto out;
                if (pc->name && !portgroup_name_ok(pc->name)) {
                        r = vn_err(err, -EINVAL,
                                   "network '%s': portgroup name '%s' cannot be "
                                   "recorded (letters, digits, '_', '-', '.', ':' only)",
                                   name, pc->name);
                        goto out;
                }
                copy_str(p.portgroup, sizeof(p.portgroup), pc->name ? pc->name : "");
                p.isolated = pc->isolated;
                b.bw = pc->bw.present ? &pc->bw : NULL;
        } else if (o->portgroup) {
                r = vn_err(err, -EINVAL, "network '%s' (%s): portgroups apply to bridge ports only",
                           name, vn_fwd_mode_name(pl->mode));
                goto out;
        }
        p.type = type;
        b.dir = pn.dir;
        b.bridge = pl->bridge;
        b.pool = pl->check_devs;
        b.n_pool = pl->n_check_devs;
        b.mode = pl->mode;
        made_dir = access(pn.dir, F_OK) < 0;
        r = vn_mkdir_p(pn.dir, 0755);
        if (r < 0) {
                r = vn_err(err, r, "cannot create '%s': %s", pn.dir, strerror(-r));
                goto out;
        }
        /* one port per MAC (a generated one is redrawn on a clash) */
        for (int attempt = 0; attempt < 8; attempt++) {
                r = mac_check(pn.dir, p.mac, holder);
                if (r != -EEXIST || o->mac)
                        break;
                random_mac(b.mac);
                vn_mac_format(b.mac, p.mac);
        }
        if (r == -EEXIST) {
                r = vn_err(err, -EEXIST, "network '%s': MAC %s is already used by port '%s'", name,
                           p.mac, holder);
                goto out;
        }
        if (r < 0) {
                r = vn_err(err, r, "network '%s': cannot index MAC %s: %s", name, p.mac,
                           strerror(-r));
                goto out;
        }
        r = port_ops[type].create(&b, err);
        if (r == 0)
                r = port_step(ctx, "port-index", err);
        if (r == 0) {
                char path[512];

                mac_index_path(pn.dir, p.mac, path, sizeof(path));
                if (symlink(p.ifname, path) < 0)
                        r = vn_err(err, -errno, "cannot index MAC %s: %s", p.mac, strerror(errno));
        }
        if (r == 0)
                r = port_step(ctx, "port-commit", err);
        if (r == 0) {
                p.pending = false; /* complete: the record loses its pending flag */
                r = write_record(pn.dir, &p);
                if (r < 0)
                        r = vn_err(err, r, "port '%s': cannot write its record in '%s': %s",
                                   p.ifname, pn.dir, strerror(-r));
        }
        if (r < 0) {
                /* undo in reverse; the first error stays the one reported */
                vn_port_close_fds(&p); /* first: a tap is not deletable while attached */
                if (b.created)
                        port_ops[type].remove(nl, &p, &(struct vn_error){0});
                else
                        lower_mac_restore(&b);
                if (b.recorded)
                        drop_record(pn.dir, &p);
                if (made_dir)
                        rmdir(pn.dir);
                goto out;
        }
        if (!o->keep_fds)
                vn_port_close_fds(&p);
        vn_ctx_log(ctx, "port %s (%s, mac %s) on network '%s'", p.ifname, vn_port_type_name(type),
                   p.mac, name);
        *out = p;
out:
        port_net_free(&pn);
        return r;
}

int vn_port_add(struct vn_ctx *ctx, const char *net, const struct vn_port_opts *opts,
                struct vn_port *out, struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *nl = NULL;
        int lock = -1, r;

        if (net) {
                if (!vn_net_name_valid(net))
                        return vn_err(err, -EINVAL, "'%s' is not a valid network name", net);
                lock = vn_lock(ctx, net, err);
                if (lock < 0)
                        return lock;
        } else if (!opts->no_record) {
                return vn_err(err, -EINVAL, "a port needs a network");
        }
        r = vn_nl_open(&nl, err);
        if (r == 0)
                r = add_locked(ctx, nl, net, opts, out, err);
        vn_unlock(lock);
        return r;
}

/* ---- removal, listing ---------------------------------------------------------------------- */

static int remove_port(struct vn_nl *nl, const char *dir, const struct vn_port *p,
                       struct vn_error *err)
{
        int r = 0;

        /* a namesake link someone made after ours vanished is not ours to delete */
        if (port_ops[p->type].present(nl, p))
                r = port_ops[p->type].remove(nl, p, err);
        else if (p->saved_mac[0])
                r = macvtap_remove(nl, p, err); /* puts the device's MAC back */
        if (r == -ENODEV)
                r = 0;
        if (r == 0)
                drop_record(dir, p);
        return r;
}

int vn_port_del(struct vn_ctx *ctx, const char *net, const char *ifname, struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *nl = NULL;
        _cleanup_free_ char *dir = NULL;
        struct vn_port p;
        int lock, r;

        if (!vn_net_name_valid(net))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", net);
        if (!vn_ifname_valid(ifname))
                return vn_err(err, -EINVAL,
                              "'%.64s' is not a valid interface name (" VN_IFNAME_RULE ")", ifname);
        dir = vn_path_run_file(ctx, net, "ports");
        if (!dir)
                return -ENOMEM;
        lock = vn_lock(ctx, net, err);
        if (lock < 0)
                return lock;
        r = read_record(dir, ifname, &p);
        if (r == -ENOENT) {
                char br[16];

                /* a port the bridge helper made: recorded in the kernel (helper-port.h) */
                r = vn_nl_open(&nl, err);
                if (r == 0 && vn_helper_bridge_of_net(ctx->run_dir, net, br) == 0)
                        r = vn_helper_ports_delete(nl, net, br, ifname, err);
                else if (r == 0)
                        r = -ENOENT;
                vn_unlock(lock);
                if (r == -ENOENT)
                        return vn_err(err, -ENOENT, "network '%s' has no port '%s'", net, ifname);
                return r;
        }
        if (r == -ENOENT)
                r = vn_err(err, -ENOENT, "network '%s' has no port '%s'", net, ifname);
        else if (r < 0)
                r = vn_err(err, r, "port '%s': unreadable record: %s", ifname, strerror(-r));
        if (r == 0)
                r = vn_nl_open(&nl, err);
        if (r == 0)
                r = remove_port(nl, dir, &p, err);
        if (r == 0)
                rmdir(dir); /* only when that was the last port */
        vn_unlock(lock);
        return r;
}

/* The bridge helper's ports of `net` (recorded in the kernel, see helper-port.h), after the
 * recorded ones. A tap its bridge lost (destroy + start of a namesake) is not listed. */
static int helper_ports_append(struct vn_ctx *ctx, struct vn_nl *nl, const char *net,
                               struct vn_port **v, size_t *cnt)
{
        _cleanup_free_ struct vn_helper_port *h = NULL;
        struct vn_port *nv;
        char br[16];
        size_t n = 0;
        int r;

        if (vn_helper_bridge_of_net(ctx->run_dir, net, br) < 0)
                return 0;
        r = vn_helper_ports(nl, net, br, &h, &n, &(struct vn_error){0});
        if (r < 0 || n == 0)
                return r;
        nv = realloc(*v, (*cnt + n) * sizeof(**v));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        for (size_t i = 0; i < n; i++) {
                struct vn_port *p = &nv[*cnt];
                struct passwd *pw;
                char who[64];

                if (!h[i].attached)
                        continue;
                memset(p, 0, sizeof(*p));
                for (unsigned q = 0; q < VN_PORT_MAX_QUEUES; q++)
                        p->fds[q] = -1;
                copy_str(p->ifname, sizeof(p->ifname), h[i].ifname);
                p->type = VN_PORT_TAP;
                vn_mac_format(h[i].host_mac, p->host_mac);
                copy_str(p->link, sizeof(p->link), h[i].bridge);
                p->queues = 1;
                p->owner_pid = h[i].pid;
                pw = getpwuid(h[i].uid);
                if (pw && strlen(pw->pw_name) < sizeof(who))
                        snprintf(who, sizeof(who), "%s", pw->pw_name);
                else
                        snprintf(who, sizeof(who), "uid %lu", (unsigned long)h[i].uid);
                snprintf(p->owner, sizeof(p->owner), "bridge-helper (%s)", who);
                (*cnt)++;
        }
        return 0;
}

static void port_free_list(struct vn_port *v)
{
        free(v);
}

int vn_port_list(struct vn_ctx *ctx, const char *net, struct vn_port **out, size_t *n,
                 unsigned *dropped, struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *nl = NULL;
        _cleanup_free_ char *dir = NULL;
        struct vn_port *v = NULL;
        char **names = NULL;
        size_t cnt = 0, nn = 0;
        unsigned gone = 0;
        int lock, r;

        if (!vn_net_name_valid(net))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", net);
        if (vn_state_get(ctx, net) != VN_STATE_ACTIVE)
                return vn_err(err, -ENOENT, "network '%s' is not active", net);
        dir = vn_path_run_file(ctx, net, "ports");
        if (!dir)
                return -ENOMEM;
        lock = vn_lock(ctx, net, err);
        if (lock < 0)
                return lock;
        r = vn_nl_open(&nl, err);
        if (r == 0)
                r = list_records(dir, &names, &nn);
        if (r == 0 && nn && !(v = calloc(nn, sizeof(*v))))
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < nn; i++) {
                struct vn_port *p = &v[cnt];

                if (read_record(dir, names[i], p) < 0)
                        continue;
                if (p->pending) {
                        /* an add that died half-way (we hold the lock, so none is running):
                         * undo what it recorded */
                        vn_ctx_log(ctx, "undo interrupted port-add of %s", p->ifname);
                        if (remove_port(nl, dir, p, &(struct vn_error){0}) == 0) {
                                gone++;
                                continue;
                        }
                }
                if (!port_ops[p->type].present(nl, p)) {
                        if (p->ifb[0]) /* what the kernel did not end with it */
                                vn_ifb_remove(nl, p->ifb, &(struct vn_error){0});
                        drop_record(dir, p); /* the kernel already ended it */
                        if (p->saved_mac[0])
                                macvtap_remove(nl, p, &(struct vn_error){0});
                        gone++;
                        continue;
                }
                if (!p->persist && !owner_alive(p)) {
                        if (remove_port(nl, dir, p, &(struct vn_error){0}) == 0) {
                                gone++;
                                continue;
                        }
                }
                cnt++;
        }
        vn_strv_free(names, nn);
        if (r == 0 && cnt == 0)
                rmdir(dir); /* a network without ports has no dir (an add may have died
                             * between making it and recording) */
        if (r == 0)
                r = helper_ports_append(ctx, nl, net, &v, &cnt);
        vn_unlock(lock);
        if (r < 0) {
                port_free_list(v);
                return vn_err(err, r, "ports of '%s': %s", net, strerror(-r));
        }
        if (dropped)
                *dropped = gone;
        *out = v;
        *n = cnt;
        return 0;
}

int vn_port_set_owner(struct vn_ctx *ctx, const char *net, const char *ifname, pid_t pid,
                      const char *owner, struct vn_error *err)
{
        _cleanup_free_ char *dir = NULL;
        struct vn_port p;
        int lock, r;

        if (!vn_net_name_valid(net) || !vn_ifname_valid(ifname))
                return vn_err(err, -EINVAL, "invalid network or interface name");
        dir = vn_path_run_file(ctx, net, "ports");
        if (!dir)
                return -ENOMEM;
        lock = vn_lock(ctx, net, err);
        if (lock < 0)
                return lock;
        r = read_record(dir, ifname, &p);
        if (r == 0) {
                p.owner_pid = pid;
                p.owner_start = pid > 0 ? proc_starttime(pid) : 0;
                if (owner)
                        copy_str(p.owner, sizeof(p.owner), owner);
                r = write_record(dir, &p);
        }
        vn_unlock(lock);
        if (r < 0)
                return vn_err(err, r, "port '%s' of '%s': %s", ifname, net, strerror(-r));
        return 0;
}

static int ports_cleanup(struct vn_ctx *ctx, struct vn_nl *nl, const char *name,
                         struct vn_error *err)
{
        _cleanup_free_ char *dir = vn_path_run_file(ctx, name, "ports");
        char **names = NULL;
        size_t n = 0;
        int first = 0, r;
        DIR *d;

        if (!dir)
                return -ENOMEM;
        r = list_records(dir, &names, &n);
        if (r < 0)
                return vn_err(err, r, "cannot list ports in '%s': %s", dir, strerror(-r));
        /* a domain still using a port would lose its NIC under libvirt's feet */
        for (size_t i = 0; i < n; i++) {
                struct vn_port p;
                struct vn_buf b = {0};

                if (read_record(dir, names[i], &p) < 0 ||
                    strncmp(p.owner, VN_PORT_OWNER_LIBVIRT, strlen(VN_PORT_OWNER_LIBVIRT)) != 0)
                        continue;
                for (size_t j = i; j < n; j++)
                        if (read_record(dir, names[j], &p) == 0 &&
                            strncmp(p.owner, VN_PORT_OWNER_LIBVIRT,
                                    strlen(VN_PORT_OWNER_LIBVIRT)) == 0)
                                vn_buf_addf(&b, "%s%s (%s, domain %s)",
                                            vn_buf_str(&b)[0] ? ", " : "", p.ifname, p.mac,
                                            p.owner + strlen(VN_PORT_OWNER_LIBVIRT));
                vn_strv_free(names, n);
                r = vn_err(err, -EBUSY,
                           "network '%s' has ports attached to libvirt domains: %s; detach them "
                           "first (vnet detach DOMAIN MAC)",
                           name, vn_buf_str(&b));
                vn_buf_free(&b);
                return r;
        }
        for (size_t i = 0; i < n; i++) {
                struct vn_port p;

                if (read_record(dir, names[i], &p) < 0) {
                        _cleanup_free_ char *path = vn_asprintf("%s/%s", dir, names[i]);

                        if (path)
                                unlink(path);
                        continue;
                }
                vn_ctx_log(ctx, "undo port %s", p.ifname);
                r = remove_port(nl, dir, &p, err);
                if (r < 0 && first == 0)
                        first = r;
        }
        vn_strv_free(names, n);
        {
                char br[16];

                /* the bridge helper's taps, recorded in the kernel (helper-port.h) */
                if (vn_helper_bridge_of_net(ctx->run_dir, name, br) == 0) {
                        vn_ctx_log(ctx, "undo the bridge helper's ports on %s", br);
                        r = vn_helper_ports_delete(nl, name, br, NULL, err);
                        if (r < 0 && first == 0)
                                first = r;
                }
        }
        if (first < 0)
                return first;
        /* what is left: MAC index links, temp files of an interrupted add */
        d = opendir(dir);
        if (d) {
                struct dirent *de;

                while ((de = readdir(d)))
                        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                                unlinkat(dirfd(d), de->d_name, 0);
                closedir(d);
        }
        if (rmdir(dir) < 0 && errno != ENOENT)
                return vn_err(err, -errno, "cannot remove '%s': %s", dir, strerror(errno));
        return 0;
}

const struct vn_feature vn_ports_feature = {
    .name = "ports",
    .before_destroy = ports_cleanup,
};
