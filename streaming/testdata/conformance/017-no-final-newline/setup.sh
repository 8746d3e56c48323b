printf 'b\t2\na\t1' > nonl.txt
