printf 'z\t26\ny\t25\nx\t24\n' | gzip -n > data.txt.gz
