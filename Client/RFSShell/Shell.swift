// The `rfs dfs` and `rfs dfsadmin` shells.
