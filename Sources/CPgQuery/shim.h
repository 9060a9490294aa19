// libpg_query: PostgreSQL's own parser as a library (Debian libpg-query-dev, PostgreSQL 15 grammar).
#include <pg_query.h>
