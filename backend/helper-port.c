/*
 * helper-port.c: the bridge helper's ports (see helper-port.h): find a bridge's network from
 * start's one-line record, make a tap, record it in the tap's alias, and find such taps again.
 */
#include "config.h"

#include "helper-port.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

/* names as start writes them: the run dir's entries are network names, the record one line */
static bool name_ok(const char *s, size_t max)
{
        size_t n = strlen(s);

        if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+:@") ==
               n;
}

/* Read dirfd/NAME/bridge into bridge[16]; no symlink followed. */
static int read_record(int dirfd, const char *net, bool strict, char bridge[16])
{
        _cleanup_close_ int d = -1, fd = -1;
        char buf[32];
        struct stat st;
        ssize_t n;

        d = openat(dirfd, net, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0)
                return -errno;
        fd = openat(d, "bridge", O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if (strict && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
                return -EPERM;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        if (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        if (n == 0 || n > 15 || strlen(buf) != (size_t)n || !name_ok(buf, 15))
                return -EINVAL;
        memcpy(bridge, buf, (size_t)n + 1);
        return 0;
}

int vn_helper_net_of_bridge(const char *run_dir, const char *bridge, bool strict, char *name)
{
        struct dirent *de;
        int r = -ENOENT;
        DIR *d;

        d = opendir(run_dir);
        if (!d)
                return errno == ENOENT ? -ENOENT : -errno;
        while (r == -ENOENT && (de = readdir(d))) {
                char br[16];

                if (!name_ok(de->d_name, VN_HELPER_NAME_MAX) || strcmp(de->d_name, "locks") == 0)
                        continue;
                if (read_record(dirfd(d), de->d_name, strict, br) == 0 && strcmp(br, bridge) == 0) {
                        memcpy(name, de->d_name, strlen(de->d_name) + 1); /* name_ok: <= 64 */
                        r = 0;
                }
        }
        closedir(d);
        return r;
}

int vn_helper_bridge_of_net(const char *run_dir, const char *net, char bridge[16])
{
        _cleanup_close_ int d = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (d < 0)
                return -errno;
        if (!name_ok(net, VN_HELPER_NAME_MAX))
                return -EINVAL;
        return read_record(d, net, false, bridge);
}

int vn_helper_alias_parse(const char *alias, char net[VN_HELPER_NAME_MAX + 1], char bridge[16],
                          uid_t *uid, pid_t *pid)
{
        char n[VN_HELPER_NAME_MAX + 2], b[17];
        unsigned long u, p;
        int used = 0;

        if (strncmp(alias, VN_HELPER_ALIAS, strlen(VN_HELPER_ALIAS)) != 0)
                return -EINVAL;
        if (sscanf(alias + strlen(VN_HELPER_ALIAS), "net=%65s br=%16s uid=%lu pid=%lu%n", n, b, &u,
                   &p, &used) != 4 ||
            alias[strlen(VN_HELPER_ALIAS) + (size_t)used] != '\0')
                return -EINVAL;
        if (!name_ok(n, VN_HELPER_NAME_MAX) || !name_ok(b, 15) || u > 0xffffffffUL ||
            p > 0x7fffffffUL)
                return -EINVAL;
        snprintf(net, VN_HELPER_NAME_MAX + 1, "%s", n);
        snprintf(bridge, 16, "%s", b);
        *uid = (uid_t)u;
        *pid = (pid_t)p;
        return 0;
}

int vn_helper_port_open(struct vn_nl *nl, const struct vn_helper_port_opts *o, int *fd,
                        char ifname[16], struct vn_error *err)
{
        struct vn_link_info br;
        char name[16], alias[256];
        uint8_t mac[6] = {0xfe, 0x54, 0x00};
        int tfd = -1, r;

        r = vn_link_get(nl, o->bridge, &br, err);
        if (r < 0)
                return r;
        if (strcmp(br.kind, "bridge") != 0)
                return vn_err(err, -EPERM, "'%s' is not a bridge (it is a %s link): refused",
                              o->bridge, br.kind[0] ? br.kind : "plain");
        if (o->net && (!name_ok(o->net, VN_HELPER_NAME_MAX) || !name_ok(o->bridge, 15)))
                return vn_err(err, -EINVAL, "network '%s': invalid name", o->net);
        if (getrandom(mac + 3, 3, 0) != 3)
                return vn_err(err, -errno, "getrandom: %s", strerror(errno));
        r = vn_tap_open("vnet%d", 1, VN_TAP_CLOEXEC | (o->vnet_hdr ? VN_TAP_VNET_HDR : 0), &tfd,
                        name, err);
        if (r < 0)
                return r;
        /* from here on, closing tfd removes the tap: it is not persistent */
        r = vn_link_set_mac(nl, name, mac, err);
        if (r == 0 && br.mtu)
                r = vn_link_set_mtu(nl, name, br.mtu, err); /* before enslaving */
        if (r == 0 && o->net) {
                /* recorded before it joins the bridge: no port of the network is unrecorded */
                snprintf(alias, sizeof(alias), VN_HELPER_ALIAS "net=%s br=%s uid=%lu pid=%lu",
                         o->net, o->bridge, (unsigned long)o->uid,
                         (unsigned long)(o->owner_pid > 0 ? o->owner_pid : 0));
                r = vn_link_set_alias(nl, name, alias, err);
        }
        if (r == 0)
                r = vn_link_set_master(nl, name, o->bridge, err);
        if (r == 0)
                r = vn_link_set_up(nl, name, true, err);
        if (r < 0) {
                close(tfd);
                return r;
        }
        *fd = tfd;
        memcpy(ifname, name, 16);
        return 0;
}

int vn_helper_ports(struct vn_nl *nl, const char *net, const char *bridge,
                    struct vn_helper_port **out, size_t *n, struct vn_error *err)
{
        _cleanup_free_ struct vn_link_alias *links = NULL;
        struct vn_helper_port *v;
        size_t nl_n = 0, cnt = 0;
        int bridx, r;

        r = vn_link_list_by_alias(nl, VN_HELPER_ALIAS, &links, &nl_n, err);
        if (r < 0)
                return r;
        bridx = vn_link_index(nl, bridge);
        v = calloc(nl_n + 1, sizeof(*v));
        if (!v)
                return vn_err(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < nl_n; i++) {
                char an[VN_HELPER_NAME_MAX + 1], ab[16];
                uid_t uid;
                pid_t pid;

                if (strcmp(links[i].kind, "tun") != 0 ||
                    vn_helper_alias_parse(links[i].alias, an, ab, &uid, &pid) < 0 ||
                    strcmp(an, net) != 0 || strcmp(ab, bridge) != 0)
                        continue;
                snprintf(v[cnt].ifname, 16, "%s", links[i].name);
                snprintf(v[cnt].bridge, 16, "%s", ab);
                memcpy(v[cnt].host_mac, links[i].mac, 6);
                v[cnt].uid = uid;
                v[cnt].pid = pid;
                v[cnt].attached = bridx > 0 && links[i].master == bridx;
                cnt++;
        }
        *out = v;
        *n = cnt;
        return 0;
}

int vn_helper_ports_delete(struct vn_nl *nl, const char *net, const char *bridge,
                           const char *ifname, struct vn_error *err)
{
        _cleanup_free_ struct vn_helper_port *v = NULL;
        size_t n = 0;
        int r, first = 0;
        bool found = false;

        r = vn_helper_ports(nl, net, bridge, &v, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (ifname && strcmp(v[i].ifname, ifname) != 0)
                        continue;
                found = true;
                r = vn_link_delete(nl, v[i].ifname, err);
                if (r < 0 && r != -ENODEV && first == 0)
                        first = r;
        }
        if (ifname && !found)
                return -ENOENT;
        return first;
}
