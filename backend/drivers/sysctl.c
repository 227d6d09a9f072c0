/*
 * sysctl.c: read and write /proc/sys keys of the current network namespace.
 */
#include "config.h"

#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward" → /proc/sys/net/ipv4/ip_forward. A key that
 * contains '/' is taken as a path, so interface names with dots (eth0.10) stay intact. */
static int key_path(const char *key, char *path, size_t len)
{
        size_t n;
        int w;

        if (!key || !key[0] || strstr(key, ".."))
                return -EINVAL;
        w = snprintf(path, len, "/proc/sys/%s", key);
        if (w < 0 || (size_t)w >= len)
                return -ENAMETOOLONG;
        if (!strchr(key, '/'))
                for (char *p = path + strlen("/proc/sys/"); *p; p++)
                        if (*p == '.')
                                *p = '/';
        n = strlen(path);
        if (path[n - 1] == '/')
                return -EINVAL;
        return 0;
}

int vn_sysctl_read(const char *key, char *buf, size_t len)
{
        char path[512];
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int r;

        if (len == 0)
                return -EINVAL;
        r = key_path(key, path, sizeof(path));
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        do
                n = read(fd, buf, len - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        return 0;
}

int vn_sysctl_write(const char *key, const char *value, struct vn_error *err)
{
        char path[512];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);
        ssize_t n;
        int r;

        r = key_path(key, path, sizeof(path));
        if (r < 0)
                return vn_err(err, r, "sysctl '%s': invalid key", key ? key : "");
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return vn_err(err, -errno, "sysctl '%s': %s", key, strerror(errno));
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return vn_err(err, -errno, "sysctl '%s' = '%s': %s", key, value, strerror(errno));
        if ((size_t)n != len)
                return vn_err(err, -EIO, "sysctl '%s' = '%s': short write", key, value);
        return 0;
}
