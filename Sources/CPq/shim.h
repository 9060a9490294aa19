// libpq: PostgreSQL's client library (Debian libpq-dev; the header lives in /usr/include/postgresql,
// which pkg-config's libpq.pc adds to the include path).
#include <libpq-fe.h>
