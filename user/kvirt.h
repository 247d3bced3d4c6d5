/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the subcommands of the kvirt tool, one file each.
 */
#ifndef KVIRT_USER_KVIRT_H
#define KVIRT_USER_KVIRT_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int cmd_dp(int argc, char **argv);
int cmd_dp_masks(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif /* KVIRT_USER_KVIRT_H */
