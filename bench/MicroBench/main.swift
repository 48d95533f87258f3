// placeholder: the micro-benchmark driver lands shortly
print("rfs-microbench")
