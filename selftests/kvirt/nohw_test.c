// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: on a CPU without SVM and VMX (a lab booted with -svm), kvirt.ko must
 * refuse to load with EOPNOTSUPP and one clear message, leaving nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lab_util.h"

TEST(load_refused_without_svm_or_vmx)
{
	char line[512];
	int messages = 0;
	FILE *log;

	ASSERT_FALSE(host_is_svm());
	ASSERT_EQ(-EOPNOTSUPP, kvirt_load());
	EXPECT_FALSE(kvirt_loaded());
	EXPECT_NE(0, access(KVIRT_DEV, F_OK));

	log = popen("dmesg", "re");
	ASSERT_NE(NULL, log);
	while (fgets(line, sizeof(line), log))
		messages += !!strstr(line, "kvirt: this CPU has neither AMD SVM nor Intel VMX");
	pclose(log);
	EXPECT_EQ(1, messages);
}

TEST_HARNESS_MAIN
