python3 gen_seq.py a.seq text int words
rm gen_seq.py
