/* gt-sst - placeholder main. */
#include <stdio.h>
#include "gt.h"

int main(void)
{
	fprintf(stderr, "gt-sst: not built yet\n");
	return GT_EXIT_PERM;
}
