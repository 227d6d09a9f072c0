/*
 * qmp.c: a small QMP client (one JSON object per line each way) and guest
 * NIC hotplug into a running QEMU: getfd with the queue fds attached,
 * netdev_add, device_add — and their undo.
 *
 * Replies are told apart by their first key ("return", "error", "event" after
 * "timestamp", "QMP" for the greeting); only "desc" is ever extracted from an
 * error, so no general JSON parser is needed.
 */
#include "config.h"

#include "qemu.h"

#include "fdpass.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

struct vn_qmp {
        int fd;
        char buf[64 * 1024];
        size_t len;
        /* event lines read while waiting for a reply, "\n"-separated: at most
         * VN_QMP_EVENTS_MAX bytes, the oldest dropped first (a QEMU that floods events must
         * not grow vnet without bound) */
        char *events;
        size_t events_len, events_cap;
};

void vn_qmp_close(struct vn_qmp *q)
{
        if (!q)
                return;
        if (q->fd >= 0)
                close(q->fd);
        free(q->events);
        free(q);
}

pid_t vn_qmp_peer_pid(struct vn_qmp *q)
{
        return vn_fd_peer_pid(q->fd);
}

/* Next line (without "\r\n") into *line (caller frees), waiting until the deadline. */
static int read_line(struct vn_qmp *q, uint64_t deadline, char **line)
{
        for (;;) {
                char *nl = memchr(q->buf, '\n', q->len);
                struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
                uint64_t now = vn_now_ns();
                ssize_t n;
                int pr;

                if (nl) {
                        size_t l = (size_t)(nl - q->buf);

                        *line = strndup(q->buf, l && q->buf[l - 1] == '\r' ? l - 1 : l);
                        memmove(q->buf, nl + 1, q->len - l - 1);
                        q->len -= l + 1;
                        return *line ? 0 : -ENOMEM;
                }
                if (q->len == sizeof(q->buf))
                        return -EMSGSIZE;
                if (now >= deadline)
                        return -ETIMEDOUT;
                pr = poll(&pfd, 1, (int)((deadline - now) / 1000000) + 1);
                if (pr < 0 && errno != EINTR)
                        return -errno;
                if (pr <= 0)
                        continue;
                n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
                if (n < 0 && errno != EINTR && errno != EAGAIN)
                        return -errno;
                if (n == 0)
                        return -ECONNRESET;
                if (n > 0)
                        q->len += (size_t)n;
        }
}

static const char *first_key(const char *line)
{
        const char *p = strchr(line, '"');

        return p ? p + 1 : "";
}

/* Copy the "desc" string of an error reply. */
static void error_desc(const char *line, char *out, size_t n)
{
        const char *p = strstr(line, "\"desc\"");
        size_t k = 0;

        out[0] = '\0';
        if (!p || !(p = strchr(p + 6, '"')))
                return;
        for (p++; *p && *p != '"' && k + 1 < n; p++) {
                if (*p == '\\' && p[1])
                        p++;
                out[k++] = *p;
        }
        out[k] = '\0';
}

static void keep_event(struct vn_qmp *q, const char *line)
{
        size_t l = strlen(line) + 1, need;

        if (l > VN_QMP_EVENTS_MAX)
                return;
        if (q->events_len + l > VN_QMP_EVENTS_MAX) {
                /* drop whole lines from the front until this one fits */
                size_t cut = q->events_len + l - VN_QMP_EVENTS_MAX;
                char *nl = memchr(q->events + cut - 1, '\n', q->events_len - cut + 1);

                cut = nl ? (size_t)(nl - q->events) + 1 : q->events_len;
                memmove(q->events, q->events + cut, q->events_len - cut);
                q->events_len -= cut;
        }
        need = q->events_len + l + 1;
        if (need > q->events_cap) {
                size_t cap = q->events_cap ? q->events_cap : 4096;
                char *e;

                while (cap < need)
                        cap *= 2;
                if (!(e = realloc(q->events, cap)))
                        return;
                q->events = e;
                q->events_cap = cap;
        }
        memcpy(q->events + q->events_len, line, l - 1);
        q->events[q->events_len + l - 1] = '\n';
        q->events_len += l;
        q->events[q->events_len] = '\0';
}

size_t vn_qmp_events_held(const struct vn_qmp *q)
{
        return q ? q->events_len : 0;
}

int vn_qmp_exec(struct vn_qmp *q, const char *cmd, const int *fds, size_t nfds, char **reply,
                struct vn_error *err)
{
        _cleanup_free_ char *line = vn_asprintf("%s\n", cmd);
        uint64_t deadline = vn_now_ns() + 30ull * 1000000000ull;
        int r;

