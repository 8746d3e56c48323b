python3 -c 'import sys; sys.stdout.write("roses.are.red\nviolets.are.blue\nbunnies.are.pink\n" * 10000)' > input.txt
