/*
 * store_scripts.h — the Lua sources, indexed by enum store_script.
 */
#ifndef WL_STORE_SCRIPTS_H
#define WL_STORE_SCRIPTS_H

#include "store.h"

extern const char *const store_script_src[STORE_SCRIPT_COUNT];

#endif