        if (!line)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_fd_send(q->fd, line, strlen(line), fds, nfds);
        if (r < 0)
                return vn_err(err, r, "QMP: send: %s", strerror(-r));
        for (;;) {
                _cleanup_free_ char *l = NULL;
                const char *k;

                r = read_line(q, deadline, &l);
                if (r < 0)
                        return vn_err(err, r, "QMP: no reply: %s", strerror(-r));
                k = first_key(l);
                if (strncmp(k, "return\"", 7) == 0) {
                        if (reply)
                                *reply = VN_TAKE(l);
                        return 0;
                }
                if (strncmp(k, "error\"", 6) == 0) {
                        char desc[512];

                        error_desc(l, desc, sizeof(desc));
                        return vn_err(err, -EIO, "QEMU: %s", desc[0] ? desc : l);
                }
                if (strstr(l, "\"event\""))
                        keep_event(q, l);
        }
}

int vn_qmp_wait_event(struct vn_qmp *q, const char *event, const char *needle, unsigned timeout_ms,
                      struct vn_error *err)
{
        uint64_t deadline = vn_now_ns() + (uint64_t)timeout_ms * 1000000ull;
        char quoted[128];

        snprintf(quoted, sizeof(quoted), "\"%s\"", event);
        for (char *s = q->events, *e; s && *s; s = e + 1) { /* seen while waiting for a reply */
                e = strchr(s, '\n');
                if (!e)
                        break;
                *e = '\0';
                if (strstr(s, quoted) && (!needle || strstr(s, needle))) {
                        *e = '\n';
                        return 0;
                }
                *e = '\n';
        }
        for (;;) {
                _cleanup_free_ char *l = NULL;
                int r = read_line(q, deadline, &l);

                if (r < 0)
                        return vn_err(err, r, "QMP: no %s event%s%s: %s", event,
                                      needle ? " for " : "", needle ? needle : "", strerror(-r));
                if (strstr(l, quoted) && (!needle || strstr(l, needle)))
                        return 0;
        }
}

int vn_qmp_open(const char *path, unsigned timeout_ms, struct vn_qmp **out, struct vn_error *err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        uint64_t deadline = vn_now_ns() + (uint64_t)timeout_ms * 1000000ull;
        _cleanup_free_ char *greeting = NULL;
        struct vn_qmp *q;
        int r;

        if (!path || strlen(path) >= sizeof(sa.sun_path))
                return vn_err(err, -EINVAL, "QMP socket path '%s' is too long", path ? path : "");
        q = calloc(1, sizeof(*q));
        if (!q)
                return vn_err(err, -ENOMEM, "out of memory");
        memcpy(sa.sun_path, path, strlen(path) + 1);
        q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (q->fd < 0) {
                r = vn_err(err, -errno, "QMP: socket: %s", strerror(errno));
                goto fail;
        }
        if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = vn_err(err, -errno, "QMP socket '%s': %s", path, strerror(errno));
                goto fail;
        }
        r = read_line(q, deadline, &greeting);
        if (r < 0 || strncmp(first_key(greeting), "QMP\"", 4) != 0) {
                r = vn_err(err, r < 0 ? r : -EPROTO, "QMP socket '%s': no QMP greeting%s%s", path,
                           r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
                goto fail;
        }
        r = vn_qmp_exec(q, "{\"execute\":\"qmp_capabilities\"}", NULL, 0, NULL, err);
        if (r < 0)
                goto fail;
        *out = q;
        return 0;
fail:
        vn_qmp_close(q);
        return r;
}

/* ---- hotplug ------------------------------------------------------------------------------ */

static void ids_for(const char *ifname, char netdev[32], char dev[32])
{
        snprintf(netdev, 32, "net-%s", ifname);
        snprintf(dev, 32, "nic-%s", ifname);
}

int vn_port_hotplug(struct vn_ctx *ctx, const char *net, const struct vn_port_opts *opts,
                    const char *qmp_path, const char *model, struct vn_port *out,
                    struct vn_error *err)
{
        struct vn_qmp *q = NULL;
        struct vn_port_opts o = *opts;
        struct vn_port p;
        struct vn_buf cmd = {0};
        char netdev[32], dev[32], owner[160];
        unsigned got = 0;
        bool netdev_added = false;
        pid_t qemu;
        int r;

