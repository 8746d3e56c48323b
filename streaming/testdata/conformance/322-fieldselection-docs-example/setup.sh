python3 -c '
for i in range(200):
    print(".".join(str((i * p) % 13) for p in (3, 5, 7, 11, 2, 17, 19, 23)))
' > input.txt
