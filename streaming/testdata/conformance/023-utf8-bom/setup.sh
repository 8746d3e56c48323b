printf '\357\273\277b\t2\na\t1\n' > bom.txt
