seq 1 3000 | awk '{printf "%06d\tvalue-%d\n", ($1*7919)%100000, $1}' > nums.txt
