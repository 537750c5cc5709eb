#include "scenario_runner.h"
