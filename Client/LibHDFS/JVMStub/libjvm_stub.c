/*
 * An empty libjvm.so. pyarrow's HadoopFileSystem dlopens a libjvm.so (looked for under
 * $JAVA_HOME/lib/server and a list of JDK paths) before it loads libhdfs.so, because Apache's
 * libhdfs starts a JVM through it. rfs's libhdfs.so never calls into it, so this object only has
 * to load: `make libhdfs` builds it into $(LIBHDFS_DIR)/jvm-stub/lib/server/libjvm.so, and a
 * program that sets JAVA_HOME=$(LIBHDFS_DIR)/jvm-stub runs pyarrow on rfs with no Java at all.
 */
int rfs_libjvm_stub_is_never_called;
