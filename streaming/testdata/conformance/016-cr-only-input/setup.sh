printf 'k2\tb\rk1\ta\rk3\tc' > cr.txt
