python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" b.seq long bytes lines
