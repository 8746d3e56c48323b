while read l; do echo "$l $GREETING $EQ"; done
