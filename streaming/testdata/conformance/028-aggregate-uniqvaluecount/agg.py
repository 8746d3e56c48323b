import sys
for l in sys.stdin:
    k, v = l.split()
    print("UniqValueCount:%s\t%s" % (k, v))
