import sys
for l in sys.stdin:
    k, v = l.split()
    print("ValueHistogram:%s\t%s" % (k, v))
