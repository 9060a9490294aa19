// SQLite: the embedded database of the usage ledger (Debian libsqlite3-dev).
#include <sqlite3.h>
