# 2,000 lines of 100 bytes: the reducer's stdin gets about 202 KB, more than
# Hadoop's 128 KiB stdin buffer and 64 KiB pipe hold; `head -n 5` reads a few
# KB and exits, so writing the rest fails with a broken pipe (in Hadoop, and
# in zebra as long as its stdin pipe and buffer are Hadoop's sizes).
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "%08d %090d\n", (i * 7919) % 100000, i }' > in.txt
