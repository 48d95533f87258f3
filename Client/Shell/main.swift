// placeholder: the rfs command lands shortly
print("rfs")
