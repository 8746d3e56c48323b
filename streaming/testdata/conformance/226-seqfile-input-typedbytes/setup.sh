python3 gen_seq.py c.seq long text lines
rm gen_seq.py
