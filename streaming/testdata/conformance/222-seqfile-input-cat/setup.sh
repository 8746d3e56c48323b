python3 gen_seq.py a.seq text int words
python3 gen_seq.py b.seq long bytes lines
rm gen_seq.py
