python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" c.seq long text lines
