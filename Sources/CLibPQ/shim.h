#ifndef COUNTERSIGN_CLIBPQ_SHIM_H
#define COUNTERSIGN_CLIBPQ_SHIM_H
// The include path comes from pkg-config (libpq), never a hard-coded directory.
#include <libpq-fe.h>
#endif
