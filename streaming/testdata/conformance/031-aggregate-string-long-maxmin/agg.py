import sys
for l in sys.stdin:
    k, s, n = l.split()
    print("StringValueMax:%s\t%s" % (k, s))
    print("StringValueMin:%s\t%s" % (k, s))
    print("LongValueMax:%s\t%s" % (k, n))
    print("LongValueMin:%s\t%s" % (k, n))
