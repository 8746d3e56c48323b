mkdir in
python3 gen_seq.py in/a.seq text int words
printf "plain text\nsecond line\n" > in/t.txt
rm gen_seq.py
