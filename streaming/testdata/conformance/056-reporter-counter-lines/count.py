import sys
for l in sys.stdin:
    sys.stderr.write("reporter:counter:MyGroup,Lines,1\n")
    sys.stderr.write("reporter:status:working\n")
    sys.stdout.write(l)
