/*
 * test-spawn.c: the process runner (lib/spawn.c) — output captured or sent to
 * an fd, exit status, a timeout that kills, an exec failure reported as its
 * errno, and the dry-run hook.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "spawn.h"

static int run(char *const *argv, int timeout_ms, char **out)
{
        return vn_run(&(struct vn_run_opts){.argv = argv, .in_fd = -1, .out_fd = -1,
                                            .netns_fd = -1, .timeout_ms = timeout_ms},
                      out);
}

static void test_capture(void **state)
{
        char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)"echo out; echo err >&2", NULL};
        char *out = NULL;

        (void)state;
        assert_int_equal(run(argv, 5000, &out), 0);
        assert_string_equal(out, "out\nerr\n");
        free(out);
}

static void test_status(void **state)
{
        char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)"exit 3", NULL};
        char *kill9[] = {(char *)"/bin/sh", (char *)"-c", (char *)"kill -9 $$", NULL};

        (void)state;
        assert_int_equal(run(argv, 0, NULL), 3);
        assert_int_equal(run(kill9, 0, NULL), 128 + 9);
}

static void test_stdin_and_fd(void **state)
{
        char *argv[] = {(char *)"/bin/cat", NULL};
        char path[] = "/tmp/vnet-test-spawn-XXXXXX";
        int fd = mkstemp(path), in = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        char *head[] = {(char *)"/usr/bin/head", (char *)"-c", (char *)"5", NULL};
        char buf[16] = {0};

        (void)state;
        assert_true(fd >= 0 && in >= 0);
        /* /dev/zero on stdin, output into a file */
        assert_int_equal(vn_run(&(struct vn_run_opts){.argv = head, .in_fd = in, .out_fd = fd,
                                                      .netns_fd = -1, .timeout_ms = 5000},
                                NULL),
                         0);
        assert_int_equal(pread(fd, buf, sizeof(buf), 0), 5);
        /* no stdin given: /dev/null, so cat ends at once */
        assert_int_equal(run(argv, 5000, NULL), 0);
        close(in);
        close(fd);
        unlink(path);
}

static void test_timeout(void **state)
{
        char *argv[] = {(char *)"/bin/sleep", (char *)"10", NULL};

        (void)state;
        assert_int_equal(run(argv, 100, NULL), -ETIMEDOUT);
}

static void test_exec_failure(void **state)
{
        char *argv[] = {(char *)"/nonexistent/program", NULL};
        char *out = NULL;

        (void)state;
        assert_int_equal(run(argv, 1000, &out), -ENOENT);
        assert_null(out);
}

static int dry(char *const *argv, char **out, void *userdata)
{
        (*(int *)userdata)++;
        *out = strdup(argv[1]);
        return 7;
}

static void test_dry_run(void **state)
{
        char *argv[] = {(char *)"/bin/false", (char *)"would run", NULL};
        char *out = NULL;
        int calls = 0;

        (void)state;
        vn_run_set_dry(dry, &calls);
        assert_int_equal(run(argv, 0, &out), 7);
        vn_run_set_dry(NULL, NULL);
        assert_int_equal(calls, 1);
        assert_string_equal(out, "would run");
        free(out);
        assert_int_equal(run(argv, 0, NULL), 1); /* real again */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_capture),      cmocka_unit_test(test_status),
            cmocka_unit_test(test_stdin_and_fd), cmocka_unit_test(test_timeout),
            cmocka_unit_test(test_exec_failure), cmocka_unit_test(test_dry_run),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
