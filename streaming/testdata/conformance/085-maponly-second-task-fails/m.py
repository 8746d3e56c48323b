import sys
for l in sys.stdin:
    if l.startswith("BAD"):
        sys.exit(4)
    sys.stdout.write(l)
