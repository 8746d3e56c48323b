# About 3 MB of words in one split (below the 32 MiB block): one mapper process must see all of it.
seq 1 300000 | awk '{ printf "w%d v%d x%d\n", ($1*7919)%1000, $1%37, ($1*31)%113 }' > in.txt
