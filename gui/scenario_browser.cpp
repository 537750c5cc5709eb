#include "scenario_browser.h"
