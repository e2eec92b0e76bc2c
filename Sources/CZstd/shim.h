#ifndef SALIENCE_CZSTD_SHIM_H
#define SALIENCE_CZSTD_SHIM_H
#include <zstd.h>
#endif
