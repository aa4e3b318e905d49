/* bench_c_noop: returns from its entry at once (the cost of a process that does nothing). */
#include "hatchery_sdk.h"

HX_ENTRY void hatchery_main(void) {}
