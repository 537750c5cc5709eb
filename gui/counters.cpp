#include "counters.h"
