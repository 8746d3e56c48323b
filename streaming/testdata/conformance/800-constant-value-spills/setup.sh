# One input of "key<TAB>1" lines (~0.8 MB): several spills with a 1 MB sort
# buffer, every value the same (zebra sorts such spills with its radix sort).
# Keys: a few stems repeated (many equal keys), sharing their first 8 bytes,
# differing only in length or past byte 8, some with a tail of letters.
python3 - <<'PY'
stems = ["a", "ab", "abc", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefgh ", "abcdefgh0",
         "zz", "zzzzzzzz", "zzzzzzzzz", "international", "internationally", "internal", "intern", "b", "ba"]
x = 7919
with open("a.txt", "w") as out:
    for i in range(80000):
        x = (x * 1103515245 + 12345) % 2147483648
        k = stems[x % len(stems)]
        if x % 5 == 0:
            k += "xyz"[(x >> 8) % 3] * ((x >> 12) % 4)
        out.write(f"{k}\t1\n")
PY
