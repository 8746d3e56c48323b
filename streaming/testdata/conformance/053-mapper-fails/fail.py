import sys
sys.stdin.read()
print("partial")
sys.exit(3)
