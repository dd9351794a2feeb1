/* gt-meta - not yet built: prints its usage (see its issue). */
#include <stdio.h>
#include <string.h>
#include "gt.h"

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: gt-meta --help\n");
		return GT_EXIT_OK;
	}
	fprintf(stderr, "gt-meta: not available yet in gt %s\n", GT_VERSION);
	return GT_EXIT_PERM;
}
