// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the kvirt command line: one subcommand per job, dispatched here.
 */
#include <stdio.h>
#include <string.h>

#include "kvirt.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "dp", cmd_dp, "manage kvirt_dp datapaths and ports (like ovs-dpctl)" },
	{ "info", cmd_info, "show what the hypervisor device offers" },
	{ "run", cmd_run, "boot a flat 64-bit binary with a serial console" },
};

static void print_usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: kvirt COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kvirt: unknown command '%s'\n", argv[1]);
	print_usage(stderr);
	return 2;
}
