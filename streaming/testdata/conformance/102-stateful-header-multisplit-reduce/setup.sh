# About 2.4 MB: three 1 MiB splits.
seq 1 200000 | awk '{ printf "row %06d %d\n", $1, ($1*13)%97 }' > in.txt
