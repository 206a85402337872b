// SPDX-License-Identifier: GPL-2.0
#include "pcpu_alt_internal.h"
