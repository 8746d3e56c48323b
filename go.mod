module zebra

go 1.26.8

require github.com/apache/arrow/go/v15 v15.0.2 // indirect
