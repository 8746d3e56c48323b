python3 -c "import sys
w=\"the quick brown fox jumps over the lazy dog and the cat sat on the mat while rain fell\".split()
for i in range(3000): print(w[i%len(w)], i%97, w[(i*7)%len(w)])" > input.txt
