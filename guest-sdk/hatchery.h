/* The C header of the guest ABI now lives with the C SDK: guest-sdk/c/hatchery/hatchery.h. */
#include "c/hatchery/hatchery.h"
