/* gt-compact - placeholder main. */
#include <stdio.h>
#include "gt.h"

int main(void)
{
	fprintf(stderr, "gt-compact: not built yet\n");
	return GT_EXIT_PERM;
}
