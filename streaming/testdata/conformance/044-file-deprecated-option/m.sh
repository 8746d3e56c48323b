#!/bin/sh
while read a b; do printf "%s\t%s\n" "$b" "$a"; done
