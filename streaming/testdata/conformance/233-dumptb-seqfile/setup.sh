python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" a.seq text int words
