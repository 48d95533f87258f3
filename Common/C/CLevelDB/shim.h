// LevelDB's C API, as Debian's libleveldb-dev ships it.
#include <leveldb/c.h>
