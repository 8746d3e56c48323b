mkdir in
python3 "$ZEBRA_CONFORMANCE_LIB/gen_seq.py" in/a.seq text int words
printf "plain text\nsecond line\n" > in/t.txt
