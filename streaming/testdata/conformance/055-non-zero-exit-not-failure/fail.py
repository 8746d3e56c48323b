import sys
for l in sys.stdin:
    sys.stdout.write(l)
sys.exit(1)
