module zebra

go 1.26.8
