# Three inputs of ~0.6-1.2 MB with few distinct keys: several maps, each
# spilling more than once with a 1 MB sort buffer.
python3 - <<'PY'
for f, n in (("a.txt", 30000), ("b.txt", 22000), ("c.txt", 15000)):
    with open(f, "w") as out:
        x = len(f) * 7919 + n
        for i in range(n):
            x = (x * 1103515245 + 12345) % 2147483648
            out.write(f"k{x % 23}\t{f}-{i:06d}-{'p' * (x % 17)}\n")
PY
