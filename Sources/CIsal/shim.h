// ISA-L's igzip: Intel's SIMD inflate (Debian libisal-dev), the fast path for gzip logs.
#include <isa-l/igzip_lib.h>
