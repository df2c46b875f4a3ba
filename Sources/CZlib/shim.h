// zlib, for gzip'd IDX files (Debian: zlib1g-dev).
#include <zlib.h>
