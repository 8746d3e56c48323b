import sys
for l in sys.stdin:
    for w in l.split():
        print("LongValueSum:%s\t1" % w)
