#ifndef SALIENCE_CZLIB_SHIM_H
#define SALIENCE_CZLIB_SHIM_H
#include <zlib.h>
#endif
