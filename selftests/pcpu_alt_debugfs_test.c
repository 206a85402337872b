// SPDX-License-Identifier: GPL-2.0
/*
 * Checks pcpu_alt's debugfs interface from user space.  Needs root, a
 * mounted debugfs and the pcpu_alt module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DEBUGFS_DIR	"/sys/kernel/debug/pcpu_alt"
#define VERSION_FILE	DEBUGFS_DIR "/version"
#define MODULE_VERSION	"/sys/module/pcpu_alt/version"

/*
 * Read at most @len - 1 bytes of @path into @buf and terminate it.
 * Returns the number of bytes read, or -errno.
 */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/*
 * Fail the calling test unless pcpu_alt is loaded and debugfs is mounted.
 * The harness' ASSERT_*() need the caller's _metadata.
 */
static void require_module(struct __test_metadata *_metadata)
{
	struct statfs sfs;
	struct stat st;

	ASSERT_EQ(0, stat("/sys/module/pcpu_alt", &st))
		TH_LOG("pcpu_alt module is not loaded");
	ASSERT_EQ(0, statfs("/sys/kernel/debug", &sfs));
	ASSERT_EQ(DEBUGFS_MAGIC, sfs.f_type)
		TH_LOG("debugfs is not mounted on /sys/kernel/debug");
}

TEST(debugfs_dir_exists)
{
	struct stat st;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	require_module(_metadata);
	ASSERT_EQ(0, stat(DEBUGFS_DIR, &st))
		TH_LOG("%s: %s", DEBUGFS_DIR, strerror(errno));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(version_is_root_only)
{
	struct stat st;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	require_module(_metadata);
	ASSERT_EQ(0, stat(VERSION_FILE, &st))
		TH_LOG("%s: %s", VERSION_FILE, strerror(errno));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0400U, st.st_mode & 07777)
		TH_LOG("%s has mode %04o", VERSION_FILE,
		       (unsigned int)(st.st_mode & 07777));
	EXPECT_EQ(0U, st.st_uid);
}

TEST(version_matches_module)
{
	char dbg[256], mod[256];
	ssize_t n;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	require_module(_metadata);
	n = read_text(VERSION_FILE, dbg, sizeof(dbg));
	ASSERT_LT(0, n) TH_LOG("%s: %s", VERSION_FILE, strerror(-n));
	n = read_text(MODULE_VERSION, mod, sizeof(mod));
	ASSERT_LT(0, n) TH_LOG("%s: %s", MODULE_VERSION, strerror(-n));
	EXPECT_STREQ(mod, dbg);
}

TEST_HARNESS_MAIN
