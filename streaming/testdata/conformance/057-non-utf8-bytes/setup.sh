printf 'k\377\376\tv1\nk\200\tv2\nk\tv\351\n' > bin.txt
