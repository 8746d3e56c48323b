import sys
for l in sys.stdin:
    k, v = l.split()
    print("DoubleValueSum:%s\t%s" % (k, v))
