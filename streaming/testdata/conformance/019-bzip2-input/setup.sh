printf 'z\t26\ny\t25\nx\t24\n' | bzip2 > data.txt.bz2
