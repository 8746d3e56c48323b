# One input of lines without a tab (~1.5 MB): each line is a key with an empty
# value, as in an identity sort; several spills with a 1 MB sort buffer. Lines
# repeat, share long prefixes and differ in length, as gensort-like records and
# log lines do.
python3 - <<'PY'
x = 104729
with open("lines.txt", "w") as out:
    for i in range(50000):
        x = (x * 1103515245 + 12345) % 2147483648
        head = "".join(chr(33 + (x >> s) % 90) for s in (0, 7, 14)) if x % 3 else "GET /index.html"
        out.write(f"{head}{' ' * ((x >> 20) % 3)}{(x >> 9) % 50:02d}{'q' * ((x >> 4) % 7)}\n")
PY
