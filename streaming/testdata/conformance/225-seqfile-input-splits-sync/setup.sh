python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" big.seq text text bulk:8000
