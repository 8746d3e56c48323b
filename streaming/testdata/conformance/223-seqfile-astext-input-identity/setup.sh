python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" a.seq text int words
python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" b.seq long bytes lines
