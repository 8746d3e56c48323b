# ~40 MB, few distinct keys: two Hadoop splits (32 MiB + rest), each map's
# output in one spill; zebra runs the big split's mapper in concurrent pieces
# and must still give Hadoop's exact value order.
python3 - <<'PY'
x = 12345
with open("big.txt", "w") as out:
    lines = []
    for i in range(1_500_000):
        x = (x * 1103515245 + 12345) % 2147483648
        lines.append(f"k{x % 97}\t{i:07d}-{'abcdefghijklmnopqrstuvwxyz'[: x % 27]}\n")
    out.write("".join(lines))
PY
