/*
 * test-util.c: the file helpers of lib/util.c that root's safety depends on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "util.h"

static char dir[] = "/tmp/vnet-test-util.XXXXXX";

/* A file planted under the name the writer used to pick (PATH.tmp.PID) is neither opened nor
 * truncated, and the file written gets the mode asked for, not the planted file's. */
static void test_atomic_write_ignores_planted_tmp(void **state)
{
        char path[256], planted[300];
        _cleanup_free_ char *back = NULL;
        struct stat st;
        int fd;

        (void)state;
        snprintf(path, sizeof(path), "%s/net.xml", dir);
        snprintf(planted, sizeof(planted), "%s.tmp.%ld", path, (long)getpid());
        fd = open(planted, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        assert_true(fd >= 0);
        assert_int_equal(fchmod(fd, 0666), 0);
        assert_int_equal(write(fd, "planted\n", 8), 8);
        close(fd);

        assert_int_equal(vn_write_file_atomic(path, "data\n", 5, 0600), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(vn_read_file(path, 64, &back, NULL), 0);
        assert_string_equal(back, "data\n");
        free(back);
        back = NULL;
        /* the planted file is still there, as it was */
        assert_int_equal(stat(planted, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0666);
        assert_int_equal(vn_read_file(planted, 64, &back, NULL), 0);
        assert_string_equal(back, "planted\n");
        unlink(planted);
        unlink(path);
}

/* The mode is the one asked for whatever the umask. */
static void test_atomic_write_mode_not_umask(void **state)
{
        char path[256];
        struct stat st;
        mode_t old = umask(0077);

        (void)state;
        snprintf(path, sizeof(path), "%s/conf", dir);
        assert_int_equal(vn_write_file_atomic(path, "x", 1, 0644), 0);
        umask(old);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        unlink(path);
}

/* Removing a tree removes a symlink in it, never what the link points to. */
static void test_rm_tree_never_follows(void **state)
{
        char victim[256], tree[256], p[400];
        struct stat st;
        int fd;

        (void)state;
        snprintf(victim, sizeof(victim), "%s/victim", dir);
        snprintf(tree, sizeof(tree), "%s/tree", dir);
        assert_int_equal(mkdir(victim, 0755), 0);
        snprintf(p, sizeof(p), "%s/keep", victim);
        assert_int_equal(vn_write_file_atomic(p, "k", 1, 0644), 0);
        assert_int_equal(mkdir(tree, 0755), 0);
        snprintf(p, sizeof(p), "%s/link", tree);
        assert_int_equal(symlink(victim, p), 0);
        snprintf(p, sizeof(p), "%s/sub", tree);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/sub/f", tree);
        assert_int_equal(vn_write_file_atomic(p, "f", 1, 0644), 0);

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(vn_rm_tree_at(fd, "tree"), 0);
        assert_int_equal(vn_rm_tree_at(fd, "../x"), -EINVAL);
        close(fd);
        assert_int_equal(stat(tree, &st), -1);
        snprintf(p, sizeof(p), "%s/keep", victim);
        assert_int_equal(stat(p, &st), 0);
        unlink(p);
        rmdir(victim);
}

/* vn_dir_open walks without following a symlink anywhere on the way. */
static void test_dir_open_refuses_symlinks(void **state)
{
        char real[256], link[256], p[400];
        struct vn_error err = {0};
        int fd;

        (void)state;
        snprintf(real, sizeof(real), "%s/real", dir);
        snprintf(link, sizeof(link), "%s/link", dir);
        assert_int_equal(mkdir(real, 0755), 0);
        assert_int_equal(symlink(real, link), 0);
        snprintf(p, sizeof(p), "%s/sub", link);
        assert_int_equal(vn_dir_open(p, true, 0755, &err), -ENOTDIR);
        assert_non_null(strstr(err.msg, "link' is not a directory"));
        snprintf(p, sizeof(p), "%s/real/a/b", dir);
        fd = vn_dir_open(p, true, 0755, NULL);
        assert_true(fd >= 0);
        close(fd);
        snprintf(p, sizeof(p), "%s/real/missing", dir);
        assert_int_equal(vn_dir_open(p, false, 0, NULL), -ENOENT);
        snprintf(p, sizeof(p), "%s/real/a/b", dir);
        rmdir(p);
        snprintf(p, sizeof(p), "%s/real/a", dir);
        rmdir(p);
        rmdir(real);
        unlink(link);
}

static int setup(void **state)
{
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        return rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_atomic_write_ignores_planted_tmp),
            cmocka_unit_test(test_atomic_write_mode_not_umask),
            cmocka_unit_test(test_rm_tree_never_follows),
            cmocka_unit_test(test_dir_open_refuses_symlinks),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
