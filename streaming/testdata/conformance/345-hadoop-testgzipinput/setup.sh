printf 'roses.are.red\nviolets.are.blue\nbunnies.are.pink\n' | gzip -n > input.txt.gz
