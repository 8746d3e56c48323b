mkdir -p data && : > data/empty.txt
