#include "compare_view.h"
