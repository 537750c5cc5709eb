#include "sweep_chart.h"
