# About 2.6 MB of lines: three 1 MiB splits, each mapper counting its own.
seq 1 400000 | awk '{ printf "%07d line\n", $1 }' > in.txt
