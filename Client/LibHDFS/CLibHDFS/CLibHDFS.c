/* The C side of libhdfs is the header alone: every function is implemented in Swift
 * (RFSLibHDFS, with @c @implementation, which checks each signature against hdfs.h). */
#include "hdfs.h"