        r = vn_qmp_open(qmp_path, 10000, &q, err);
        if (r < 0)
                return r;
        qemu = vn_qmp_peer_pid(q);
        snprintf(owner, sizeof(owner), "qmp:%s", qmp_path);
        o.keep_fds = true;
        o.cloexec = true;
        o.vnet_hdr = true;
        o.owner_pid = qemu > 0 ? qemu : 0;
        o.owner = owner;
        r = vn_port_add(ctx, net, &o, &p, err);
        if (r < 0) {
                vn_qmp_close(q);
                return r;
        }
        ids_for(p.ifname, netdev, dev);
        for (; got < p.n_fds; got++) {
                vn_buf_addf(&cmd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"%s-q%u\"}}",
                            p.ifname, got);
                r = vn_qmp_exec(q, vn_buf_str(&cmd), &p.fds[got], 1, NULL, err);
                vn_buf_free(&cmd);
                if (r < 0)
                        goto undo;
        }
        vn_buf_addf(&cmd,
                    "{\"execute\":\"netdev_add\",\"arguments\":{\"type\":\"tap\",\"id\":\"%s\",",
                    netdev);
        if (p.n_fds == 1) {
                vn_buf_addf(&cmd, "\"fd\":\"%s-q0\"", p.ifname);
        } else {
                vn_buf_add(&cmd, "\"fds\":\"");
                for (unsigned i = 0; i < p.n_fds; i++)
                        vn_buf_addf(&cmd, "%s%s-q%u", i ? ":" : "", p.ifname, i);
                vn_buf_add(&cmd, "\"");
        }
        vn_buf_addf(&cmd, ",\"vhost\":%s}}", vn_vhost_net_usable() ? "true" : "false");
        r = vn_qmp_exec(q, vn_buf_str(&cmd), NULL, 0, NULL, err);
        vn_buf_free(&cmd);
        if (r < 0)
                goto undo;
        netdev_added = true;
        /* --model is the caller's text: escaped, it cannot add arguments of its own */
        vn_buf_add(&cmd, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":");
        vn_buf_add_json_str(&cmd, model ? model : VN_QEMU_DEFAULT_MODEL);
        vn_buf_addf(&cmd, ",\"id\":\"%s\",\"netdev\":\"%s\",\"mac\":\"%s\"", dev, netdev, p.mac);
        if (p.n_fds > 1)
                vn_buf_addf(&cmd, ",\"mq\":true,\"vectors\":%u", 2 * p.n_fds + 2);
        vn_buf_add(&cmd, "}}");
        r = vn_qmp_exec(q, vn_buf_str(&cmd), NULL, 0, NULL, err);
        vn_buf_free(&cmd);
        if (r < 0)
                goto undo;
        vn_ctx_log(ctx, "port %s plugged into QEMU (pid %ld) as %s", p.ifname, (long)qemu, dev);
        vn_port_close_fds(&p); /* QEMU holds its own copies now */
        vn_qmp_close(q);
        *out = p;
        return 0;

undo:
        /* the first error stays the one reported */
        if (netdev_added) {
                vn_buf_addf(&cmd, "{\"execute\":\"netdev_del\",\"arguments\":{\"id\":\"%s\"}}",
                            netdev);
                vn_qmp_exec(q, vn_buf_str(&cmd), NULL, 0, NULL, &(struct vn_error){0});
                vn_buf_free(&cmd);
        }
        for (unsigned i = 0; i < got; i++) { /* those netdev_add did not consume */
                vn_buf_addf(&cmd, "{\"execute\":\"closefd\",\"arguments\":{\"fdname\":\"%s-q%u\"}}",
                            p.ifname, i);
                vn_qmp_exec(q, vn_buf_str(&cmd), NULL, 0, NULL, &(struct vn_error){0});
                vn_buf_free(&cmd);
        }
        vn_port_close_fds(&p);
        vn_port_del(ctx, net, p.ifname, &(struct vn_error){0});
        vn_qmp_close(q);
        return r;
}

int vn_port_unplug(struct vn_ctx *ctx, const char *net, const char *ifname, const char *qmp_path,
                   unsigned timeout_ms, struct vn_error *err)
{
        struct vn_qmp *q = NULL;
        char netdev[32], dev[32], cmd[256], needle[64];
        int r;

        if (!vn_ifname_valid(ifname))
                return vn_err(err, -EINVAL,
                              "'%.64s' is not a valid interface name (" VN_IFNAME_RULE ")", ifname);
        r = vn_qmp_open(qmp_path, 10000, &q, err);
        if (r < 0)
                return r;
        ids_for(ifname, netdev, dev);
        snprintf(cmd, sizeof(cmd), "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"%s\"}}",
                 dev);
        r = vn_qmp_exec(q, cmd, NULL, 0, NULL, err);
        if (r == 0) {
                /* the guest has to let go of the device (ACPI eject) before it is gone */
                snprintf(needle, sizeof(needle), "\"%s\"", dev);
                r = vn_qmp_wait_event(q, "DEVICE_DELETED", needle, timeout_ms, err);
                if (r == -ETIMEDOUT)
                        vn_err_prefix(err, "the guest did not release %s", dev);
        }
        if (r == 0) {
                snprintf(cmd, sizeof(cmd),
                         "{\"execute\":\"netdev_del\",\"arguments\":{\"id\":\"%s\"}}", netdev);
                r = vn_qmp_exec(q, cmd, NULL, 0, NULL, err);
        }
        vn_qmp_close(q);
        if (r < 0)
                return r;
        return vn_port_del(ctx, net, ifname, err);
}
