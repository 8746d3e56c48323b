python3 gen_seq.py big.seq text text bulk:8000
rm gen_seq.py
